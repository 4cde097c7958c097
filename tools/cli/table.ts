import { printable } from './terminal';

/** The widest a table may be: the terminal's width, or COLUMNS when set; unlimited when piped. */
export function outputWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const columns = Number(env['COLUMNS']);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

/**
 * How far columns give way: first no text column below 24 characters (a whole Atlas id, a timestamp),
 * then, if the table is still too wide, down to 9 (both ends of an id stay recognisable).
 */
const FLOORS = [24, 9];

/**
 * A cell shortened to `width` in the middle: ids differ at both ends (an Azure resource path's group and
 * name, an endpoint's suffix), so both ends stay and `…` marks what is left out.
 */
export function shorten(text: string, width: number): string {
  if (text.length <= width) return text;
  const keep = width - 1;
  const head = Math.ceil(keep / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (keep - head))}`;
}

/**
 * Renders rows as an aligned plain-text table (numbers right-aligned), no wider than `maxWidth`: the
 * widest text column gives way first, its cells shortened in the middle; numbers are never cut.
 * `--json` output keeps every value whole.
 */
export function table(headers: string[], rows: (string | number)[][], maxWidth: number | undefined = outputWidth()): string {
  // Escaped before measuring: an escaped control character takes four columns, not one.
  const cells = [headers, ...rows.map((r) => r.map((c) => printable(String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  if (maxWidth !== undefined) {
    const gaps = 2 * (headers.length - 1);
    for (const floor of FLOORS) {
      while (widths.reduce((a, b) => a + b, 0) + gaps > maxWidth) {
        let widest = -1;
        widths.forEach((w, i) => {
          if (!numeric[i] && w > floor && (widest < 0 || w > widths[widest]!)) widest = i;
        });
        if (widest < 0) break;
        widths[widest] = widths[widest]! - 1;
      }
    }
  }
  const line = (r: string[]) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : shorten(c, widths[i]!).padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}
