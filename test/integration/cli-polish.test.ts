import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../lib/jobs';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { docPage, shellLines, shellWords } from '../support/docs';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

const ROOT = resolve(__dirname, '../..');
const BIN = resolve(ROOT, 'tools/bin/atlas-janitor.mjs');
const run = promisify(execFile);
const demoKey = { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey, ATLAS_SECRET_IDS: '', MONGODB_ATLAS_CLIENT_ID: '', MONGODB_ATLAS_CLIENT_SECRET: '' };

/** The package bin as a user runs it (`npx atlas-janitor …`), on this test's Node. */
async function janitor(args: string[], env: Record<string, string> = {}, node = process.execPath): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(node, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1', ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('atlas-janitor, the friction a new user met', () => {
  let sim: Simulator;
  beforeAll(async () => {
    // Mid-delete resources of the demo stay so: one finishing during a scan would be listed by its
    // service, then read gone (an orphan for that scan only), and the counts below would move by one.
    sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, stuckDeletes: true });
  });
  afterAll(() => sim?.stop());

  it('scan --all counts per project what waits for its grace period, the same rows the waiting table lists', async () => {
    const { code, stdout } = await janitor(['scan', '--all', '--base-url', sim.url], demoKey);
    expect(code).toBe(0);
    const [header, , ...lines] = stdout.split('\n\n')[1]!.split('\n');
    expect(header).toMatch(/^project +seen +would delete +waiting +other kept +errors/);
    const waitingSection = stdout.slice(stdout.indexOf('marked, waiting'));
    let total = 0;
    for (const line of lines) {
      const [name, seen, planned, waiting, other] = line.trim().split(/ +/);
      const id = DEMO.projects.find((p) => p.name === name)!.id;
      const listed = waitingSection.split('\n').filter((l) => l.startsWith(id)).length;
      expect(Number(waiting), name).toBe(listed);
      expect(Number(planned) + Number(waiting) + Number(other), name).toBe(Number(seen));
      total += listed;
    }
    // Every waiting row is counted in the project table: the total is the one the waiting section states
    // (19 on the demo estate: 16 stale with 24 h of grace, 3 under age rules).
    const stated = Number(/marked, waiting for their grace period \((\d+)/.exec(waitingSection)?.[1]);
    expect(total).toBe(stated);
    expect(total).toBe(19);
  });

  it('sweep --enforce --yes ends with the totals of what it did', async () => {
    const { code, stdout } = await janitor(['sweep', '--project', DEMO.projects[0]!.id, '--enforce', '--yes', '--grace', 'default=0', '--base-url', sim.url], demoKey);
    expect(code).toBe(0);
    const outcomeTable = stdout.slice(stdout.search(/^project +kind +id +outcome/m));
    const outcomes = outcomeTable.split('\n').filter((l) => l.startsWith(DEMO.projects[0]!.id)).map((l) => l.trim().split(/ +/)[3]);
    const last = stdout.trim().split('\n').at(-1)!;
    expect(outcomes.length).toBeGreaterThan(0);
    const counts = [...new Set(outcomes)].map((o) => `${outcomes.filter((x) => x === o).length} ${o}`).join(', ');
    expect(outcomes).toContain('deleted');
    expect(last).toBe(`${outcomes.length} job(s): ${counts}; none failed`);
  });

  it('keeps tables within COLUMNS, the Azure ids shortened in the middle; --json keeps them whole', async () => {
    const azure = DEMO.projects.find((p) => p.name === 'data-lake')!.id;
    const text = await janitor(['scan', '--project', azure, '--base-url', sim.url], { ...demoKey, COLUMNS: '100' });
    expect(Math.max(...text.stdout.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(100);
    expect(text.stdout).toMatch(/\/subs\S*…\S*etl /);
    const json = await janitor(['scan', '--project', azure, '--base-url', sim.url, '--json'], { ...demoKey, COLUMNS: '100' });
    expect(json.stdout).toMatch(/"id": "\/subscriptions\/[^"…]+\/privateEndpoints\/[^"…]+"/);
  });

  it('names a protection registry by the flag it came from and says a missing expiry is required', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'janitor-polish-')), 'protections.json');
    writeFileSync(file, JSON.stringify({ protections: [{ resourceId: 'vpce-0a1b2c3d4e5f60718', owner: 'o', reason: 'r' }] }));
    const byFlag = await janitor(['scan', '--all', '--base-url', sim.url, '--protections', file], demoKey);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr.trim().split('\n')).toEqual([`atlas-janitor: invalid protection registry --protections ${file}:`, '  protections.0.expires: is required (an ISO date, 2027-01-31, or date-time)']);
    const byVariable = await janitor(['scan', '--all', '--base-url', sim.url], { ...demoKey, PROTECTIONS_FILE: file });
    expect(byVariable.stderr).toContain(`invalid protection registry PROTECTIONS_FILE ${file}:`);
  });

  it('says RULE= is missing when --grace is a bare duration', async () => {
    const { code, stderr } = await janitor(['scan', '--all', '--base-url', sim.url, '--grace', '1d'], demoKey);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe('atlas-janitor: --grace: 1d: needs RULE=DURATION, e.g. default=1d (failure rules), age-default=1d or a rule name');
  });
});

