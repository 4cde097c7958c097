/** A value as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One `export A=1 B=2` line. */
export function exportLine(vars: Record<string, string>): string {
  return `export ${Object.entries(vars).map(([name, value]) => `${name}=${shellQuote(value)}`).join(' ')}`;
}
