import { parseArgs } from 'node:util';

/** A bad command line: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Documented exit codes of the atlas-janitor CLI (docs/cli.md and --help). */
export const EXIT = {
  /** Done; nothing failed. */
  ok: 0,
  /** Done, but something failed: errors in the report, jobs dead-lettered, the demo's checks failed. */
  failed: 1,
  /** Bad arguments. */
  usage: 2,
  /** No credentials, or Atlas refused them (401/403). */
  credentials: 3,
  /** Atlas (or the base URL given) could not be reached. */
  unreachable: 4,
} as const;

/** A failure that ends the command with a given exit code and a one-line message. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function rateFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * A bad input file (a scenario, a protection registry): every problem, each as `path: message`, printed
 * one a line after the headline; exit code 2 like any bad argument.
 */
export class ValidationError extends UsageError {
  readonly problems: readonly string[];

  constructor(headline: string, problems: readonly string[]) {
    super(headline);
    this.problems = problems;
  }
}

/** One flag of a command: how it parses and its help line. Adding a flag is one entry in a table. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** The value's placeholder in help (`ID`, `URL`, `N`). */
  arg?: string;
  /** What help shows as the default (booleans default to off). */
  default?: string;
  help: string;
}

export type Flags = Record<string, FlagSpec>;

/** The parsed values of a flag table: booleans, strings, or string lists for repeatable flags. */
export type FlagValues<F extends Flags> = {
  [K in keyof F]?: F[K]['type'] extends 'boolean' ? boolean : F[K]['multiple'] extends true ? string[] : string;
};

/** A command of the CLI: its flags, the environment it reads and an example, all shown by --help. */
export interface Command<F extends Flags = Flags> {
  summary: string;
  /** What follows `atlas-janitor NAME` in the usage line. */
  usage: string;
  flags: F;
  /** Environment variables the command reads, with what each does. */
  env: readonly (readonly [name: string, help: string])[];
  example: string;
  /** Said after the flags: defaults that depend on something else, caveats. */
  notes?: readonly string[];
  /** The one argument the command takes besides its flags (`apply PLAN`), named as help shows it. */
  positional?: { name: string; help: string } | undefined;
  run(values: FlagValues<F>, positionals: string[]): Promise<number>;
}

/** Keeps each command's flag table and its `run` typed together, then forgets the table's type. */
export function defineCommand<F extends Flags>(command: Command<F>): Command {
  return command as unknown as Command;
}

/** Edit distance between two short words (commands, flags): insertions, deletions, substitutions. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** `; did you mean X?` for the closest known word within two edits (a typo, a swapped pair), else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  const best = known.map((k) => ({ k, d: distance(word, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.min(2, Math.max(1, word.length - 2)) ? `; did you mean ${best.k}?` : '';
}

/** Parses a command's arguments against its table; a bad flag names itself and points at --help. */
export function parseFlags<F extends Flags>(name: string, flags: F, args: string[]): FlagValues<F> {
  return parseCommandLine(name, flags, args, undefined).values;
}

/** A command's flags and, when it takes one (`positional`), its one argument; a missing or extra argument is a usage error. */
export function parseCommandLine<F extends Flags>(name: string, flags: F, args: string[], positional: Command['positional']): { values: FlagValues<F>; positionals: string[] } {
  const options = Object.fromEntries(Object.entries(flags).map(([flag, spec]) => [flag, { type: spec.type, multiple: spec.multiple ?? false }]));
  const seeHelp = `see atlas-janitor ${name} --help`;
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals: positional !== undefined });
    if (positional && parsed.positionals.length !== 1) {
      throw new UsageError(parsed.positionals.length === 0 ? `${name}: missing ${positional.name} (${positional.help}); ${seeHelp}` : `${name}: one ${positional.name} only, got ${parsed.positionals.length}; ${seeHelp}`);
    }
    return { values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    const message = (error as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /Unknown option '([^']*)'/.exec(message)?.[1] ?? '';
      const hint = didYouMean(flag, Object.keys(flags).map((f) => `--${f}`));
      throw new UsageError(`${name}: unknown flag ${flag}${hint}; ${seeHelp}`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError(`${name}: unexpected argument ${/Unexpected argument '([^']*)'/.exec(message)?.[1] ?? ''}; ${seeHelp}`);
    }
    if (code.startsWith('ERR_PARSE_ARGS')) throw new UsageError(`${name}: ${message.split('\n')[0]}; ${seeHelp}`);
    throw error;
  }
}