describe('atlas-janitor help and typos', () => {
  it.each([['help', '--help'], ['help', 'help']])('%s %s prints the overview and exits 0', async (...args) => {
    const { code, stdout } = await janitor(args);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^usage: atlas-janitor COMMAND/m);
  });

  it.each([
    [['scna', '--all'], 'unknown command "scna"; did you mean scan?'],
    [['histroy'], 'unknown command "histroy"; did you mean history?'],
    [['scan', '--al'], 'scan: unknown flag --al; did you mean --all?'],
  ])('suggests the closest command or flag for %j', async (args, message) => {
    const { code, stderr } = await janitor(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('suggests nothing for a word close to no command', async () => {
    const { stderr } = await janitor(['frobnicate']);
    expect(stderr).not.toContain('did you mean');
  });

  it('says which Node it needs when started on an older one', async () => {
    const system = ['/usr/bin/node', '/usr/local/bin/node'].find(existsSync);
    const version = system ? (await run(system, ['--version'])).stdout.trim() : '';
    if (!system || Number(version.slice(1).split('.')[0]) >= 24) return;
    const { code, stderr } = await janitor(['--version'], {}, system);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`atlas-janitor: needs Node 24 or later, this is ${version}; run it as npx atlas-janitor (npm ci installs Node 24 for it)`);
  });
});

describe('atlas-janitor job-id', () => {
  const ids = { endpointServiceId: '7dd11b7875cdf816c0d28238', endpointId: 'vpce-0488d15070de23e36' };

  it('prints the id the sweep gives the job, whatever the order of the ids', async () => {
    const expected = jobIdFor({ projectId: '406ff261a3beb006b009990c', kind: 'privateEndpoint', provider: 'AWS', ids });
    for (const order of [['endpointServiceId', 'endpointId'], ['endpointId', 'endpointServiceId']] as const) {
      const { code, stdout } = await janitor(['job-id', '--project', '406ff261a3beb006b009990c', '--kind', 'privateEndpoint', '--provider', 'AWS', ...order.flatMap((n) => ['--id', `${n}=${ids[n]}`])]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${expected}\n`);
    }
  });

  it('runs as docs/messages.md shows it and prints the id of the page\'s example job', async () => {
    const [line] = shellLines(docPage('messages.md'), 'npx atlas-janitor job-id');
    const { code, stdout } = await janitor(shellWords(line!).slice(2));
    expect(code).toBe(0);
    expect(docPage('messages.md')).toContain(`"jobId": "${stdout.trim()}"`);
  });

  it.each([
    [['--kind', 'privateEndpoint', '--provider', 'AWS', '--id', `endpointServiceId=${ids.endpointServiceId}`], '--id endpointId: is required for privateEndpoint'],
    [['--kind', 'privateEndpoint', '--id', `endpointServiceId=${ids.endpointServiceId}`, '--id', `endpointId=${ids.endpointId}`], '--provider: is required for privateEndpoint'],
    [['--kind', 'networkPeering', '--id', 'peerId=not-hex'], '--id peerId: has the wrong format'],
    [['--kind', 'widget', '--id', 'x=y'], '--kind: "widget" is not a kind'],
  ])('refuses a job the worker would refuse, naming the flag: %j', async (args, message) => {
    const { code, stderr } = await janitor(['job-id', '--project', '406ff261a3beb006b009990c', ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
