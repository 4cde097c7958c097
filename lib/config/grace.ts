import { AGE_RULES, type RuleName } from '../kinds';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long a resource must have been seen stale, across sweeps, before it may be deleted. */
export interface GracePeriods {
  /** Rules that match a failure state (REJECTED, FAILED, …). */
  readonly defaultMs: number;
  /** Age rules (a state normal while young): how old it must be. */
  readonly ageDefaultMs: number;
  readonly perRule: ReadonlyMap<RuleName, number>;
}

export const DEFAULT_GRACE: GracePeriods = { defaultMs: DAY, ageDefaultMs: 7 * DAY, perRule: new Map() };

/** Failure rules act on first sight (`GRACE_PERIODS=default=0`); age rules keep their default. */
export const NO_GRACE: GracePeriods = { ...DEFAULT_GRACE, defaultMs: 0 };

/** An age rule may never fire on first sight: its state is normal while the resource is young. */
export const MIN_AGE_RULE_GRACE_MS = HOUR;

export function graceFor(grace: GracePeriods, rule: RuleName): number {
  return grace.perRule.get(rule) ?? (AGE_RULES.has(rule) ? grace.ageDefaultMs : grace.defaultMs);
}

const UNITS: Record<string, number> = { s: 1000, m: MINUTE, h: HOUR, d: DAY };

/** `0`, `90s`, `15m`, `24h`, `7d`; undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!m[2]) return n === 0 ? 0 : undefined;
  return n * UNITS[m[2]]!;
}

export function formatDuration(ms: number): string {
  // Whole days from two days on; a day reads better as 24h.
  if (ms >= 2 * DAY && ms % DAY === 0) return `${ms / DAY}d`;
  for (const [unit, size] of [['h', HOUR], ['m', MINUTE]] as const) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.round(ms / 1000)}s`;
}
