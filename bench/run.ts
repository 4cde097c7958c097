import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { table } from '../tools/cli/table';
import { benchBuckets, type BucketsBench } from './buckets';
import { benchColdStart, type ColdStartBench } from './cold-start';
import { benchMemory, type MemoryBench } from './memory';
import { benchPipeline, type PipelineBench } from './pipeline';
import { ROOT, machine } from './support';
import { benchSweep, type SweepBench } from './sweep';
import { benchWorker, type WorkerBench } from './worker';

const SECTIONS = ['sweep', 'worker', 'coldStart', 'memory', 'pipeline', 'buckets'] as const;
type Section = (typeof SECTIONS)[number];

/**
 * npm run bench: speed, API economy, cold start, memory and the nightly pipeline at scale, side by side
 * in one run. Prints a table and writes bench/results.json. `npm run bench -- pipeline memory` runs only
 * those sections and keeps the others' last results in the file. `--smoke` runs tiny sizes (the CI check
 * that the scripts work; its numbers mean nothing).
 */
async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { smoke: { type: 'boolean' }, out: { type: 'string' }, 'pipeline-projects': { type: 'string' }, 'pipeline-bound-s': { type: 'string' }, 'shared-by': { type: 'string' }, shape: { type: 'string', multiple: true }, 'buckets-projects': { type: 'string' }, 'no-pipeline': { type: 'boolean' }, 'no-inline': { type: 'boolean' } } });
  const unknown = positionals.filter((p) => !(SECTIONS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}: choose from ${SECTIONS.join(', ')}`);
  const wanted = new Set<Section>(positionals.length > 0 ? (positionals as Section[]) : SECTIONS);
  const smoke = values.smoke === true;
  const sizes = smoke
    ? { sweepProjects: 20, latencyMs: 2, sequentialProjects: 5, workerProjects: 3, perProject: 5, coldRuns: 2, memoryProjects: 100, pipelineProjects: 30, pipelineBoundMs: 2_000, bucketsProjects: 20 }
    : { sweepProjects: 1000, latencyMs: 25, sequentialProjects: 100, workerProjects: 100, perProject: 10, coldRuns: 10, memoryProjects: 10_000, pipelineProjects: 10_000, pipelineBoundMs: 150_000, bucketsProjects: 400 };
  const pipelineProjects = values['pipeline-projects'] ? Number(values['pipeline-projects']) : sizes.pipelineProjects;
  const pipelineBoundMs = values['pipeline-bound-s'] ? Number(values['pipeline-bound-s']) * 1000 : sizes.pipelineBoundMs;
  const log = (m: string) => process.stderr.write(`… ${m}\n`);
  const file = values.out ?? join(ROOT, 'bench', 'results.json');
  const previous = positionals.length > 0 && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const results: { sweep?: SweepBench; worker?: WorkerBench; coldStart?: ColdStartBench; memory?: MemoryBench; pipeline?: PipelineBench; buckets?: BucketsBench } = {};

  if (wanted.has('sweep')) {
    log(`sweep: ${sizes.sweepProjects} projects, ${sizes.latencyMs} ms latency, concurrency 16 (sequential on ${sizes.sequentialProjects})`);
    results.sweep = await benchSweep({ projects: sizes.sweepProjects, latencyMs: sizes.latencyMs, concurrency: 16, sequentialProjects: sizes.sequentialProjects });
  }
  if (wanted.has('worker')) {
    log(`worker: ${sizes.workerProjects * sizes.perProject} delete jobs, 20% 500 and 5% 429 on DELETE`);
    results.worker = await benchWorker({ projects: sizes.workerProjects, perProject: sizes.perProject, latencyMs: sizes.latencyMs });
  }
  if (wanted.has('coldStart')) {
    log(`cold start: ${sizes.coldRuns} fresh processes per bundle`);
    results.coldStart = await benchColdStart({ runs: sizes.coldRuns });
  }
  if (wanted.has('memory')) {
    log(`memory: ${sizes.memoryProjects} projects`);
    results.memory = await benchMemory({ projects: sizes.memoryProjects, concurrency: 16 });
  }
  if (wanted.has('pipeline')) {
    log(`pipeline: ${pipelineProjects} projects through the queues, bucket bound about ${pipelineBoundMs / 1000} s`);
    results.pipeline = await benchPipeline({ projects: pipelineProjects, targetBoundMs: pipelineBoundMs, ...(values['shared-by'] ? { sharedBy: Number(values['shared-by']) } : {}) });
  }
  if (wanted.has('buckets')) {
    const projects = values['buckets-projects'] ? Number(values['buckets-projects']) : sizes.bucketsProjects;
    log(`buckets: ${projects} projects, every shape in bench/scenarios/buckets, inline scan and pipeline`);
    // A smoke run only checks the section works: one shape whose bound shrinks with the estate (a
    // per-project shape takes its buckets' 10 s at any size).
    const shapes = values.shape ?? (smoke ? ['ip'] : undefined);
    results.buckets = await benchBuckets({ projects, concurrency: 8, maxDeletions: 50, pipeline: values['no-pipeline'] !== true, inline: values['no-inline'] !== true, log, ...(shapes ? { shapes } : {}) });
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ ...previous, when: new Date().toISOString(), smoke, machine: machine(), ...results }, null, 2)}\n`);
  process.stdout.write(`${table(['benchmark', 'result', 'detail', 'against'], rows(results))}\n\nwritten: ${file}\n`);
}

