import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { PlanDocument } from '../../lib/approval';
import { startSimulator, type Simulator } from '../simulator';

/**
 * The plan → approve → apply path on the demo estate, as a person runs it: `atlas-janitor plan` writes a
 * plan and its page and deletes nothing; between plan and apply one planned peer recovers (the worker
 * must leave it, drifted); `atlas-janitor apply` carries out the plan minus one row left out; a second
 * apply and a changed copy of the plan are refused. Checked against the simulator's own log.
 */

const ROOT = resolve(__dirname, '../..');
const BIN = resolve(ROOT, 'tools/bin/atlas-janitor.mjs');
const DEMO_SCENARIO = resolve(ROOT, 'tools/scenarios/demo.json');
const run = promisify(execFile);

export interface PlanDemoReport {
  scenario: string;
  dir: string;
  plan: { file: string; page: string; planId: string; digest: string; items: number; expiresAt: string };
  /** DELETEs Atlas saw before the plan was approved (must be 0). */
  deletesBeforeApproval: number;
  excluded: string;
  drifted: string | undefined;
  outcomes: { kind: string; id: string; outcome: string; reason: string }[];
  appliedPage: string;
  /** What the second apply and the changed copy were told (both must refuse). */
  secondApply: string;
  changedCopy: string;
  /** DELETEs of resources not in the plan, or of the row left out or the drifted one (must be none). */
  touchedOutsidePlan: string[];
  wallTimeMs: number;
  ok: boolean;
}

type Json = Record<string, any>;

async function janitor(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1', ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The resource a DELETE addressed, as `kind:id`. */
function deleted(path: string): string {
  const segments = path.split('/');
  const last = decodeURIComponent(segments.at(-1)!);
  const parent = segments.at(-2);
  if (parent === 'endpoint') return `privateEndpoint:${last}`;
  if (parent === 'endpointService') return `privateEndpointService:${last}`;
  if (parent === 'peers') return `networkPeering:${last}`;
  return `streamsPrivateLink:${last}`;
}

export async function runPlanDemo(options: { scenario?: string | undefined; planPage?: string | undefined; onStage?: (message: string) => void } = {}): Promise<PlanDemoReport> {
  const started = Date.now();
  const stage = (message: string) => options.onStage?.(message);
  const scenarioPath = options.scenario ?? DEMO_SCENARIO;
  const scenario = JSON.parse(readFileSync(scenarioPath, 'utf8')) as Json;
  const sim: Simulator = await startSimulator({ scenario: scenarioPath, deleteDelayMs: 200 });
  const key = scenario['apiKeys'][0] as Json;
  const env = { MONGODB_ATLAS_PUBLIC_API_KEY: key['publicKey'], MONGODB_ATLAS_PRIVATE_API_KEY: key['privateKey'], ATLAS_SECRET_IDS: '', MONGODB_ATLAS_CLIENT_ID: '', MONGODB_ATLAS_CLIENT_SECRET: '', LEDGER_TABLE: '', PLAN_TTL_HOURS: '' };
  const dir = mkdtempSync(join(tmpdir(), 'atlas-janitor-plan-demo-'));
  const file = join(dir, 'plan.json');
  const page = options.planPage ?? join(dir, 'plan.html');
  const appliedPage = join(dir, 'applied.html');
  try {
    stage(`simulator on ${sim.url}; atlas-janitor plan --all --grace default=0 --out ${file} --html ${page}`);
    const made = await janitor(['plan', '--all', '--base-url', sim.url, '--grace', 'default=0', '--out', file, '--html', page, '--json'], env);
    if (made.code !== 0) throw new Error(`atlas-janitor plan failed (${made.code}): ${made.stderr.trim()}`);
    const plan = JSON.parse(readFileSync(file, 'utf8')) as PlanDocument;
    const deletesBeforeApproval = sim.log.filter((e) => e.method === 'DELETE').length;
    stage(`plan ${plan.planId}: ${plan.items.length} deletion(s), digest ${plan.digest.slice(0, 12)}…, nothing deleted; read ${page}`);

    // Between plan and apply a planned peer recovers: the worker must find it changed and leave it.
    const peer = plan.items.find((i) => i.job.kind === 'networkPeering');
    if (peer) {
      sim.store.update('peer', peer.id, { status: 'AVAILABLE' });
      stage(`meanwhile peer ${peer.id} became AVAILABLE`);
    }
    // A row a person leaves out: one nothing else in the plan waits for.
    const left = plan.items.find((i) => i !== peer && !plan.items.some((e) => e.job.evidence.parent?.id === i.id))!;
    stage(`atlas-janitor apply plan.json --digest ${plan.digest.slice(0, 12)}… --approved-by demo --exclude ${left.id}`);
    const applied = await janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'demo', '--exclude', left.id, '--html', appliedPage, '--json'], env);
    if (applied.stdout.trim() === '') throw new Error(`atlas-janitor apply failed (${applied.code}): ${applied.stderr.trim()}`);
    const outcomes = (JSON.parse(applied.stdout) as { outcomes: PlanDemoReport['outcomes'] }).outcomes;

    stage('a second apply, and a changed copy of the plan');
    const deletesAfterApply = sim.log.filter((e) => e.method === 'DELETE').length;
    const second = await janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'someone-else'], env);
    const copy = join(dir, 'changed.json');
    writeFileSync(copy, JSON.stringify({ ...plan, items: plan.items.filter((i) => i !== left) }));
    const changed = await janitor(['apply', copy, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'demo'], env);
    const refusedDeletes = sim.log.filter((e) => e.method === 'DELETE').length - deletesAfterApply;

    const inPlan = new Set(plan.items.filter((i) => i !== left && i !== peer).map((i) => `${i.job.kind}:${i.id}`));
    const touchedOutsidePlan = sim.log.filter((e) => e.method === 'DELETE').map((e) => deleted(e.path)).filter((k) => !inPlan.has(k));
    const expectedDone = plan.items.length - 1 - (peer ? 1 : 0);
    const done = outcomes.filter((o) => o.outcome === 'deleted' || o.outcome === 'alreadyGone').length;
    const ok =
      deletesBeforeApproval === 0 &&
      touchedOutsidePlan.length === 0 &&
      done === expectedDone &&
      (!peer || outcomes.find((o) => o.id === peer.id)?.outcome === 'drifted') &&
      /already applied/.test(second.stderr) &&
      changed.code === 1 &&
      /changed after it was made/.test(changed.stderr) &&
      refusedDeletes === 0;
    return {
      scenario: scenarioPath,
      dir,
      plan: { file, page, planId: plan.planId, digest: plan.digest, items: plan.items.length, expiresAt: plan.expiresAt },
      deletesBeforeApproval,
      excluded: `${left.job.kind}:${left.id}`,
      drifted: peer ? `networkPeering:${peer.id}` : undefined,
      outcomes,
      appliedPage,
      secondApply: second.stderr.trim(),
      changedCopy: changed.stderr.trim(),
      touchedOutsidePlan,
      wallTimeMs: Date.now() - started,
      ok,
    };
  } finally {
    await sim.stop();
  }
}
