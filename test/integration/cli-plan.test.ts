import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planDigest, type PlanDocument } from '../../lib/approval';
import { runPlanDemo } from '../../tools/demo/plan-demo';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';
import { deletedResource } from '../support/worker-harness';

// Plan → approve → apply from the command line, on the simulator: `plan` writes a file and deletes
// nothing, `apply` deletes exactly its rows (each only while Atlas still shows what the plan read), and
// refuses, deleting nothing, a plan changed, expired, made against another Atlas or already applied.

const ROOT = resolve(__dirname, '../..');
const BIN = resolve(ROOT, 'tools/bin/atlas-janitor.mjs');
const run = promisify(execFile);
const env = { ...process.env, NODE_NO_WARNINGS: '1', MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey, ATLAS_SECRET_IDS: '', MONGODB_ATLAS_CLIENT_ID: '', MONGODB_ATLAS_CLIENT_SECRET: '', LEDGER_TABLE: '', PLAN_TTL_HOURS: '' };

async function janitor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH });
  dir = mkdtempSync(join(tmpdir(), 'janitor-plan-'));
});
afterAll(() => sim?.stop());

const deletes = () => sim.log.filter((e) => e.method === 'DELETE').map(deletedResource).sort();
const readPlan = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PlanDocument;

async function makePlan(projectName: string, name: string): Promise<{ file: string; plan: PlanDocument }> {
  const file = join(dir, `${name}.json`);
  const { code, stderr } = await janitor(['plan', '--project', DEMO.project(projectName).id, '--base-url', sim.url, '--grace', 'default=0', '--out', file, '--html', join(dir, `${name}.html`)]);
  expect(code, stderr).toBe(0);
  return { file, plan: readPlan(file) };
}

