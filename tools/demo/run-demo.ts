import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { resetRuntimeDeps, runtimeDeps } from '../../lib/lambda';
import { DynamoLedger } from '../../lib/ledger';
import { renderReportHtml } from '../../lib/report';
import { inlineSweep } from '../../lib/run';
import { bundleFunctions, loadHandler } from '../local/bundle';
import { startLocalDynamo, type LocalDynamo } from '../local/dynamo';
import { lambdaContext } from '../local/lambda-context';
import { LocalPoller, type EventSource, type SqsHandler } from '../local/poller';
import { startLocalSqs, type LocalQueue, type LocalSqs } from '../local/sqs';
import { expectedDeletions } from '../scenarios/generate';
import { startSimulator, type BucketTally, type FaultRule, type Simulator, type StoreItem } from '../simulator';
import { observeFunctionLogs } from './observe';
import { readStack } from './stack';

export const DEMO_SCENARIO = resolve(__dirname, '../scenarios/demo.json');

export interface DemoOptions {
  scenario?: string;
  /** Share of Atlas requests answered 500/503/429 (split 2:1:1); 0 = none. */
  faultRate?: number;
  seed?: number;
  /** Explicit fault rules for the simulator (instead of faultRate's mix). */
  faults?: FaultRule[];
  /** Latency the simulator adds to every answer. */
  latencyMs?: number;
  /** How long the simulator shows a deleted resource as deleting. */
  deleteDelayMs?: number;
  timeoutMs?: number;
  /**
   * The grace period of every failure rule, in seconds. 0: one sweep that deletes on first sight. More:
   * a first sweep that only marks, a wait, and a second sweep that deletes what is still stale.
   */
  graceSeconds?: number;
  /**
   * Where to write the report page of the plan (default: a file in the system's temporary folder);
   * false for none: the page costs one more (dry-run) sweep, which benches and chaos runs do not want.
   */
  pagePath?: string | false;
  /** Settings for the functions on top of serverless.yml's (e.g. MAX_DELETIONS_PER_RUN). */
  env?: Record<string, string>;
  /**
   * Deleting sweeps in a row on the same estate and faults (default 1), as nights follow each other:
   * what one sweep kept for want of evidence, the next may delete. Each is reported as a round.
   */
  sweeps?: number;
  onStage?: (message: string) => void;
  /** Handed the tokens taken from each of the simulator's rate-limit buckets when the run is over (the benchmarks' bound). */
  onBucketTallies?: (tallies: BucketTally[]) => void;
}

/** What the ledger showed: marks after the first sweep, and the run history of the one that deleted. */
export interface LedgerReport {
  graceSeconds: number;
  /** Stale resources marked by the first sweep (0 when there was only one sweep). */
  markedByFirstSweep: number;
  /** DELETE requests Atlas received between the first sweep and the second (must be 0). */
  deletesBeforeGraceEnded: number;
  waitedMs: number;
  /** Run history entries of the sweep that deleted, and how many reached a final outcome. */
  historyEntries: number;
  historyFinal: number;
  /**
   * Containers (bundles here) that held a rate-limit lease in the ledger table: the functions share
   * Atlas's USER buckets through it (lib/atlas/pacing/shared-budget.ts), at least the scan's and the worker's.
   */
  rateLimitLeaseHolders: number;
}

export type KindName = 'privateEndpoint' | 'privateEndpointService' | 'networkPeering' | 'streamsPrivateLink';
const KINDS: KindName[] = ['privateEndpoint', 'privateEndpointService', 'networkPeering', 'streamsPrivateLink'];
const SIM_KIND: Record<KindName, StoreItem['kind']> = { privateEndpoint: 'privateEndpoint', privateEndpointService: 'endpointService', networkPeering: 'peer', streamsPrivateLink: 'streamsPrivateLink' };
const REPORT_KIND: Record<StoreItem['kind'], KindName> = { privateEndpoint: 'privateEndpoint', endpointService: 'privateEndpointService', peer: 'networkPeering', streamsPrivateLink: 'streamsPrivateLink' };

export interface KindCounts {
  found: number;
  deleted: number;
  skipped: number;
  deadLettered: number;
}

