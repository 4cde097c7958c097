/** How a wait grows with the attempts: `base * 2^(attempt-1)`, capped at `max`, then jittered. */
export interface BackoffPolicy {
  base: number;
  max?: number | undefined;
  /**
   * `none`: the exact ceiling (a lone caller, nothing to spread). `full`: anywhere in [0, ceiling) (AWS
   * architecture blog, "Exponential Backoff And Jitter"). `half`: in [ceiling/2, ceiling], so a retry
   * never comes back much sooner than planned.
   */
  jitter?: 'none' | 'full' | 'half' | undefined;
  random?: (() => number) | undefined;
}

/** The wait after failed attempt `attempt` (1 for the first): every backoff of the janitor is this one. */
export function backoff(attempt: number, policy: BackoffPolicy): number {
  const ceiling = Math.min(policy.max ?? Infinity, policy.base * 2 ** (attempt - 1));
  const random = policy.random ?? Math.random;
  if (policy.jitter === 'full') return Math.floor(random() * ceiling);
  if (policy.jitter === 'half') return ceiling * (0.5 + random() / 2);
  return ceiling;
}
