import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../lib/approval';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

// Deletions run from this machine that stop partway (here: SIGTERM while an endpoint service waits for
// its endpoints, which Atlas takes a long time to delete) leave a page that says so, never "awaiting
// confirmation" or "nothing deleted", and, for an approved plan, keep the approval on record.

const ROOT = resolve(__dirname, '../..');
const BIN = resolve(ROOT, 'tools/bin/atlas-janitor.mjs');
const env = { ...process.env, NODE_NO_WARNINGS: '1', MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey, ATLAS_SECRET_IDS: '', MONGODB_ATLAS_CLIENT_ID: '', MONGODB_ATLAS_CLIENT_SECRET: '', LEDGER_TABLE: '', PLAN_TTL_HOURS: '' };

let sim: Simulator;
let dir: string;
beforeAll(async () => {
  // Endpoints stay DELETING for a minute: the service's job waits for them, and is stopped while it does.
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: 60_000 });
  dir = mkdtempSync(join(tmpdir(), 'janitor-interrupted-'));
});
afterAll(() => sim?.stop());

const deleteCount = () => sim.log.filter((e) => e.method === 'DELETE').length;

/** Runs the CLI and sends it SIGTERM once Atlas has seen a DELETE from it. */
async function stoppedAfterFirstDelete(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const before = deleteCount();
  const beforeLog = sim.log.length;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  let stdout = "";
  child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
  const started = Date.now();
  while (deleteCount() === before && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
  expect(deleteCount(), stderr).toBeGreaterThan(before);
  // Let the service's job reach its wait: the CLI has gone on past the DELETE's answer (two more requests), then a second more.
  const firstDelete = sim.log.findIndex((e, i) => i >= beforeLog && e.method === 'DELETE');
  while (sim.log.length < firstDelete + 3 && Date.now() - started < 30_000) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1_000));
  child.kill('SIGTERM');
  return { ...(await exited), stderr: stderr + stdout };
}

describe('deletions from this machine stopped partway', () => {
  it('sweep --enforce --yes: the page written before the deletes is written again to say they were interrupted', async () => {
    const page = join(dir, 'sweep.html');
    const stopped = await stoppedAfterFirstDelete(['sweep', '--project', DEMO.project('payments-staging').id, '--enforce', '--yes', '--grace', 'default=0', '--wait-seconds', '120', '--base-url', sim.url, '--html', page]);

    expect(stopped.code, stopped.stderr).toBe(143);
    const html = readFileSync(page, 'utf8');
    expect(html).toMatch(/id="mode-banner">INTERRUPTED — answered yes, the deletions were started and stopped before they ended: see the command&#39;s output; some jobs may have run\. Known then: \d+ /);
    expect(html).not.toMatch(/AWAITING CONFIRMATION|nothing has been deleted/);
  }, 60_000);

  it('apply: the approval stays recorded beside the plan with what was known, the page says so, and a second apply is refused', async () => {
    const file = join(dir, 'plan.json');
    const planned = spawn(process.execPath, [BIN, 'plan', '--project', DEMO.project('streams-lab').id, '--grace', 'default=0', '--base-url', sim.url, '--out', file], { cwd: ROOT, env });
    planned.stdout.resume();
    planned.stderr.resume();
    expect(await new Promise((done) => planned.on('close', done))).toBe(0);
    const plan = JSON.parse(readFileSync(file, 'utf8')) as PlanDocument;
    const page = join(dir, 'applied.html');

    const stopped = await stoppedAfterFirstDelete(['apply', file, '--digest', plan.digest, '--approved-by', 'ana', '--wait-seconds', '120', '--base-url', sim.url, '--html', page]);

    expect(stopped.code, stopped.stderr).toBe(143);
    const marker = JSON.parse(readFileSync(`${file}.applied.json`, 'utf8')) as { approvedBy: string; interrupted: string; outcomes: Record<string, { outcome: string }> };
    expect(marker).toMatchObject({ approvedBy: 'ana', interrupted: 'stopped by SIGTERM' });
    expect(Object.keys(marker.outcomes).length).toBeGreaterThan(0);
    expect(readFileSync(page, 'utf8')).toMatch(/id="mode-banner">APPROVED, INTERRUPTED — plan approved by ana at [^:]+:\d\d UTC: the run of its \d+ job\(s\) from this machine stopped before it ended: see the command&#39;s output; some jobs may have run\. Known then: /);

    const before = deleteCount();
    const again = spawn(process.execPath, [BIN, 'apply', file, '--digest', plan.digest, '--approved-by', 'bob', '--base-url', sim.url], { cwd: ROOT, env });
    let said = '';
    again.stderr.on('data', (d: Buffer) => void (said += d.toString()));
    again.stdout.resume();
    expect(await new Promise((done) => again.on('close', done))).toBe(0);
    expect(said).toMatch(new RegExp(`plan ${plan.planId} was already applied \\(approved by ana at `));
    expect(deleteCount()).toBe(before);
  }, 60_000);
});
