/** Answers kept per scope and endpoint: a project's scan sends a few to each, a worker's job one or two. */
const KEPT_ANSWERS = 32;

/**
 * What one endpoint (method and route) has sent in one scope (a project, an organization) through
 * buckets the client only guessed or learned (fallback and learned buckets): when an answer teaches a
 * new bucket for the endpoint, the requests already sent may have spent it at Atlas, and the new bucket
 * starts from them instead of from full. Requests through a published set's bucket are not here: that
 * is another bucket at Atlas.
 */
export class ScopeHistory {
  /** Requests sent and not answered yet, by their number. */
  readonly #open = new Set<number>();
  #next = 0;
  /** Answers, oldest first, the last KEPT_ANSWERS of them: when, and whether it was a 429. */
  readonly answers: { at: number; refused: boolean }[] = [];
  /** True once older answers were dropped: what came before the first kept one is not known. */
  truncated = false;

  /** A request is sent: its number, to hand back to `close`. */
  open(): number {
    const seq = ++this.#next;
    this.#open.add(seq);
    return seq;
  }

  /** The request is over: answered (when, and whether it was refused), or never sent (undefined). */
  close(seq: number, answer: { at: number; refused: boolean } | undefined): void {
    if (!this.#open.delete(seq)) return;
    if (answer === undefined) return;
    this.answers.push(answer);
    if (this.answers.length > KEPT_ANSWERS) {
      this.answers.shift();
      this.truncated = true;
    }
  }

  /** The requests in flight now (their numbers): a new bucket waits for these answers before it starts. */
  inFlight(): ReadonlySet<number> {
    return new Set(this.#open);
  }

  /** Whether any of `requests` is still in flight. */
  anyOpen(requests: ReadonlySet<number>): boolean {
    for (const seq of requests) if (this.#open.has(seq)) return true;
    return false;
  }

  /** Nothing in flight: a history the client may forget once its buckets are gone. */
  get quiet(): boolean {
    return this.#open.size === 0;
  }
}