function rows(r: { sweep?: SweepBench; worker?: WorkerBench; coldStart?: ColdStartBench; memory?: MemoryBench; pipeline?: PipelineBench; buckets?: BucketsBench }): (string | number)[][] {
  const out: (string | number)[][] = [];
  const { sweep, worker, coldStart, memory, pipeline, buckets } = r;
  if (sweep) {
    out.push(
      ['sweep wall time (concurrency 16)', `${sweep.wallMs} ms`, `lower bound ${sweep.lowerBoundMs} ms; client CPU ${sweep.cpuUsPerRequest} µs/request`, `${sweep.ratioToLowerBound}× bound (goal ≤ 1.2×)`],
      ['sweep sequential (per-project script)', `${sweep.sequential.extrapolatedWallMs} ms`, `measured ${sweep.sequential.wallMs} ms on ${sweep.sequential.projectsMeasured}`, `speed-up ${sweep.speedUp}× (goal ≥ 10×)`],
      ['sweep API calls', `${sweep.requests}`, `${sweep.apiCallsPerProject} per project`, `documented minimum ${sweep.minimumRequests}${sweep.requests === sweep.minimumRequests ? ' (met)' : ' (MISSED)'}`],
    );
  }
  if (worker) {
    out.push(
      ['worker wall time', `${worker.wallMs} ms`, `${worker.jobs} jobs`, `lost ${worker.lost}, dead-lettered ${worker.deadLettered}`],
      ['worker DELETEs per resource', `${worker.deleteRequestsPerResource}`, `${worker.deleteRequests} DELETEs, ${worker.faultsInjected} faults`, `touched outside plan ${worker.touchedOutsidePlan}`],
    );
  }
  if (coldStart) out.push(...coldStart.functions.map((f) => [`cold start ${f.name}`, `${(f.bundleBytes / 1024).toFixed(0)} KB`, `init ${f.initMs} ms`, `${f.initRatioToEmpty}× empty (${coldStart.empty.initMs} ms)`]));
  if (memory) {
    out.push(
      ['memory, inline sweep, old space capped at 32 MB', `${memory.capped.completedUnderCap ? 'completed' : 'FAILED'}, peak RSS ${memory.capped.peakRssMB} MB`, `${memory.projects} projects, ${memory.requests} requests, ${memory.capped.wallMs} ms`, `live heap ${memory.capped.liveHeapMB} MB; empty node ${memory.emptyNodeRssMB} MB`],
      ['memory, queued sweep (the nightly path), capped at 32 MB', `${memory.queued.completedUnderCap ? 'completed' : 'FAILED'}, peak RSS ${memory.queued.peakRssMB} MB`, `${memory.queued.queued} scan requests queued, ${memory.queued.wallMs} ms`, `live heap ${memory.queued.liveHeapMB} MB; empty node ${memory.emptyNodeRssMB} MB`],
      ['memory peak RSS, heap unconstrained', `${memory.unconstrained.peakRssMB} MB`, `${memory.unconstrained.wallMs} ms`, `live heap ${memory.unconstrained.liveHeapMB} MB; empty node ${memory.emptyNodeRssMB} MB`],
    );
  }
  if (pipeline) {
    out.push(
      ['pipeline wall time (queued, bucket-bound)', `${pipeline.wallMs} ms`, `${pipeline.projects} projects, ${pipeline.consumers} scan consumers, bound ${pipeline.bucketBoundMs} ms`, `${pipeline.ratioToBucketBound}× bound (goal ≤ 1.1×)`],
      ['pipeline 429s / errors / lost', `${pipeline.rateLimited} of ${pipeline.requests}`, `project errors ${pipeline.projectErrors}, lost ${pipeline.lost}, deleted ${pipeline.deleted}`, 'goal ≤ 0.5% of requests, 0, 0'],
    );
  }
  for (const shape of buckets?.shapes ?? []) {
    for (const [path, run] of [['inline scan', shape.inline], ['pipeline', shape.pipeline]] as const) {
      if (!run) continue;
      const cpu = run.cpuUsPerRequest === undefined ? '' : `, client CPU ${run.cpuUsPerRequest} µs/request`;
      // The pipeline against its own bound (the worker's calls through the buckets counted too), and the scan's.
      const own = run.ownBoundMs === undefined ? undefined : run.ownBinding;
      out.push([
        `buckets ${shape.shape}: ${path}`,
        own ? `${run.wallMs} ms, ${run.ratioToOwnBound}× its bound (${run.ratioToBound}× the scan's)` : `${run.wallMs} ms, ${run.ratioToBound}× bound`,
        own
          ? `bound ${run.ownBoundMs} ms (${own.set}, ${own.calls} calls through one scope's bucket; the scan's ${shape.boundMs} ms); ${run.requests} requests`
          : `bound ${shape.boundMs} ms (${shape.binding.set}); ${run.requests} requests${cpu}`,
        `429s ${run.rateLimited} (${round((100 * run.rateLimited) / Math.max(1, run.requests))}%), errors ${run.projectErrors}, lost ${run.lost} (goal ≤ 1.3×, ≤ 0.5%, 0, 0)`,
      ]);
    }
  }
  return out;
}

const round = (n: number) => Number(n.toFixed(2));

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
