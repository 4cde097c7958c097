import { createHash } from 'node:crypto';
import type { AtlasCredentials } from '../auth';
import type { HeaderLookup } from '../http';
import { BucketMap, routeOf, type BucketKey, type BucketSharing } from './bucket-map';
import { FALLBACK_LIMITS, RATE_LIMITS_REFRESH_MS, RATE_LIMITS_RETRY_MS, type EndpointSet, type Limits } from './endpoint-sets';
import type { BudgetLeaseStore } from './shared-budget';
import type { ScopeHistory } from './scope-history';
import { statedLimits } from './stated-limits';
import type { Bucket } from './token-bucket';

/** Reads every page of `/rateLimits`; undefined when Atlas does not answer it (the fallback limits then). */
export type SetReader = () => Promise<EndpointSet[] | undefined>;

/** What the pacer needs of an answer. */
export interface PacedAnswer {
  status: number;
  headers: HeaderLookup;
  /** The parsed body when it is JSON (a 429's body describes the bucket). */
  body: unknown;
}

export interface PacerOptions {
  /** Read the sets from `/rateLimits` (default true); when false every endpoint starts from the fallback. */
  learn?: boolean;
  /** Invocations sharing the USER, ORGANIZATION and IP buckets when no lease store is given (default 1). */
  sharedBy?: number;
  sharing?: BucketSharing;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/**
 * The slower refill of two: a capacity a header contradicts says the limits the client had are wrong, so
 * their refill is not trusted above the fallback's until a 429 states the real one.
 */
function slower(a: Limits, b: Limits): Limits {
  return a.refillRate / a.refillDurationSeconds <= b.refillRate / b.refillDurationSeconds ? a : b;
}

/**
 * A permission to send one request, taken from its bucket. Settle it with the answer (or undefined when
 * none came), once; a permit whose bucket the pacer has since replaced is `stale` and must be taken again.
 */
export class Permit {
  readonly #pacer: Pacer;
  readonly #map: BucketMap;
  readonly #generation: number;
  readonly #method: string;
  readonly #path: string;
  readonly #key: BucketKey;
  readonly #bucket: Bucket;
  /** The bucket's refusals when this request went: see TokenBucket.refused. */
  readonly #sentAfter: number;
  /** Called once when the permit is settled or dropped (a probe of an unknown endpoint ends there). */
  #done: ((learned: boolean) => void) | undefined;
  /** Whether the ticket's bucket was told this request is over (see Bucket.settled). */
  #over = false;
  /** The history of this endpoint's requests in its scope through guessed and learned buckets, and this one's number there. */
  readonly #history: { history: ScopeHistory; seq: number } | undefined;

  readonly #ticket: number;

  constructor(pacer: Pacer, map: BucketMap, method: string, path: string, key: BucketKey, bucket: Bucket, ticket: number, done?: (learned: boolean) => void) {
    this.#ticket = ticket;
    this.#done = done;
    this.#pacer = pacer;
    this.#map = map;
    this.#generation = map.generation;
    this.#method = method;
    this.#path = path;
    this.#key = key;
    this.#bucket = bucket;
    this.#sentAfter = bucket.refusals;
    const history = map.historyOf(key, method, path);
    this.#history = history ? { history, seq: history.open() } : undefined;
  }

