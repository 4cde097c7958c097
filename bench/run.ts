import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from '../tools/cli/table';
import { benchColdStart } from './cold-start';
import { benchMemory } from './memory';
import { ROOT, machine } from './support';
import { benchSweep } from './sweep';
import { benchWorker } from './worker';

/**
 * npm run bench: speed, API economy, cold start and memory, side by side in one run. Prints a table and
 * writes bench/results.json. `--smoke` runs tiny sizes (the CI check that the scripts work; its numbers
 * mean nothing).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { smoke: { type: 'boolean' }, out: { type: 'string' } } });
  const smoke = values.smoke === true;
  const sizes = smoke
    ? { sweepProjects: 20, latencyMs: 2, sequentialProjects: 5, workerProjects: 3, perProject: 5, coldRuns: 2, memoryProjects: 100 }
    : { sweepProjects: 1000, latencyMs: 25, sequentialProjects: 100, workerProjects: 100, perProject: 10, coldRuns: 10, memoryProjects: 10_000 };
  const log = (m: string) => process.stderr.write(`… ${m}\n`);
  log(`sweep: ${sizes.sweepProjects} projects, ${sizes.latencyMs} ms latency, concurrency 16 (sequential on ${sizes.sequentialProjects})`);
  const sweep = await benchSweep({ projects: sizes.sweepProjects, latencyMs: sizes.latencyMs, concurrency: 16, sequentialProjects: sizes.sequentialProjects });
  log(`worker: ${sizes.workerProjects * sizes.perProject} delete jobs, 20% 500 and 5% 429 on DELETE`);
  const worker = await benchWorker({ projects: sizes.workerProjects, perProject: sizes.perProject, latencyMs: sizes.latencyMs });
  log(`cold start: ${sizes.coldRuns} fresh processes per bundle`);
  const coldStart = await benchColdStart({ runs: sizes.coldRuns });
  log(`memory: ${sizes.memoryProjects} projects`);
  const memory = await benchMemory({ projects: sizes.memoryProjects, concurrency: 16 });
  const results = { when: new Date().toISOString(), smoke, machine: machine(), sweep, worker, coldStart, memory };
  const file = values.out ?? join(ROOT, 'bench', 'results.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);

  const rows: (string | number)[][] = [
    ['sweep wall time (concurrency 16)', `${sweep.wallMs} ms`, `lower bound ${sweep.lowerBoundMs} ms`, `${sweep.ratioToLowerBound}× bound (goal ≤ 1.25×)`],
    ['sweep sequential (per-project script)', `${sweep.sequential.extrapolatedWallMs} ms`, `measured ${sweep.sequential.wallMs} ms on ${sweep.sequential.projectsMeasured}`, `speed-up ${sweep.speedUp}× (goal ≥ 10×)`],
    ['sweep API calls', `${sweep.requests}`, `${sweep.apiCallsPerProject} per project`, `documented minimum ${sweep.minimumRequests}${sweep.requests === sweep.minimumRequests ? ' (met)' : ' (MISSED)'}`],
    ['worker wall time', `${worker.wallMs} ms`, `${worker.jobs} jobs`, `lost ${worker.lost}, dead-lettered ${worker.deadLettered}`],
    ['worker DELETEs per resource', `${worker.deleteRequestsPerResource}`, `${worker.deleteRequests} DELETEs, ${worker.faultsInjected} faults`, `touched outside plan ${worker.touchedOutsidePlan}`],
    ...coldStart.functions.map((f) => [`cold start ${f.name}`, `${(f.bundleBytes / 1024).toFixed(0)} KB`, `init ${f.initMs} ms`, `${f.initRatioToEmpty}× empty (${coldStart.empty.initMs} ms)`]),
    ['memory peak RSS, inline sweep, heap capped (64 MB old space)', `${memory.capped.peakRssMB} MB`, `${memory.projects} projects, ${memory.requests} requests, ${memory.capped.wallMs} ms`, `live heap ${memory.capped.liveHeapMB} MB (goal ≤ 128 MB)`],
    ['memory peak RSS, queued sweep (the nightly path)', `${memory.queued.peakRssMB} MB`, `${memory.queued.queued} scan requests queued, ${memory.queued.wallMs} ms`, `live heap ${memory.queued.liveHeapMB} MB (goal ≤ 128 MB)`],
    ['memory peak RSS, heap unconstrained', `${memory.unconstrained.peakRssMB} MB`, `${memory.unconstrained.wallMs} ms`, `live heap ${memory.unconstrained.liveHeapMB} MB; empty node ${memory.emptyNodeRssMB} MB`],
  ];
  process.stdout.write(`${table(['benchmark', 'result', 'detail', 'against'], rows)}\n\nwritten: ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
