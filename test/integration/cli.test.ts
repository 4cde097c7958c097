import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoReport } from '../../tools/demo/run-demo';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');
const run = promisify(execFile);
const NO_CREDENTIALS = { MONGODB_ATLAS_PUBLIC_API_KEY: '', MONGODB_ATLAS_PRIVATE_API_KEY: '', MONGODB_ATLAS_CLIENT_ID: '', MONGODB_ATLAS_CLIENT_SECRET: '', ATLAS_SECRET_IDS: '' };

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSX, 'tools/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...NO_CREDENTIALS, NODE_NO_WARNINGS: '1', ...env },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const oneLine = (stderr: string) => stderr.trim().split('\n');

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('atlas-janitor CLI errors', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH });
  });
  afterAll(() => sim?.stop());

  it.each([
    ['no command', [], /missing command/],
    ['an unknown command', ['clean-everything'], /unknown command "clean-everything"/],
    ['no project selection', ['scan'], /--project ID \(repeatable\) or --all/],
    ['a malformed project id', ['scan', '--project', 'payments-prod'], /--project: "payments-prod" is not a 24-hex project id/],
    ['an unknown flag', ['scan', '--all', '--force'], /--force/],
    ['a fault rate out of range', ['demo', '--fault-rate', '1.5'], /--fault-rate must be a number from 0 to 1/],
    ['a bad base URL', ['scan', '--all', '--base-url', 'cloud.mongodb.com'], /--base-url: must be an http\(s\) URL/],
    ['enforce without --yes off a terminal', ['sweep', '--all', '--enforce'], /refusing to delete without --yes/],
  ])('exits 2 with one line for %s', async (_name, args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(oneLine(stderr)).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it('exits 3 with one line when no credentials are configured', async () => {
    const { code, stderr } = await cli(['scan', '--all', '--base-url', sim.url]);
    expect(code).toBe(3);
    expect(oneLine(stderr)).toEqual([expect.stringMatching(/^atlas-janitor: environment: no Atlas credentials: .*MONGODB_ATLAS_PUBLIC_API_KEY/)]);
  });

  it('exits 3 when Atlas refuses the credentials, without printing the key', async () => {
    const { code, stderr } = await cli(['scan', '--all', '--base-url', sim.url], { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: 'not-the-private-key' });
    expect(code).toBe(3);
    expect(oneLine(stderr)).toEqual([`atlas-janitor: Atlas at ${sim.url} refused the credentials from the environment (401 UNAUTHORIZED)`]);
    expect(stderr).not.toContain('not-the-private-key');
  });

  it('exits 4 with one line when the base URL does not answer', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await cli(['scan', '--all', '--base-url', url], { MONGODB_ATLAS_PUBLIC_API_KEY: 'a', MONGODB_ATLAS_PRIVATE_API_KEY: 'b' });
    expect(code).toBe(4);
    expect(oneLine(stderr)).toEqual([`atlas-janitor: cannot reach Atlas at ${url}: connection refused`]);
  });

  const demoKey = { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey };

  it('scans the simulator and prints the report as JSON (--grace default=0: first sight)', async () => {
    const { code, stdout } = await cli(['scan', '--all', '--base-url', sim.url, '--json', '--grace', 'default=0'], demoKey);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ mode: 'dry-run', errors: [] });
    expect(report.candidates).toHaveLength(16);
    expect(sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
  });

  it('without a ledger plans nothing that has a grace period, and says why for each', async () => {
    const { code, stdout } = await cli(['scan', '--all', '--base-url', sim.url, '--json'], demoKey);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.candidates).toEqual([]);
    const waiting = report.kept.filter((k: { cause: string }) => k.cause === 'grace');
    // The 16 stale resources wait for 24 h, and three young-looking ones (age rules) for 7 days.
    expect(waiting).toHaveLength(19);
    for (const k of waiting) expect(k.reason).toMatch(/^waiting: no ledger \(LEDGER_TABLE\) to measure the (24h|7d) grace period/);
  });

  it('rejects a grace period it cannot read, naming the flag', async () => {
    const { code, stderr } = await cli(['scan', '--all', '--base-url', sim.url, '--grace', 'pending-peer=5m'], demoKey);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--grace: pending-peer is an age rule and needs at least 1h, not 5m/);
  });
});

describe('atlas-janitor demo', () => {
  it.each([
    ['without faults', []],
    ['with 30% faults, seed 7', ['--fault-rate', '0.3', '--seed', '7']],
  ])('deletes every stale resource of the demo scenario and nothing else, %s', async (_name, extra) => {
    const { code, stdout } = await cli(['demo', '--json', ...extra]);
    const report = JSON.parse(stdout) as DemoReport;
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.totals).toMatchObject({ found: 16, deleted: 16, skipped: 0, deadLettered: 0, lost: 0, touchedOutsidePlan: 0 });
    expect(report.expected).toEqual({ stale: 16, missed: [], unexpected: [] });
    // The page of the plan the deleting sweep carried out: its 16 stale resources and their rules. Under
    // faults a read of that one dry-run sweep may fail for good (the page then lists it as an error).
    const page = readFileSync(report.page.path, 'utf8');
    if (extra.length === 0) {
      expect(report.page.candidates).toBe(16);
      expect(page).toContain('What would be deleted (16)');
    } else expect(page).toContain(`What would be deleted (${report.page.candidates})`);
    for (const rule of report.page.rules) expect(page).toContain(`<code class="r">${rule}</code>`);
    // Mark, wait, then delete: the first sweep only marked (16 stale + 3 under age rules), the second deleted.
    expect(report.ledger).toEqual({ graceSeconds: 5, markedByFirstSweep: 19, deletesBeforeGraceEnded: 0, waitedMs: expect.any(Number), historyEntries: 16, historyFinal: 16 });
    expect(report.ledger.waitedMs).toBeGreaterThanOrEqual(5000);
    if (extra.length > 0) expect(report.apiCalls.faultsInjected).toBeGreaterThan(0);
  }, 90_000);
});
