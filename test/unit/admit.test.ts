import { describe, expect, it } from 'vitest';
import { admitWhileRoom } from '../../lib/concurrency/admit';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('admitWhileRoom', () => {
  it('starts the next item only when there is room, and never more than the bound at once', async () => {
    let room: (() => void) | undefined;
    let roomy = true;
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const run = admitWhileRoom(
      [1, 2, 3, 4, 5],
      () => (roomy ? Promise.resolve() : new Promise<void>((resolve) => (room = resolve))),
      (n) => new Promise<void>((resolve) => (started.push(n), finish.set(n, resolve))),
      3,
    );
    await tick();
    await tick();
    roomy = false;
    await tick();
    await tick();
    // Two started while there was room; the third waits for room, not for the others to end.
    expect(started).toEqual([1, 2, 3].slice(0, started.length));
    const before = started.length;
    for (let i = 0; i < 6; i++) await tick();
    // Nothing more starts while the slots have no room, though the bound (3) would allow it.
    expect(started.length).toBe(before);
    expect(before).toBeLessThan(3);
    room?.();
    roomy = true;
    for (let i = 0; i < 6; i++) await tick();
    expect(started.length).toBe(Math.min(3, before + 3));
    // At the bound: the fourth starts only when one ends.
    expect(started).not.toContain(4);
    finish.get(1)!();
    for (let i = 0; i < 6; i++) await tick();
    expect(started).toContain(4);
    for (const n of [2, 3, 4]) finish.get(n)!();
    for (let i = 0; i < 6; i++) await tick();
    finish.get(5)!();
    await run;
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects with the first error once the items already started have settled, starting no more', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = admitWhileRoom([1, 2, 3, 4], () => Promise.resolve(), async (n) => {
      started.push(n);
      await tick();
      settled++;
      if (n === 1) throw new Error('first');
    }, 2);
    await expect(run).rejects.toThrow('first');
    expect(settled).toBe(started.length);
    expect(started).not.toContain(4);
  });
});