export interface SweepRound {
  sweep: number;
  /** Annotated stale resources present (not gone, not being deleted) before and after the sweep. */
  staleBefore: number;
  staleAfter: number;
  /** The stale resources still there after the sweep, counted by the project that holds them. */
  staleAfterByProject: Record<string, number>;
  /** What the sweep's scans kept, by cause (`state` holds failed reads, `suspectedApiFault` the breaker's holds). */
  keptByCause: Record<string, number>;
  scanErrors: number;
  deadLettered: number;
}

export interface DemoReport {
  scenario: string;
  faultRate: number;
  seed: number;
  sweepId: string | undefined;
  projects: { projectId: string; projectName: string; kinds: Partial<Record<KindName, KindCounts>>; apiCalls: number }[];
  totals: KindCounts & { lost: number; touchedOutsidePlan: number; removedByAtlas: number };
  skipped: { jobId: string; kind: string; id: string; reason: string }[];
  deadLettered: { jobId: string | undefined; kind: string | undefined; reason: string; errorCode: string | undefined }[];
  lost: { jobId: string; kind: string; id: string }[];
  touchedOutsidePlan: string[];
  /** Services Atlas removed with their last endpoint (documented Atlas behaviour), none of them planned. */
  removedByAtlas: string[];
  /** Against the scenario's `_janitor.expect` annotations, when it has them. */
  expected: { stale: number; missed: string[]; unexpected: string[] } | undefined;
  /** What the scans could not read (after every retry): why a stale resource may be missed. */
  scanErrors: string[];
  apiCalls: { total: number; deletes: number; faultsInjected: number; rateLimited: number; rateLimitedBy: Record<string, number> };
  /** The last sweep alone: from its invocation until the queues drained (no setup, no checks). */
  pipelineMs: number;
  /** Projects whose scan logged a line, and those whose line reported errors. */
  projectsScanned: number;
  projectsWithErrors: number;
  ledger: LedgerReport;
  /** Each deleting sweep: the annotated stale resources still there before and after it, and what its scans kept. */
  rounds: SweepRound[];
  /** The report page of the plan the deleting sweep then carried out, with what it lists (unless pagePath is false). */
  page?: { path: string; candidates: number; rules: string[] } | undefined;
  wallTimeMs: number;
  ok: boolean;
}

const SCHEDULED_EVENT = { 'version': '0', 'id': 'demo', 'detail-type': 'Scheduled Event', 'source': 'aws.events', 'account': '000000000000', 'time': new Date().toISOString(), 'region': 'us-east-1', 'resources': [], 'detail': {} };

