import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from './args';

/** `atlas-janitor --version`: the package's own version. */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

/** Two columns, the first padded to its widest entry. */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** `atlas-janitor --help`: the commands, the exit codes and where to look next. */
export function mainHelp(commands: Record<string, Command>): string {
  return [
    'atlas-janitor: finds and removes dead network plumbing in MongoDB Atlas projects (dry run unless told to enforce)',
    '',
    'usage: atlas-janitor COMMAND [flags]',
    '       atlas-janitor COMMAND --help     flags, defaults, environment and an example for COMMAND',
    '       atlas-janitor --version',
    '',
    'commands:',
    ...columns([...Object.entries(commands).map(([name, c]) => [name, c.summary] as const), ['help [COMMAND]', 'this text, or a command\'s help']]),
    '',
    'exit codes: 0 done, nothing failed; 1 done but something failed; 2 bad arguments or input file;',
    '            3 no credentials, or Atlas refused them; 4 Atlas (the base URL) could not be reached',
  ].join('\n');
}

/** `atlas-janitor COMMAND --help`, from the command's own flag table. */
export function commandHelp(name: string, command: Command): string {
  const flags = Object.entries(command.flags).map(([flag, spec]) => {
    const left = `--${flag}${spec.arg ? ` ${spec.arg}` : ''}`;
    const repeat = spec.multiple ? ' (repeatable)' : '';
    const fallback = spec.type === 'boolean' ? 'off' : (spec.default ?? 'none');
    return [left, `${spec.help}${repeat} [default: ${fallback}]`] as const;
  });
  const out = [`atlas-janitor ${name}: ${command.summary}`, '', `usage: atlas-janitor ${name} ${command.usage}`.trimEnd(), '', 'flags:', ...columns([...flags, ['--help', 'this text']])];
  if (command.positional) out.push('', `${command.positional.name}: ${command.positional.help}`);
  if (command.notes?.length) out.push('', ...command.notes);
  // Names first, what they do below: the lists of names are too long for a second column.
  out.push('', 'environment:', ...(command.env.length > 0 ? command.env.map(([names, help]) => `  ${names}\n      ${help}`) : ['  (none)']));
  out.push('', 'example:', `  ${command.example}`);
  return out.join('\n');
}
