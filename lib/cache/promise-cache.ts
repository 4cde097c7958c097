/**
 * Promises by key, each reused for `ttlMs` (Infinity: for good). A rejected one is dropped at once, so
 * the next call tries again rather than repeating the failure.
 */
export class PromiseCache<K, V> {
  readonly #entries = new Map<K, { value: Promise<V>; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.#entries.set(key, { value, at: this.now() });
    value.catch(() => {
      if (this.#entries.get(key)?.value === value) this.#entries.delete(key);
    });
    return value;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }
}
