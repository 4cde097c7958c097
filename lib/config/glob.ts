/**
 * Project name globs: `*` any run of characters, `?` one character, everything else literal.
 * Matching is case-sensitive, as Atlas project names are.
 */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'u');
}

export function matchesAnyGlob(name: string, globs: readonly RegExp[]): boolean {
  return globs.some((g) => g.test(name));
}
