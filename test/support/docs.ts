import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root; docs tests read the files a user has, never anything outside the clone. */
export const ROOT = resolve(__dirname, '../..');

/** One documentation page's text: `README.md` or a page under `docs/` (`'deploy.md'`). */
export function docPage(name: string): string {
  return readFileSync(name === 'README.md' ? resolve(ROOT, name) : resolve(ROOT, 'docs', name), 'utf8');
}

/** Every page: the README and each `docs/*.md`, by the name `docPage` takes. */
export function docPages(): Record<string, string> {
  const names = ['README.md', ...readdirSync(resolve(ROOT, 'docs')).filter((f) => f.endsWith('.md'))];
  return Object.fromEntries(names.map((n) => [n, docPage(n)]));
}

/** The fenced blocks of one language in a page, in order (`sh`, `json`, `yaml`). */
export function codeBlocks(page: string, language: string): string[] {
  return [...page.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The JSON blocks of a page, parsed. */
export function jsonBlocks(page: string): Record<string, unknown>[] {
  return codeBlocks(page, 'json').map((b) => JSON.parse(b) as Record<string, unknown>);
}

/** Every line of a page's sh blocks that starts with `prefix` (`aws `, `npx sls `). */
export function shellLines(page: string, prefix: string): string[] {
  return codeBlocks(page, 'sh').flatMap((b) => b.split('\n')).filter((l) => l.startsWith(prefix));
}

/**
 * A shell line split into words as the shell would for the simple lines the docs use: single and double
 * quotes group and are removed; `$(…)` inside double quotes stays as written (its own quotes included).
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const close = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      let j = i + 1;
      let depth = 0;
      for (; j < line.length && (line[j] !== '"' || depth > 0); j++) {
        if (line.startsWith('$(', j)) depth++;
        else if (line[j] === ')' && depth > 0) depth--;
      }
      word = (word ?? '') + line.slice(i + 1, j);
      i = j;
    } else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** The value of `--name` in a word list (`--name value` or `--name=value`). */
export function option(words: readonly string[], name: string): string | undefined {
  const at = words.indexOf(`--${name}`);
  if (at >= 0) return words[at + 1];
  return words.find((w) => w.startsWith(`--${name}=`))?.slice(name.length + 3);
}
