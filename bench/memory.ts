import { execFile, execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { join } from 'node:path';
import { generateEstate } from '../tools/scenarios/generate';
import { ROOT, startSimulatorProcess } from './support';

export interface MemoryRun {
  nodeFlags: string[];
  wallMs: number;
  peakRssMB: number;
  /** Heap in use after a full GC at the end, the report still held. */
  liveHeapMB: number;
}

export interface MemoryBench {
  projects: number;
  concurrency: number;
  requests: number;
  candidates: number;
  kept: number;
  /** V8 sizes its heap from the host's memory (here many GB), so it collects lazily. */
  unconstrained: MemoryRun;
  /** Heap capped (V8's old space at 32 MB): the console (inline) path, counts and a sample of what was kept. */
  capped: MemoryRun & { completedUnderCap: boolean };
  /** The nightly path: the sweep function lists the projects and queues one scan each (heap capped too). */
  queued: MemoryRun & { queued: number; completedUnderCap: boolean };
  emptyNodeRssMB: number;
}

/** The cap: V8's old space at 32 MB, well under a 128 MB function's share. */
export const CAPPED_FLAGS = ['--max-old-space-size=32', '--max-semi-space-size=2'];

/**
 * Peak RSS of a whole dry-run sweep (every project read, the full report held) in a process of its
 * own, running the janitor bundled as Lambda runs it; the simulator runs in another process.
 */
export async function benchMemory(options: { projects: number; concurrency: number }): Promise<MemoryBench> {
  const child = join(ROOT, '.esbuild-local', 'memory-child.js');
  await build({ entryPoints: [join(ROOT, 'bench/memory-child.ts')], outfile: child, bundle: true, minify: true, platform: 'node', target: 'node24', format: 'cjs', external: ['@aws-sdk/*'], logLevel: 'silent' });
  const sim = await startSimulatorProcess(generateEstate({ projects: options.projects, seed: 7 }), { latencyMs: 0 });
  try {
    const run = (flags: string[], extra: string[] = [], env: Record<string, string> = {}) => {
      const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', ...flags, child, sim.url, String(options.concurrency), ...extra], { cwd: ROOT, maxBuffer: 1 << 20, env: { ...process.env, ...env } }).toString());
      if (out.errors > 0) throw new Error(`memory bench: ${out.errors} errors in the sweep`);
      return out as { wallMs: number; projects: number; requests: number; candidates: number; kept: number; queued: number; maxRssMB: number; liveHeapMB: number };
    };
    const free = run([]);
    const capped = run(CAPPED_FLAGS);
    // fauxqs (ESM-only) in this process; the child sends its scan requests there.
    const { startFauxqs } = await import('fauxqs');
    const fauxqs = await startFauxqs({ port: 0, logger: false });
    let queued;
    try {
      const queueUrl = fauxqs.createQueue('bench-scan').queueUrl;
      queued = await new Promise<ReturnType<typeof run>>((ok, fail) => {
        // execFileSync would block this process, and with it fauxqs: run the child asynchronously.
        execFile(process.execPath, ['--expose-gc', ...CAPPED_FLAGS, child, sim.url, String(options.concurrency), 'queued', queueUrl], { cwd: ROOT, env: { ...process.env, AWS_ENDPOINT_URL_SQS: fauxqs.address } }, (error, stdout) => {
          if (error) return fail(error);
          const out = JSON.parse(stdout);
          return out.errors > 0 ? fail(new Error(`memory bench: ${out.errors} errors in the queued sweep`)) : ok(out);
        });
      });
    } finally {
      await fauxqs.stop();
    }
    const emptyNodeRssMB = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(Math.round(process.resourceUsage().maxRSS/1024)))']).toString());
    return {
      projects: free.projects,
      concurrency: options.concurrency,
      requests: free.requests,
      candidates: free.candidates,
      kept: free.kept,
      unconstrained: { nodeFlags: [], wallMs: free.wallMs, peakRssMB: free.maxRssMB, liveHeapMB: free.liveHeapMB },
      // A run that exceeds the cap dies (V8: heap out of memory) and run() throws: reaching here is completing.
      capped: { nodeFlags: CAPPED_FLAGS, wallMs: capped.wallMs, peakRssMB: capped.maxRssMB, liveHeapMB: capped.liveHeapMB, completedUnderCap: capped.projects === options.projects },
      queued: { nodeFlags: CAPPED_FLAGS, wallMs: queued.wallMs, peakRssMB: queued.maxRssMB, liveHeapMB: queued.liveHeapMB, queued: queued.queued, completedUnderCap: queued.queued === options.projects },
      emptyNodeRssMB,
    };
  } finally {
    await sim.stop();
  }
}
