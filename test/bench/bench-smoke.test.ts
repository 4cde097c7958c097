import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// A smoke check that the benchmark and chaos scripts run and report; their numbers are not judged here
// (timings belong to `npm run bench`).
const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
const run = promisify(execFile);

describe('bench and chaos scripts (smoke sizes)', () => {
  it('npm run bench -- --smoke writes every section of results.json', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'janitor-bench-smoke-')), 'results.json');
    const { stdout } = await run(process.execPath, [TSX, 'bench/run.ts', '--smoke', '--out', out], { cwd: ROOT, maxBuffer: 1 << 24 });
    const results = JSON.parse(readFileSync(out, 'utf8'));
    expect(stdout).toContain('sweep wall time');
    expect(results.smoke).toBe(true);
    expect(results.sweep).toMatchObject({ projects: 20, concurrency: 16 });
    expect(results.sweep.requests).toBeGreaterThan(20);
    expect(results.sweep.requests).toBe(results.sweep.minimumRequests);
    expect(results.worker).toMatchObject({ jobs: 15, deleted: 15, lost: 0, touchedOutsidePlan: 0 });
    expect(results.coldStart.functions.map((f: { name: string }) => f.name)).toEqual(['sweep', 'scan', 'worker', 'report']);
    expect(results.memory.capped).toMatchObject({ completedUnderCap: true });
    expect(results.memory.capped.peakRssMB).toBeGreaterThan(0);
    expect(results.memory.queued).toMatchObject({ queued: 100, completedUnderCap: true });
    expect(results.pipeline).toMatchObject({ projects: 30, consumers: 5, projectErrors: 0, lost: 0 });
    expect(results.pipeline.requests).toBeGreaterThan(30 * 7);
    expect(results.pipeline.bucketBoundMs).toBeGreaterThan(0);
    expect(results.buckets.shapes.map((s: { shape: string }) => s.shape)).toEqual(['ip']);
    expect(results.buckets.shapes[0]).toMatchObject({ inline: { projectErrors: 0, lost: 0 }, pipeline: { projectErrors: 0, lost: 0 } });
    expect(results.buckets.shapes[0].boundMs).toBeGreaterThan(0);
  }, 240_000);

  it('npm run chaos reports each seed with nothing lost and nothing wrongly touched', async () => {
    const { stdout } = await run(process.execPath, [TSX, 'bench/chaos.ts', '--seeds', '1', '--projects', '4', '--sweeps', '2', '--json'], { cwd: ROOT, maxBuffer: 1 << 24 });
    const rows = JSON.parse(stdout) as { seed: number; stale: number; lost: number; wronglyTouched: number; faults: number; rounds: { sweep: number; staleBefore: number; staleAfter: number }[] }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ seed: 1, lost: 0, wronglyTouched: 0 });
    expect(rows[0]!.faults).toBeGreaterThan(0);
    // Two nights on one estate: the second starts from what the first left, and leaves no more.
    const [first, second] = rows[0]!.rounds;
    expect([first!.sweep, second!.sweep, first!.staleBefore]).toEqual([1, 2, rows[0]!.stale]);
    expect(second!.staleBefore).toBe(first!.staleAfter);
    expect(second!.staleAfter).toBeLessThanOrEqual(second!.staleBefore);
  }, 180_000);
});