/**
 * The whole pipeline on this machine: the simulator on a scenario, an embedded SQS with the queues of
 * serverless.yml, the real handlers behind a local event-source poller. Runs a sweep in enforce mode,
 * waits until the queues drain, and checks the outcome against the simulator's own state and log.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoReport> {
  const started = Date.now();
  const stage = (message: string) => options.onStage?.(message);
  const scenarioPath = options.scenario ?? DEMO_SCENARIO;
  const scenario = JSON.parse(readFileSync(scenarioPath, 'utf8'));
  const faultRate = options.faultRate ?? 0;
  const seed = options.seed ?? 1;
  const deleteDelayMs = options.deleteDelayMs ?? 500;
  const sim = await startSimulator({ scenario, deleteDelayMs, seed, faults: options.faults ?? faultRules(faultRate), latencyMs: options.latencyMs ?? 0 });
  const local = await startLocalSqs();
  const { fauxqs, sqs } = local;
  const dynamo: LocalDynamo = await startLocalDynamo();
  const graceSeconds = options.graceSeconds ?? 0;
  const observations = observeFunctionLogs();
  const savedEnv = { ...process.env };
  try {
    stage(`simulator on ${sim.url}, SQS on ${fauxqs.address}`);
    const stack = readStack('local', { LOCAL_ATLAS_SECRET_IDS: '', LOCAL_REPORT_BUCKET: '' });
    const queues = await local.createQueues(stack.queues);
    await dynamo.createLedgerTable(stack.ledgerTable);
    const key = scenario.apiKeys[0];
    // The functions' environment from serverless.yml, pointed at the local services. The demo's time
    // scale: queue-level retry backoff and service deferrals in seconds, not minutes.
    const env: Record<string, string> = {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: fauxqs.address,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The demo reads the functions' log lines: they must be written whatever the caller's level.
      POWERTOOLS_LOG_LEVEL: 'INFO',
    };
    for (const fn of Object.values(stack.functions)) {
      for (const [name, value] of Object.entries(fn.environment)) env[name] = typeof value === 'string' ? value : queues.get(value.ref)!.url;
    }
    Object.assign(env, {
      JANITOR_MODE: 'enforce',
      ATLAS_BASE_URL: sim.url,
      ATLAS_SECRET_IDS: '',
      MONGODB_ATLAS_PUBLIC_API_KEY: key.publicKey,
      MONGODB_ATLAS_PRIVATE_API_KEY: key.privateKey,
      RETRY_BACKOFF_BASE_SECONDS: '1',
      DEFER_SECONDS: '1',
      NODE_OPTIONS: '',
      GRACE_PERIODS: `default=${graceSeconds}s`,
      ...options.env,
    });
    Object.assign(process.env, env);

    const before = new Map(sim.store.inventory().map((item) => [`${REPORT_KIND[item.kind]}:${item.id}`, item]));
    // The functions as Lambda runs them: the bundles sls would package.
    const bundles = new Map((await bundleFunctions()).map((b) => [b.name, b]));
    const handlers = {
      sweep: loadHandler<(event: unknown, context: unknown) => Promise<{ sweepId?: string }>>(bundles.get('sweep')!),
      scan: loadHandler<SqsHandler>(bundles.get('scan')!),
      worker: loadHandler<SqsHandler>(bundles.get('worker')!),
    };
    const sources: EventSource[] = stack.eventSources.map((s) => ({
      name: s.functionName,
      queueUrl: queues.get(s.queueLogicalId)!.url,
      queueArn: queues.get(s.queueLogicalId)!.arn,
      handler: handlers[s.functionName as 'scan' | 'worker'],
      batchSize: s.batchSize,
      timeoutMs: s.timeoutMs,
      concurrency: s.maximumConcurrency,
    }));
    let pipelineMs = 0;
    const sweepOnce = async (label: string) => {
      const sweepStarted = Date.now();
      stage(label);
      const summary = await handlers.sweep(SCHEDULED_EVENT, lambdaContext('sweep', stack.functions['sweep']!.timeoutMs));
      stage('draining the scan and delete queues');
      await new LocalPoller(sqs, sources).drain({ timeoutMs: options.timeoutMs ?? 120_000 });
      pipelineMs = Date.now() - sweepStarted;
      return summary;
    };
    const ledgerReport: LedgerReport = { graceSeconds, markedByFirstSweep: 0, deletesBeforeGraceEnded: 0, waitedMs: 0, historyEntries: 0, historyFinal: 0, rateLimitLeaseHolders: 0 };
    if (graceSeconds > 0) {
      const firstAt = Date.now();
      await sweepOnce(`sweep 1 (enforce, grace ${graceSeconds}s): marks only`);
      const marks = await dynamo.documents.send(new ScanCommand({ TableName: stack.ledgerTable, FilterExpression: 'begins_with(sk, :m)', ExpressionAttributeValues: { ':m': 'M#' } }));
      ledgerReport.markedByFirstSweep = marks.Items?.length ?? 0;
      stage(`${ledgerReport.markedByFirstSweep} stale resources marked; waiting for the grace period`);
      // Each resource's clock started when its project was scanned: wait for the last of them.
      const lastMarked = Math.max(firstAt, ...(marks.Items ?? []).map((m) => Number(m['firstSeenAt'])));
      const wait = Math.max(0, lastMarked + graceSeconds * 1000 + 100 - Date.now());
      await new Promise((r) => setTimeout(r, wait));
      ledgerReport.waitedMs = Date.now() - firstAt;
      ledgerReport.deletesBeforeGraceEnded = sim.log.filter((e) => e.method === 'DELETE').length;
    }
    const page = options.pagePath === false ? undefined : await writePlanPage(options.pagePath ?? join(tmpdir(), `atlas-janitor-demo-${Date.now()}.html`));
    if (page) stage(`report page of the plan: ${page.path}`);
    const annotated = expectedDeletions(scenario).map((e) => `${e.kind}:${e.id}`);
    const staleItems = () => {
      const now = new Map(sim.store.inventory().map((item) => [`${REPORT_KIND[item.kind]}:${item.id}`, item]));
      return annotated.flatMap((key) => {
        const item = now.get(key);
        return item && !item.deleting ? [item] : [];
      });
    };
    const stalePresent = () => staleItems().length;
    const staleByProject = () => {
      const counts: Record<string, number> = {};
      for (const item of staleItems()) counts[item.projectId] = (counts[item.projectId] ?? 0) + 1;
      return counts;
    };
    const rounds: SweepRound[] = [];
    const dlqDepth = () => dlqOf(fauxqs, queues).length;
    let summary: { sweepId?: string } = {};
    for (let round = 1; round <= Math.max(1, options.sweeps ?? 1); round++) {
      if (round > 1) await local.forgetDeduplication(stack.queues, queues);
      const staleBefore = stalePresent();
      const lettersBefore = dlqDepth();
      const label = graceSeconds > 0 && round === 1 ? 'sweep 2 (enforce): deletes what is still stale' : (options.sweeps ?? 1) > 1 ? `sweep ${round} (enforce)` : 'sweep (enforce)';
      summary = await sweepOnce(label);
      await waitForDeletes(sim, deleteDelayMs);
      const lines = observations.scanned.filter((line) => line.sweepId === summary.sweepId);
      const keptByCause: Record<string, number> = {};
      for (const line of lines) for (const [cause, n] of Object.entries(line.keptByCause ?? {})) keptByCause[cause] = (keptByCause[cause] ?? 0) + n;
      rounds.push({ sweep: round, staleBefore, staleAfter: stalePresent(), staleAfterByProject: staleByProject(), keptByCause, scanErrors: lines.reduce((n, line) => n + (line.errors ?? []).length, 0), deadLettered: dlqDepth() - lettersBefore });
    }
    if (summary.sweepId) {
      const history = await new DynamoLedger(dynamo.documents, stack.ledgerTable).historyBySweep(summary.sweepId);
      ledgerReport.historyEntries = history.length;
      ledgerReport.historyFinal = history.filter((h) => h.final).length;
    }
    ledgerReport.rateLimitLeaseHolders = await leaseHolders(dynamo, stack.ledgerTable);
    sim.clearFaults();
    options.onBucketTallies?.(sim.bucketTallies());
    stage('checking the outcome');
    const dlqMessages = dlqOf(fauxqs, queues);
    return assemble({ scenarioPath, scenario, faultRate, seed, sim, before, observations, dlqMessages, sweepId: summary.sweepId, started, ledger: ledgerReport, page, pipelineMs, rounds });
  } finally {
    observations.stop();
    for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
    Object.assign(process.env, savedEnv);
    await Promise.all([sim.stop(), local.stop(), dynamo.stop()]);
  }
}

type DeadLetterMessage = { body: string; messageAttributes?: Record<string, { StringValue?: string }> };

/** The delete dead-letter queue's messages, whatever their state. */
function dlqOf(fauxqs: LocalSqs['fauxqs'], queues: ReadonlyMap<string, LocalQueue>): DeadLetterMessage[] {
  const dlq = fauxqs.inspectQueue(queues.get('DeleteDeadLetterQueue')!.name)!;
  const { ready, delayed, inflight } = dlq.messages as { ready: DeadLetterMessage[]; delayed: DeadLetterMessage[]; inflight: { message: DeadLetterMessage }[] };
  return [...ready, ...delayed, ...inflight.map((m) => m.message)];
}

