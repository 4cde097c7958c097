import { inlineSweep } from '../lib/run';
import { benchDeps } from './support';

/** Runs one dry-run sweep and prints its numbers and the process's peak RSS (bundled, run with plain node). */
async function main(): Promise<void> {
  const [url, concurrency] = process.argv.slice(2);
  const deps = benchDeps(url!, Number(concurrency));
  const started = performance.now();
  const { report } = await inlineSweep(deps, {}, { enqueue: false });
  const wallMs = Math.round(performance.now() - started);
  // With --expose-gc: what is really alive once the garbage is gone (the report included).
  (globalThis as { gc?: () => void }).gc?.();
  process.stdout.write(
    JSON.stringify({
      wallMs,
      projects: report.projects.length,
      requests: report.apiCalls.total + report.apiCalls.auth,
      candidates: report.candidates.length,
      kept: report.kept.length,
      errors: report.errors.length,
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      liveHeapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    }),
  );
}

void main();