  /** True when what an answer taught since moved this request to another bucket. */
  get stale(): boolean {
    if (this.#map.generation === this.#generation && this.#pacer.map === this.#map) return false;
    const map = this.#pacer.map;
    return !map || map.bucket(map.keyFor(this.#method, this.#path)) !== this.#bucket;
  }

  /** The request was not sent after all (its permit went stale): whatever it held is released. */
  drop(): void {
    this.#release(false);
    this.#finish(false);
  }

  #finish(learned: boolean): void {
    this.#release(true);
    const done = this.#done;
    this.#done = undefined;
    done?.(learned);
  }

  /** The ticket's own bucket counts the request as over, once, whatever bucket its answer teaches. */
  #release(sent: boolean, refused = false): void {
    if (this.#over) return;
    this.#over = true;
    this.#bucket.settled(this.#ticket, sent);
    this.#history?.history.close(this.#history.seq, sent ? { at: this.#pacer.now(), refused } : undefined);
  }

  settle(answer: PacedAnswer | undefined): void {
    // No answer (reset, timeout): counted as answered now. Such a request may still reach Atlas later,
    // which no count can see; it is rare, and a 429 would say so.
    if (!answer) return this.#finish(false);
    // Counted as answered before what the answer says is applied: a header or a 429 counts from it.
    this.#release(true, answer.status === 429);
    const stated = statedLimits(answer.status, answer.headers, answer.body, this.#pacer.now());
    const map = this.#map;
    // Compared with what the endpoint uses now: an answer to a request sent before its endpoint was
    // learned must not undo what a later answer taught.
    const current = map.keyFor(this.#method, this.#path);
    const known = map.limitsOf(current);
    const sameLimits = (a: Limits, b: Limits) => a.capacity === b.capacity && a.refillRate / a.refillDurationSeconds === b.refillRate / b.refillDurationSeconds;
    // A bucket unlike the one the endpoint uses (another capacity or refill, an endpoint no set names):
    // it takes from that one from now on, in every project or scope. A capacity alone (a header) only
    // teaches an endpoint nothing described yet; its refill stays what the client assumed.
    const like = stated.limits ? undefined : stated.capacity === undefined ? undefined : map.describedWithCapacity(stated.capacity);
    const adopted = stated.limits
      ? (!sameLimits(known, stated.limits) || (!current.published && !map.isLearned(current))) && map.learn(this.#method, this.#path, stated.limits)
      : stated.capacity !== undefined && stated.capacity !== known.capacity && !map.isLearned(current) && map.learn(this.#method, this.#path, like ?? { ...slower(known, FALLBACK_LIMITS), capacity: stated.capacity }, true);
    const moved = adopted || current.setId !== this.#key.setId || current.scopeId !== this.#key.scopeId;
    const bucket = moved ? map.bucket(map.keyFor(this.#method, this.#path)) : this.#bucket;
    bucket.observe(answer.headers);
    // A request sent under what the client knew before (its endpoint has since moved) was no second try:
    // it holds the bucket for its Retry-After without lengthening the backoff.
    if (answer.status === 429) bucket.refused(stated.retryAfterMs, moved ? -1 : this.#sentAfter);
    else bucket.succeeded();
    // A probe ends once the endpoint's bucket is known whole (its refill too, not only its capacity), or
    // an answer confirms the capacity the endpoint is paced to.
    this.#finish(stated.limits !== undefined || like !== undefined || (stated.capacity !== undefined && stated.capacity === known.capacity));
  }
}

/** Projects remembered as spent by another client (noteSpentUntil), the latest ones. */
const SPENT_NOTES_KEPT = 1024;
/** Answers a probe of an unknown endpoint waits for (when none describes its bucket) before it stops probing. */
const PROBE_ANSWERS = 3;
/** A probe that has not settled in this long lets the next request go (a request must never hang on another). */
const PROBE_TIMEOUT_MS = 5_000;

/** One endpoint nobody described yet: its requests go one at a time until an answer says more. */
interface Probe {
  answers: number;
  done: boolean;
  /** Resolves when the request in flight settles. */
  busy: Promise<void> | undefined;
}

/**
 * Paces one set of credentials to Atlas's buckets: the transport's one entry is `acquire` a permit for a
 * request (method and path) → send → `settle` the permit with the answer. Behind it: the sets read from
 * `/rateLimits` (once, refreshed every RATE_LIMITS_REFRESH_MS), which bucket a request takes from, the
 * client-side buckets, the leases that share a bucket with other invocations, the fallbacks, and what
 * answers teach (a 429's body, `RateLimit-*` headers).
 */
export class Pacer {
  #map: BucketMap | undefined;
  /** Endpoints (method and route) neither a published set nor an answer described, being probed. */
  readonly #probes = new Map<string, Probe>();
  /** Each project's organization, as project lists said it: a project's requests in ORGANIZATION buckets. */
  readonly #orgOf = new Map<string, string>();
  /** Projects whose buckets another client used until then (noteSpentUntil). */
  readonly #spentUntil = new Map<string, number>();
  #expiresAt = 0;
  #loading: Promise<BucketMap> | undefined;
  readonly #options: PacerOptions;

  constructor(options: PacerOptions) {
    this.#options = options;
  }

  now(): number {
    return this.#options.now();
  }

  /** The current buckets (undefined until the sets were read). */
  get map(): BucketMap | undefined {
    return this.#map;
  }

  /** Whether the buckets follow the published sets (false: the fallback); undefined before the first read. */
  get published(): boolean | undefined {
    return this.#map?.published;
  }

  /** Projects as a list or a read gave them: their organizations place their requests in ORGANIZATION buckets. */
  noteProjects(projects: readonly { id: string; orgId: string }[]): void {
    for (const p of projects) if (p.orgId) this.#orgOf.set(p.id, p.orgId);
  }

  /** Another client used this project's buckets until `at`: see AtlasClient.noteProjectSpentUntil. */
  noteSpentUntil(projectId: string, at: number): void {
    if (!Number.isFinite(at) || at <= (this.#spentUntil.get(projectId) ?? 0)) return;
    this.#spentUntil.delete(projectId);
    this.#spentUntil.set(projectId, at);
    // A worker container sees a few projects at a time: the oldest notes go first.
    if (this.#spentUntil.size > SPENT_NOTES_KEPT) this.#spentUntil.delete(this.#spentUntil.keys().next().value!);
  }

  /**
   * Waits for the request's token. Holds nothing else while it waits (no sending slot). `tooLate` is
   * asked before each wait, with that sleep and how far the token is (Bucket.dueIn), and its error
   * thrown when the wait would pass the caller's deadline or patience.
   */
  async acquire(method: string, path: string, read: SetReader, tooLate: (waitMs: number, dueMs: number | undefined) => Error | undefined): Promise<Permit> {
    let held: { bucket: Bucket; ticket: number } | undefined;
    try {
      for (;;) {
        const map = this.#map && this.now() < this.#expiresAt ? this.#map : await this.#load(read);
        const generation = map.generation;
        const key = map.keyFor(method, path);
        // Still the same bucket after something else was learned: the ticket already taken stands; a
        // ticket of another bucket is given back (it was never sent).
        if (held && held.bucket !== map.existing(key)) {
          this.#giveBack(held);
          held = undefined;
        }
        const bucket = map.bucket(key);
        const ticket = held?.bucket === bucket ? held.ticket : bucket.take();
        held = { bucket, ticket };
        // A 429, a header or a smaller share while this request slept can push its token further away:
        // check again after each sleep; an answer that moved the endpoint to another bucket starts over.
        let wait = bucket.waitFor(ticket);
        while (wait > 0 && map.generation === generation) {
          const error = tooLate(wait, bucket.dueIn(ticket));
          if (error) throw error;
          await this.#options.sleep(wait);
          wait = bucket.waitFor(ticket);
        }
        if (map.generation !== generation) continue;
        if (map.isLearned(key)) {
          const permit = new Permit(this, map, method, path, key, bucket, ticket);
          held = undefined;
          return permit;
        }
        // An endpoint no answer has described yet (published or not: a published list may be wrong or
        // incomplete): its first requests go one at a time, so the first answer that says what its bucket
        // is (a 429's body, RateLimit-Limit) is heard before many are refused.
        const done = await this.#probe(`${method.toUpperCase()} ${routeOf(path)}`);
        if (map.generation !== generation && !done) continue;
        const permit = new Permit(this, map, method, path, key, bucket, ticket, done);
        held = undefined;
        return permit;
      }
    } finally {
      // A ticket taken for a request that will not be sent (its deadline came first): given back.
      if (held) this.#giveBack(held);
    }
  }

  /** A ticket whose request was never sent: its bucket stops counting it as possibly arriving. */
  #giveBack(held: { bucket: Bucket; ticket: number }): void {
    held.bucket.settled(held.ticket, false);
  }

  /** Waits for this endpoint's probe; returns the callback that ends this request's turn (none when probing is over). */
  async #probe(route: string): Promise<((learned: boolean) => void) | undefined> {
    let probe = this.#probes.get(route);
    if (!probe) this.#probes.set(route, (probe = { answers: 0, done: false, busy: undefined }));
    while (probe.busy) await probe.busy;
    if (probe.done) return undefined;
    let release!: () => void;
    probe.busy = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(() => end(false), PROBE_TIMEOUT_MS);
    // Only a guard: it must not keep a finished process (a CLI run, a Lambda) alive.
    timer.unref();
    const end = (learned: boolean) => {
      clearTimeout(timer);
      if (probe.busy === undefined) return;
      probe.answers++;
      if (learned || probe.answers >= PROBE_ANSWERS) probe.done = true;
      probe.busy = undefined;
      release();
    };
    return end;
  }

  /** One read per pacer even when many requests start at once: two sets of buckets would each spend the whole budget. */
  #load(read: SetReader): Promise<BucketMap> {
    this.#loading ??= this.#read(read).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #read(read: SetReader): Promise<BucketMap> {
    const sets = this.#options.learn === false ? undefined : await read();
    const { sharedBy, sharing, now } = this.#options;
    const orgOf = (projectId: string) => this.#orgOf.get(projectId);
    const spentUntil = (projectId: string) => this.#spentUntil.get(projectId);
    const map = new BucketMap(sets, { ...(sharedBy ? { sharedBy } : {}), now, orgOf, spentUntil, ...(sharing ? { sharing } : {}), ...(this.#map ? { learned: this.#map.learned } : {}) });
    this.#map = map;
    this.#expiresAt = now() + (sets ? RATE_LIMITS_REFRESH_MS : RATE_LIMITS_RETRY_MS);
    return map;
  }
}

/**
 * The pacers of one container, one per Atlas address and credentials (and sharing settings): a warm
 * Lambda container's clients reuse the sets and the buckets' state between invocations, so a new
 * invocation does not start from full buckets Atlas has spent. Whoever builds the clients owns it.
 */
export class PacerPool {
  readonly #pacers = new Map<string, Pacer>();

  get(key: string, create: () => Pacer): Pacer {
    let pacer = this.#pacers.get(key);
    if (!pacer) this.#pacers.set(key, (pacer = create()));
    return pacer;
  }
}

/** How a client's pacer is chosen and built (TransportOptions.rateLimits, with the client's address and credentials). */
export interface PacerSettings {
  baseUrl: string;
  credentials: AtlasCredentials;
  learn?: boolean | undefined;
  sharedBy?: number | undefined;
  leases?: BudgetLeaseStore | undefined;
  holder?: string | undefined;
  onLeaseError?: ((error: unknown) => void) | undefined;
  pacers?: PacerPool | undefined;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** The pacer for these credentials: the pool's (one per address, principal and sharing), or one of its own. */
export function pacerFor(settings: PacerSettings): Pacer {
  const { baseUrl, credentials, learn, sharedBy = 1, leases, holder = '', onLeaseError, pacers, now, sleep } = settings;
  // The principal, never the secret: the key is held in memory and may show in a heap dump.
  const principal = credentials.type === 'apiKey' ? credentials.publicKey : credentials.clientId;
  // Leases name the credentials by a hash of the principal (the public key or client id), not of its
  // secret: Atlas's USER bucket is per principal, and a service account has two valid secrets while
  // one is rotated. The principal is an identifier, not a secret.
  const budgetPrefix = createHash('sha256').update(`${baseUrl} ${principal}`).digest('hex').slice(0, 24);
  const sharing = { store: leases, budgetPrefix, ...(holder ? { holder } : {}), ...(onLeaseError ? { onError: onLeaseError } : {}) };
  const create = () => new Pacer({ ...(learn === undefined ? {} : { learn }), sharedBy, sharing, now, sleep });
  return pacers ? pacers.get(`${baseUrl} ${principal} ${sharedBy} ${leases ? 'leased' : 'fixed'} ${holder}`, create) : create();
}