/**
 * The page an approver reads before a deleting sweep: a dry-run inline sweep with the functions' own
 * configuration and ledger, at the moment the deleting sweep starts, so it lists what that sweep plans.
 */
async function writePlanPage(path: string): Promise<NonNullable<DemoReport['page']>> {
  resetRuntimeDeps();
  try {
    const deps = runtimeDeps({ ...process.env, JANITOR_MODE: 'dry-run' });
    const { report } = await inlineSweep(deps, { mode: 'dry-run', requestedBy: 'demo' }, { enqueue: false, notify: false });
    writeFileSync(path, renderReportHtml(report, { generatedAt: new Date().toISOString(), source: 'atlas-janitor demo: the plan before the deleting sweep' }));
    return { path, candidates: report.candidates.length, rules: [...new Set(report.candidates.map((c) => c.rule))].sort() };
  } finally {
    resetRuntimeDeps();
  }
}

function faultRules(rate: number): FaultRule[] {
  if (rate <= 0) return [];
  return [
    { status: 500, rate: rate / 2 },
    { status: 503, rate: rate / 4, retryAfterSeconds: 1 },
    { status: 429, rate: rate / 4, retryAfterSeconds: 1 },
  ];
}

/** Accepted deletes finish in the simulator after deleteDelayMs. */
async function waitForDeletes(sim: Simulator, deleteDelayMs: number): Promise<void> {
  const deadline = Date.now() + deleteDelayMs * 4 + 1000;
  while (Date.now() < deadline && sim.store.inventory().some((i) => i.deleting && i.janitor?.expect !== 'keep')) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface AssembleInput {
  scenarioPath: string;
  scenario: Record<string, unknown>;
  faultRate: number;
  seed: number;
  sim: Simulator;
  before: Map<string, StoreItem>;
  observations: ReturnType<typeof observeFunctionLogs>;
  dlqMessages: { body: string; messageAttributes?: Record<string, { StringValue?: string }> }[];
  sweepId: string | undefined;
  started: number;
  ledger: LedgerReport;
  page: DemoReport['page'];
  pipelineMs: number;
  rounds: SweepRound[];
}

function assemble(input: AssembleInput): DemoReport {
  const { sim, before, observations } = input;
  const after = new Map(sim.store.inventory().map((item) => [`${REPORT_KIND[item.kind]}:${item.id}`, item]));
  const goneOrGoing = (key: string) => {
    const item = after.get(key);
    return item === undefined || item.deleting;
  };
  // The plan: every candidate the scans logged, once per job id.
  const planned = new Map<string, { jobId: string; projectId: string; kind: KindName; id: string }>();
  for (const line of observations.scanned) {
    for (const c of line.candidates) planned.set(c.jobId, { jobId: c.jobId, projectId: c.projectId, kind: c.kind as KindName, id: c.id });
  }
  const plannedKeys = new Set([...planned.values()].map((p) => `${p.kind}:${p.id}`));
  const finalReport = new Map<string, (typeof observations.jobs)[number]>();
  for (const report of observations.jobs) if (report.jobId && report.ack) finalReport.set(report.jobId, report);
  const deadLettered = input.dlqMessages.map((m) => {
    let job: { jobId?: string; kind?: string } = {};
    try {
      job = JSON.parse(m.body);
    } catch {
      // a malformed body is reported by its reason alone
    }
    const attribute = (name: string) => m.messageAttributes?.[name]?.StringValue;
    return { jobId: job.jobId, kind: job.kind, reason: attribute('reason') ?? 'unknown', errorCode: attribute('errorCode') };
  });
  const deadLetteredIds = new Set(deadLettered.map((d) => d.jobId));

  const skipped: DemoReport['skipped'] = [];
  const lost: DemoReport['lost'] = [];
  const counts = new Map<string, KindCounts>();
  const countFor = (projectId: string, kind: KindName) => {
    const key = `${projectId}/${kind}`;
    if (!counts.has(key)) counts.set(key, { found: 0, deleted: 0, skipped: 0, deadLettered: 0 });
    return counts.get(key)!;
  };
  for (const job of planned.values()) {
    const c = countFor(job.projectId, job.kind);
    c.found++;
    const report = finalReport.get(job.jobId);
    if (deadLetteredIds.has(job.jobId)) c.deadLettered++;
    else if (report && ['drifted', 'protected', 'dryRun'].includes(report.outcome)) {
      c.skipped++;
      skipped.push({ jobId: job.jobId, kind: job.kind, id: job.id, reason: report.reason ?? report.outcome });
    } else if (report && goneOrGoing(`${job.kind}:${job.id}`)) c.deleted++;
    else lost.push({ jobId: job.jobId, kind: job.kind, id: job.id });
  }

  // Anything that disappeared or started deleting without being planned.
  const changed = [...before.entries()].filter(([key, item]) => !item.deleting && goneOrGoing(key) && !plannedKeys.has(key)).map(([key]) => key);
  const endpointsOf = (serviceId: string) => [...before.values()].filter((i) => i.kind === 'privateEndpoint' && i.serviceId === serviceId);
  const removedByAtlas = changed.filter((key) => {
    const item = before.get(key)!;
    const endpoints = endpointsOf(item.id);
    return item.kind === 'endpointService' && endpoints.length > 0 && endpoints.every((e) => plannedKeys.has(`privateEndpoint:${e.id}`));
  });
  const deleteTargets = sim.log.filter((e) => e.method === 'DELETE' && e.status >= 200 && e.status < 300).map((e) => decodeURIComponent(e.path.split('/').at(-1)!));
  const plannedIds = new Set([...planned.values()].map((p) => p.id));
  const touchedOutsidePlan = [
    ...changed.filter((key) => !removedByAtlas.includes(key)),
    ...deleteTargets.filter((id) => !plannedIds.has(id)).map((id) => `DELETE sent to ${id}`),
  ];

  const projectsById = new Map<string, string>();
  for (const org of input.scenario['orgs'] as { projects: { id: string; name: string }[] }[]) for (const p of org.projects) projectsById.set(p.id, p.name);
  const callsByProject = new Map<string, number>();
  for (const e of sim.log) {
    const id = /\/groups\/([a-f0-9]{24})/.exec(e.path)?.[1];
    if (id) callsByProject.set(id, (callsByProject.get(id) ?? 0) + 1);
  }
  const projects = [...projectsById.entries()].map(([projectId, projectName]) => ({
    projectId,
    projectName,
    kinds: Object.fromEntries(KINDS.filter((k) => counts.has(`${projectId}/${k}`)).map((k) => [k, counts.get(`${projectId}/${k}`)!])),
    apiCalls: callsByProject.get(projectId) ?? 0,
  }));
  const totals = [...counts.values()].reduce(
    (t, c) => ({ found: t.found + c.found, deleted: t.deleted + c.deleted, skipped: t.skipped + c.skipped, deadLettered: t.deadLettered + c.deadLettered }),
    { found: 0, deleted: 0, skipped: 0, deadLettered: 0 },
  );
  const annotated = expectedDeletions(input.scenario).map((e) => `${e.kind}:${e.id}`);
  const hasAnnotations = JSON.stringify(input.scenario).includes('"_janitor');
  const expected = hasAnnotations
    ? { stale: annotated.length, missed: annotated.filter((k) => !plannedKeys.has(k)), unexpected: [...plannedKeys].filter((k) => !annotated.includes(k)) }
    : undefined;
  return {
    scenario: input.scenarioPath,
    faultRate: input.faultRate,
    seed: input.seed,
    sweepId: input.sweepId,
    projects,
    totals: { ...totals, lost: lost.length, touchedOutsidePlan: touchedOutsidePlan.length, removedByAtlas: removedByAtlas.length },
    skipped,
    deadLettered,
    lost,
    touchedOutsidePlan,
    removedByAtlas,
    expected,
    apiCalls: {
      total: sim.log.length,
      deletes: sim.log.filter((e) => e.method === 'DELETE').length,
      faultsInjected: sim.log.filter((e) => e.fault !== null).length,
      rateLimited: sim.log.filter((e) => e.status === 429 && e.fault === null).length,
      rateLimitedBy: countBy(sim.log.filter((e) => e.status === 429 && e.fault === null).map((e) => e.operationId ?? e.path)),
    },
    pipelineMs: input.pipelineMs,
    projectsScanned: new Set(observations.scanned.map((line) => line.projectId)).size,
    projectsWithErrors: new Set(observations.scanned.filter((line) => (line.errors ?? []).length > 0).map((line) => line.projectId)).size,
    ledger: input.ledger,
    rounds: input.rounds,
    page: input.page,
    scanErrors: observations.scanned.flatMap((line) => (line.errors ?? []).map((e) => `${line.projectId} ${e.kind ?? ''} ${e.id ?? ''}: ${e.message}`.replace(/\s+/g, ' '))),
    wallTimeMs: Date.now() - input.started,
    ok: lost.length === 0 && touchedOutsidePlan.length === 0 && input.ledger.deletesBeforeGraceEnded === 0,
  };
}

function countBy(keys: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

/** Distinct holders (container ids, without the number of the budget object) of rate-limit leases. */
async function leaseHolders(dynamo: LocalDynamo, table: string): Promise<number> {
  const items = await dynamo.documents.send(new ScanCommand({ TableName: table, FilterExpression: 'begins_with(pk, :r)', ExpressionAttributeValues: { ':r': 'RATE#' } }));
  const holders = (items.Items ?? []).flatMap((item) => Object.keys(item).filter((k) => k.startsWith('L_')).map((k) => k.slice(2).replace(/\.\d+$/, '')));
  return new Set(holders).size;
}
