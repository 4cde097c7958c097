export interface FaultRule {
  /** All given must match; empty = every request (except oauthToken unless operationId says so). */
  match?: {
    method?: string;
    operationId?: string;
    pathIncludes?: string;
    /** Only requests whose path names one of these projects (`/groups/{groupId}`). */
    projectIds?: string[];
  };
  /** Answer this status with an Atlas error body. */
  status?: number;
  /**
   * The errorCode of that body instead of the status's default: `GROUP_NOT_FOUND`, a permission 401 such as
   * `NOT_ORG_GROUP_CREATOR`, or a code the client cannot know. Needs `status`.
   */
  errorCode?: string;
  /** Answer `status` without an Atlas error body (a proxy's or load balancer's page, `text/html`). Needs `status`. */
  bare?: boolean;
  /** Adds Retry-After on 429/503. */
  retryAfterSeconds?: number;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Extra delay before answering (alone or with status/reset). */
  latencyMs?: number;
  /** Probability 0..1 per matching request (seeded PRNG). Default 1. */
  rate?: number;
  /** Apply to at most N matching requests, then stop. */
  times?: number;
  /** 'before' (default): the route does not run. 'after': the route runs, then the error/reset replaces the answer. */
  phase?: 'before' | 'after';
}


/** Fault injection: which rules fire for a request, decided with one seeded PRNG per simulator. */

/** mulberry32: tiny, fast, and good enough to make fault rates reproducible from a seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultDecision {
  /** Sum of the latency of every rule that fired. */
  latencyMs: number;
  /** The first firing rule that answers an error or resets, if any. */
  terminal?: { status?: number; errorCode?: string; bare?: boolean; reset?: boolean; retryAfterSeconds?: number; phase: 'before' | 'after' };
  description: string | null;
}

export class FaultInjector {
  private readonly rules: { rule: FaultRule; applied: number }[] = [];
  private readonly random: () => number;

  constructor(rules: FaultRule[], seed: number) {
    this.random = mulberry32(seed);
    rules.forEach((r) => this.add(r));
  }

  add(rule: FaultRule): void {
    if (rule.rate !== undefined && (rule.rate < 0 || rule.rate > 1)) throw new Error(`fault rate must be within 0..1, got ${rule.rate}`);
    if ((rule.errorCode !== undefined || rule.bare) && rule.status === undefined) throw new Error('fault errorCode and bare need a status');
    this.rules.push({ rule: structuredClone(rule), applied: 0 });
  }

  clear(): void {
    this.rules.length = 0;
  }

  decide(req: { method: string; operationId: string | null; path: string }): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0, description: null };
    const described: string[] = [];
    this.rules.forEach((entry, index) => {
      const { rule } = entry;
      if (!matches(rule, req)) return;
      if (rule.times !== undefined && entry.applied >= rule.times) return;
      // Draw only for partial rates so adding a certain rule does not shift another rule's sequence.
      if (rule.rate !== undefined && rule.rate < 1 && !(this.random() < rule.rate)) return;
      const isTerminal = rule.reset === true || rule.status !== undefined;
      if (isTerminal && decision.terminal) return;
      entry.applied += 1;
      const phase = rule.phase ?? 'before';
      const parts: string[] = [];
      if (rule.latencyMs) {
        decision.latencyMs += rule.latencyMs;
        parts.push(`latency ${rule.latencyMs}ms`);
      }
      if (isTerminal) {
        decision.terminal = { status: rule.status, errorCode: rule.errorCode, bare: rule.bare, reset: rule.reset, retryAfterSeconds: rule.retryAfterSeconds, phase };
        parts.push(`${rule.reset ? 'reset' : `status ${rule.status}${rule.bare ? ' bare' : rule.errorCode ? ` ${rule.errorCode}` : ''}`}${phase === 'after' ? ' after the route ran' : ''}`);
      }
      if (parts.length > 0) described.push(`${parts.join(' + ')} (rule ${index})`);
    });
    decision.description = described.length > 0 ? described.join('; ') : null;
    return decision;
  }
}

function matches(rule: FaultRule, req: { method: string; operationId: string | null; path: string }): boolean {
  const m = rule.match ?? {};
  // The token endpoint is only faulted when a rule names it, so a blanket rule keeps auth working.
  if (req.operationId === 'oauthToken' && m.operationId !== 'oauthToken') return false;
  if (m.method !== undefined && m.method.toUpperCase() !== req.method) return false;
  if (m.operationId !== undefined && m.operationId !== req.operationId) return false;
  if (m.pathIncludes !== undefined && !req.path.includes(m.pathIncludes)) return false;
  if (m.projectIds !== undefined && !m.projectIds.includes(projectOf(req.path) ?? '')) return false;
  return true;
}

/** The project a request path names (v2 and v1.0 both use `/groups/{groupId}`), if any. */
function projectOf(path: string): string | undefined {
  return /\/groups\/([^/]+)/.exec(path)?.[1];
}
