import { expect } from 'vitest';

/**
 * Matches a wait of `ms`, or a few milliseconds more: a client-side bucket counts its refill from a
 * moment a little after each answer (clocks count whole milliseconds).
 */
export const near = (ms: number) => expect.toSatisfy((v: number) => v >= ms && v <= ms + 5, `${ms} ms, or a few more`);
