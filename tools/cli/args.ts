/** A bad command line: printed as one line on stderr, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Documented exit codes of the atlas-janitor CLI (README, "Command line"). */
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
