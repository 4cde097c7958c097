/**
 * Control characters a terminal would act on: C0 (but tab and newline), DEL, C1, and the Unicode line
 * separators and bidirectional overrides that reorder or hide what follows. Project names, ids and error
 * texts come from Atlas or from files; printed raw, an ESC or OSC sequence could retitle or clear the
 * operator's terminal, and a CR could overwrite a line with another.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The text with every such character written out as a visible escape (`\x1b`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Writes a line of text output to stdout, made printable. JSON output needs none: JSON escapes controls. */
export function printLine(text: string): void {
  process.stdout.write(`${printable(text)}\n`);
}

/** Writes a line to stderr (warnings, where a page went, errors), made printable. */
export function warnLine(text: string): void {
  process.stderr.write(`${printable(text)}\n`);
}