describe('atlas-janitor plan and apply', () => {
  it('plan deletes nothing and writes a plan whose page says so; apply deletes exactly its rows but the one left out', async () => {
    sim.clearLog();
    const { file, plan } = await makePlan('payments-prod', 'payments');
    expect(plan.items.length).toBeGreaterThan(1);
    expect(deletes()).toEqual([]);
    const page = readFileSync(join(dir, 'payments.html'), 'utf8');
    expect(page).toMatch(/id="mode-banner">PLAN — nothing was deleted or queued/);
    expect(page).toContain(`atlas-janitor apply ${file} --digest ${plan.digest} --approved-by`);

    const [left, ...rest] = plan.items.filter((i) => !plan.items.some((e) => e.job.evidence.parent?.id === i.id));
    const { code, stdout, stderr } = await janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'ana', '--exclude', left!.id, '--html', join(dir, 'payments-applied.html')]);
    expect(code, stderr).toBe(0);
    const others = plan.items.filter((i) => i !== left);
    expect(rest.length + 1).toBeLessThanOrEqual(plan.items.length);
    expect(deletes()).toEqual(others.map((i) => `${i.job.kind}:${i.id}`).sort());
    expect(stdout).toContain(`plan ${plan.planId} approved by ana: ${others.length} job(s), 1 left out`);
    const applied = readFileSync(join(dir, 'payments-applied.html'), 'utf8');
    expect(applied).toMatch(new RegExp(`id="mode-banner">APPROVED — plan approved by ana at [^:]+:\\d\\d UTC: ${others.length} job\\(s\\) run from this machine: ${others.length} deleted; 1 left out\\.`));
    expect(applied).not.toMatch(/queued for deletion/);
    expect(applied).toContain('<dt>API calls</dt><dd class="muted">not measured by apply</dd>');
    expect(applied.match(/<strong>deleted<\/strong>/g)).toHaveLength(others.length);
    expect(applied.match(/<strong>left out<\/strong><br>excluded by the approval/g)).toHaveLength(1);

    // A second apply is a no-op that says so.
    sim.clearLog();
    const again = await janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'bob']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(new RegExp(`plan ${plan.planId} was already applied \\(approved by ana at `));
    expect(deletes()).toEqual([]);
  }, 60_000);

  it('ends drifted, untouched, a row whose state changed since the plan', async () => {
    const { file, plan } = await makePlan('data-lake', 'drift');
    const peer = plan.items.find((i) => i.job.kind === 'networkPeering')!;
    sim.store.update('peer', peer.id, { status: 'AVAILABLE' });
    sim.clearLog();

    const { stdout } = await janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'ana', '--json']);

    const row = (JSON.parse(stdout) as { outcomes: { id: string; outcome: string; reason: string }[] }).outcomes.find((o) => o.id === peer.id)!;
    expect(row).toEqual(expect.objectContaining({ outcome: 'drifted', reason: `changed since plan ${plan.planId}: state ${peer.job.evidence.state} → AVAILABLE` }));
    expect(deletes()).not.toContain(`networkPeering:${peer.id}`);
  }, 60_000);

  it('refuses a changed, an expired and a foreign plan, deleting nothing', async () => {
    const { file, plan } = await makePlan('analytics-prod', 'refused');
    sim.clearLog();
    const variant = (name: string, content: object) => {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(content));
      return path;
    };
    const changed = variant('changed', { ...plan, items: plan.items.slice(1) });
    const old = { ...plan, madeAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-04T00:00:00.000Z' };
    const expired = variant('expired', { ...old, digest: planDigest(old) });
    const foreignUrl = sim.url.replace('127.0.0.1', 'localhost');

    const answers = [
      await janitor(['apply', changed, '--digest', plan.digest, '--base-url', sim.url]),
      await janitor(['apply', expired, '--digest', planDigest(old), '--base-url', sim.url]),
      await janitor(['apply', file, '--digest', plan.digest, '--base-url', foreignUrl]),
      await janitor(['apply', file, '--base-url', sim.url, '--digest', 'f'.repeat(64)]),
    ];

    expect(answers.map((a) => a.code)).toEqual([1, 1, 1, 1]);
    expect(answers[0]!.stderr).toMatch(/refused: plan \S+ was changed after it was made.*; nothing deleted/);
    expect(answers[1]!.stderr).toContain(`refused: plan ${plan.planId} expired at 2026-01-04T00:00:00.000Z`);
    expect(answers[2]!.stderr).toContain(`refused: plan ${plan.planId} was made against ${sim.url.toLowerCase()}; this janitor reads ${foreignUrl}`);
    expect(answers[3]!.stderr).toMatch(/refused: digest: ffffffffffff… is not the digest of plan/);
    expect(deletes()).toEqual([]);
    expect(existsSync(`${file}.applied.json`)).toBe(false);
  }, 60_000);

  it('refuses a forged plan whose digest was computed again when --digest is the one on the page read, and a missing --digest', async () => {
    const { file, plan } = await makePlan('payments-staging', 'forged');
    sim.clearLog();
    // Someone edits the file after the page was read (a row's reason, a longer life) and computes its
    // digest again, so the file is consistent with itself.
    const [first, ...rest] = plan.items;
    const tampered = { ...plan, expiresAt: '2099-01-01T00:00:00.000Z', items: [{ ...first!, reason: 'nothing to see' }, ...rest] };
    const forged = { ...tampered, digest: planDigest(tampered) };
    writeFileSync(file, JSON.stringify(forged));

    const refused = await janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'ana']);
    const missing = await janitor(['apply', file, '--base-url', sim.url, '--approved-by', 'ana']);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refused: digest: ${plan.digest.slice(0, 12)}… is not the digest of plan ${plan.planId} (${forged.digest.slice(0, 12)}…)`);
    expect(refused.stderr).toContain('nothing deleted');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--digest: required: the digest of the plan you read, shown as Digest on the plan's page/);
    expect(deletes()).toEqual([]);
    expect(existsSync(`${file}.applied.json`)).toBe(false);
  }, 60_000);

  it('without a ledger, refuses a marker beside the plan that is not an approval record, naming what is wrong, deleting nothing', async () => {
    const { file, plan } = await makePlan('payments-staging', 'marker');
    sim.clearLog();
    const apply = () => janitor(['apply', file, '--digest', plan.digest, '--base-url', sim.url, '--approved-by', 'ana']);

    writeFileSync(`${file}.applied.json`, '{"planId": ');
    const notJson = await apply();
    writeFileSync(`${file}.applied.json`, JSON.stringify({ planId: plan.planId, digest: plan.digest, approvedBy: 'ana', at: 'yesterday', excluded: [], jobIds: [] }));
    const badField = await apply();
    writeFileSync(`${file}.applied.json`, JSON.stringify({ planId: 'sweep-20260101T000000-00000000', digest: plan.digest, approvedBy: 'ana', at: '2026-01-01T00:00:00.000Z', excluded: [], jobIds: [] }));
    const otherPlan = await apply();

    expect([notJson.code, badField.code, otherPlan.code]).toEqual([1, 1, 1]);
    expect(notJson.stderr).toContain(`refused: ${file}.applied.json is not valid JSON`);
    expect(badField.stderr).toContain(`refused: ${file}.applied.json is not an approval record: at: must be an ISO 8601 date-time`);
    expect(otherPlan.stderr).toContain(`refused: ${file}.applied.json records plan sweep-20260101T000000-00000000, not ${plan.planId}`);
    for (const answer of [notJson, badField, otherPlan]) expect(answer.stderr).toContain(`if you know plan ${plan.planId} was never applied, remove ${file}.applied.json and apply again; nothing deleted`);
    expect(deletes()).toEqual([]);
  }, 60_000);

  it('demo --plan refuses the flags it does not use rather than ignore them', async () => {
    const answer = await janitor(['demo', '--plan', '--fault-rate', '0.3', '--seed', '7']);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('--fault-rate, --seed: not used by --plan, which takes --scenario, --html and --json');
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('sweep --enforce answered n writes a page saying nothing was deleted or queued', async () => {
    sim.clearLog();
    const page = join(dir, 'declined.html');
    const command = [process.execPath, BIN, 'sweep', '--project', DEMO.project('payments-staging').id, '--enforce', '--grace', 'default=0', '--base-url', sim.url, '--html', page].map((a) => `'${a}'`).join(' ');
    // `script` gives the command a terminal, as a person at the prompt has.
    // Not spawnSync: the simulator answers from this process.
    const answered = await new Promise<{ stdout: string; stderr: string }>((done) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => void (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
      child.on('close', () => done({ stdout, stderr }));
      child.stdin.end('n\n');
    });
    expect(answered.stdout, answered.stdout + answered.stderr).toMatch(/Delete \d+ resource\(s\) in 1 project\(s\)\? \[y\/N\]/);
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/id="mode-banner">NOT CONFIRMED — nothing was deleted or queued: the command was answered no/);
    expect(html).toMatch(/Planned, not deleted \(\d+\)/);
    expect(html).not.toMatch(/were queued|queued for deletion|What is being deleted/);
    expect(deletes()).toEqual([]);
  }, 60_000);

  it('npm run demo:plan shows plan → approve → apply on the demo estate and checks it', async () => {
    const planPage = join(dir, 'demo-plan.html');
    const report = await runPlanDemo({ planPage });
    expect(report.ok).toBe(true);
    expect(report.plan.page).toBe(planPage);
    expect(readFileSync(planPage, 'utf8')).toMatch(/id="mode-banner">PLAN — nothing was deleted or queued/);
    expect(report.plan.items).toBe(16);
    expect(report.deletesBeforeApproval).toBe(0);
    expect(report.outcomes).toHaveLength(15);
    expect(report.outcomes.find((o) => `networkPeering:${o.id}` === report.drifted)).toMatchObject({ outcome: 'drifted' });
    expect(report.touchedOutsidePlan).toEqual([]);
    expect(report.secondApply).toMatch(/was already applied \(approved by demo at .+\): nothing deleted again$/);
    expect(report.changedCopy).toMatch(/refused: plan \S+ was changed after it was made/);
    expect(readFileSync(report.appliedPage, 'utf8')).toMatch(/id="mode-banner">APPROVED — plan approved by demo/);
  }, 90_000);
});
