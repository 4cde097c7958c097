import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * The most units of work (projects of a sweep, projects' delete jobs) in flight at once. What bounds
 * them is memory, not the Atlas request concurrency: a project waiting for its own bucket's tokens holds
 * no sending slot, so it must not hold a place that another project could use. A project in flight
 * holds its scan request, the lists read so far, its buckets and pending promises: measured at 46 KB of
 * live heap each with 400 projects waiting on per-project buckets (BENCHMARKS.md, Rate-limit shapes), so
 * 500 take about 23 MB, inside the 32 MB old space the memory benchmark allows a whole sweep.
 */
export const MAX_IN_FLIGHT = 500;

/**
 * Runs `fn` over `items`, starting the next item only when `room()` resolves (the Atlas client's sending
 * slots have room: fewer requests wait for one than there are) and fewer than `maxInFlight` run. Each new
 * item is given one turn of the event loop first, so its first requests are counted as waiting before
 * the next is started. Rejects with the first error, after the items already started have settled.
 */
export async function admitWhileRoom<T>(items: readonly T[], room: () => Promise<void>, fn: (item: T) => Promise<void>, maxInFlight = MAX_IN_FLIGHT): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for (const item of items) {
    if (failure) break;
    while (running.size >= maxInFlight) await Promise.race(running);
    await room();
    if (failure) break;
    const run: Promise<void> = fn(item)
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => running.delete(run));
    running.add(run);
    await nextTurn();
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
