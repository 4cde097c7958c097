import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { demo } from '../../tools/cli/commands/demo';
import { dev } from '../../tools/cli/commands/dev';
import { history } from '../../tools/cli/commands/history';
import { scan } from '../../tools/cli/commands/scan';
import { simulate } from '../../tools/cli/commands/simulate';
import { sweep } from '../../tools/cli/commands/sweep';
import { runCli } from '../../tools/cli/main';
import { AGE_RULES, type RuleName } from '../../lib/kinds';
import type { DemoReport } from '../../tools/demo/run-demo';
import { parseScenario, startSimulator, type ScenarioError, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { startRewritingProxy } from '../support/rewriting-fetch';
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

const demoKey = { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey };

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
    // Node caps a longer timer to 1 ms: every request would "time out" at once.
    ['a request timeout past an hour', ['scan', '--all', '--timeout-seconds', '2147484'], /--timeout-seconds must be from 1 to 3600, got 2147484/],
    ['a base URL with a path', ['scan', '--all', '--base-url', 'https://cloud.mongodb.com/api/atlas/v2'], /--base-url: must be only a scheme and host/],
    ['a base URL with a query', ['scan', '--all', '--base-url', 'https://cloud.mongodb.com/?region=x'], /--base-url: must be only a scheme and host/],
    ['a base URL with a fragment', ['scan', '--all', '--base-url', 'https://cloud.mongodb.com#x'], /--base-url: must be only a scheme and host/],
    ['a port out of range', ['simulate', '--port', '99999'], /--port must be from 0 to 65535, got 99999/],
  ])('exits 2 with one line for %s', async (_name, args, message) => {
    const { code, stderr } = await cli(args);
    expect(code).toBe(2);
    expect(oneLine(stderr)).toHaveLength(1);
    expect(stderr).toMatch(message);
  });

  it.each([
    ['scan', []],
    ['sweep', []],
    ['demo', null],
  ])('%s refuses an --html page it cannot write before any work (exit 2, naming --html)', async (command, selection) => {
    const folder = mkdtempSync(join(tmpdir(), 'aj-html-'));
    const cases = [
      [join(folder, 'no-such-folder', 'page.html'), /no folder /],
      [folder, /it is a folder/],
      // A folder that says it is writable and takes no file, and a device that takes no bytes.
      ...(existsSync('/proc/self') ? [['/proc/x.html', /\/proc takes no new file/] as const] : []),
      ...(existsSync('/dev/full') ? [['/dev/full', /it is not a regular file/] as const] : []),
    ] as const;
    for (const [file, why] of cases) {
      const before = sim.log.length;
      const args = selection === null ? [command, '--html', file] : [command, '--all', ...selection, '--base-url', sim.url, '--html', file];
      const { code, stderr } = await cli(args, demoKey);
      expect(code, file).toBe(2);
      expect(oneLine(stderr)).toEqual([expect.stringMatching(new RegExp(`^atlas-janitor: --html: cannot write ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${why.source}`))]);
      expect(sim.log.length, 'no request reached Atlas').toBe(before);
    }
  });

  it('exits 3 with one line when no credentials are configured', async () => {
    const { code, stderr } = await cli(['scan', '--all', '--base-url', sim.url]);
    expect(code).toBe(3);
    expect(oneLine(stderr)).toEqual([expect.stringMatching(/^atlas-janitor: environment: no Atlas credentials: .*MONGODB_ATLAS_PUBLIC_API_KEY/)]);
  });

  it('exits 3 when Atlas refuses the credentials, without printing the key', async () => {
    const { code, stderr } = await cli(['scan', '--all', '--base-url', sim.url], { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: 'not-the-private-key' });
    expect(code).toBe(3);
    expect(oneLine(stderr)).toEqual([`atlas-janitor: Atlas at ${sim.url} (from --base-url) refused the credentials from the environment (401 UNAUTHORIZED)`]);
    expect(stderr).not.toContain('not-the-private-key');
  });

  it.each([
    ['--base-url', (url: string) => ({ args: ['--base-url', url], env: { ATLAS_BASE_URL: 'http://127.0.0.1:9', MONGODB_ATLAS_OPS_MANAGER_URL: 'http://127.0.0.1:9' } })],
    ['MONGODB_ATLAS_OPS_MANAGER_URL', (url: string) => ({ args: [], env: { ATLAS_BASE_URL: 'http://127.0.0.1:9', MONGODB_ATLAS_OPS_MANAGER_URL: url } })],
    ['ATLAS_BASE_URL', (url: string) => ({ args: [], env: { ATLAS_BASE_URL: url } })],
  ])('exits 4 naming the base URL %s set', async (source, setting) => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { args, env } = setting(url);
    const { code, stderr } = await cli(['scan', '--all', ...args], { MONGODB_ATLAS_PUBLIC_API_KEY: 'a', MONGODB_ATLAS_PRIVATE_API_KEY: 'b', ...env });
    expect(code).toBe(4);
    expect(oneLine(stderr)).toEqual([`atlas-janitor: cannot reach Atlas at ${url} (from ${source}): connection refused`]);
  });

  it.each([
    ['--base-url', { args: ['--base-url', 'URL'], env: { ATLAS_BASE_URL: 'http://127.0.0.1:9' } }, 2, '--base-url: must not contain user:password@ (credentials go in the secret)'],
    ['ATLAS_BASE_URL', { args: [], env: { ATLAS_BASE_URL: 'URL' } }, 2, 'ATLAS_BASE_URL: must not contain user:password@ (credentials go in the secret)'],
    ['MONGODB_ATLAS_OPS_MANAGER_URL', { args: [], env: { MONGODB_ATLAS_OPS_MANAGER_URL: 'URL' } }, 3, 'environment: MONGODB_ATLAS_OPS_MANAGER_URL: must not contain user:password@ (credentials go in the secret)'],
  ])('refuses a base URL with user:password@ in %s before any request, naming it and not the password', async (_source, setting, exit, message) => {
    const requests: IncomingMessage[] = [];
    const listener = createHttpServer((request, response) => {
      requests.push(request);
      response.end();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const url = `http://janitor:hunter2-secret@127.0.0.1:${(listener.address() as AddressInfo).port}`;
    const swap = (value: string) => (value === 'URL' ? url : value);
    try {
      const args = setting.args.map(swap);
      const env = Object.fromEntries(Object.entries(setting.env).map(([name, value]) => [name, swap(value)]));
      const { code, stderr } = await cli(['scan', '--all', ...args], { ...demoKey, ...env });
      expect(code).toBe(exit);
      expect(oneLine(stderr)).toEqual([`atlas-janitor: ${message}`]);
      expect(stderr).not.toContain('hunter2');
      expect(requests).toEqual([]);
    } finally {
      listener.close();
    }
  });

  it('exits 4 within one request timeout when the server accepts and never answers (no retry)', async () => {
    const requests: IncomingMessage[] = [];
    const silent = createHttpServer((request) => void requests.push(request));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const { code, stderr } = await cli(['scan', '--all', '--base-url', url, '--timeout-seconds', '1'], demoKey);
      expect(code).toBe(4);
      expect(oneLine(stderr)).toEqual([`atlas-janitor: cannot reach Atlas at ${url} (from --base-url): no answer within 1 s (--timeout-seconds)`]);
      // One request, never retried: the client's first is its read of the published rate limits (or, when
      // those are cached, the credentials check's organization list); both share the one deadline.
      expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([expect.stringMatching(/^GET \/api\/atlas\/v2\/(rateLimits|orgs)\b/)]);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('lists every problem of a protection registry as path: message and exits 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'janitor-cli-')), 'protections.json');
    writeFileSync(file, JSON.stringify({ protections: [{ resourceId: 'vpce-1', reason: 'r', expires: '2027-01-01' }, { projectId: 'nope', owner: 'o', reason: 'r', expires: 'soon' }] }));
    const { code, stderr } = await cli(['scan', '--all', '--base-url', sim.url, '--protections', file], demoKey);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `atlas-janitor: invalid protection registry --protections ${file}:`,
      '  protections.0.owner: Invalid input: expected string, received undefined',
      '  protections.1.projectId: must be a 24-hex project id',
      '  protections.1.expires: must be an ISO date (2027-01-31) or date-time',
    ]);
  });

  it('lists every problem of a scenario as path: message and exits 2', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'janitor-cli-')), 'scenario.json');
    const bad = { apiKeys: [{ publicKey: 'k', privateKey: 'p', orgIds: ['missing'] }], serviceAccounts: [], orgs: [{ id: 'not-hex', name: '' }] };
    writeFileSync(file, JSON.stringify(bad));
    const issues = (() => {
      try {
        parseScenario(bad);
        return [];
      } catch (error) {
        return (error as ScenarioError).issues;
      }
    })();
    const { code, stderr } = await cli(['simulate', '--scenario', file]);
    expect(code).toBe(2);
    expect(issues.length).toBeGreaterThan(1);
    expect(stderr.trim().split('\n')).toEqual([`atlas-janitor: invalid scenario ${file}:`, ...issues.map((i) => `  ${i}`)]);
  });

  it('demo refuses a truncated scenario file as bad input (exit 2), before starting anything', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'janitor-cli-')), 'truncated.json');
    writeFileSync(file, readFileSync(DEMO_SCENARIO_PATH, 'utf8').slice(0, 500));
    const { code, stderr } = await cli(['demo', '--scenario', file]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([`atlas-janitor: invalid scenario ${file}:`, expect.stringMatching(/^ {2}\(root\): cannot read JSON/)]);
  });

  it('prints names and errors from Atlas with their control characters escaped, never raw', async () => {
    const hostile = '\u001b]0;PWNED\u0007\u001b[2J\rfake line\u202e';
    // Atlas's own project names cannot hold these: a proxy rewriting its answers can.
    const hostileSim = await startRewritingProxy(sim.url, [
      {
        match: ({ path }) => path === '/api/atlas/v2/groups',
        body: (page: any) => ({ ...page, results: page.results.map((p: { name: string }) => ({ ...p, name: `${p.name}${hostile}` })) }),
      },
    ]);
    try {
      const { code, stdout, stderr } = await cli(['scan', '--all', '--base-url', hostileSim.url, '--grace', 'default=0'], demoKey);
      expect(code).toBe(0);
      // No ESC, BEL, CR or bidi override reaches the terminal; the name is still there, readable.
      expect(stdout + stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(stdout).toContain('payments-prod\\x1b]0;PWNED\\x07\\x1b[2J\\x0dfake line\\u202e');
      // JSON output escapes them itself and keeps the name exact.
      const json = await cli(['scan', '--all', '--base-url', hostileSim.url, '--grace', 'default=0', '--json'], demoKey);
      expect(JSON.parse(json.stdout).projects.map((p: { projectName: string }) => p.projectName)).toContain(`payments-prod${hostile}`);
    } finally {
      await hostileSim.close();
    }
  });

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
    const faulty = extra.length > 0;
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.totals).toMatchObject({ skipped: 0, deadLettered: 0, lost: 0, touchedOutsidePlan: 0 });
    expect(report.totals.deleted).toBe(report.totals.found);
    if (!faulty) {
      expect(report.totals.found).toBe(16);
      expect(report.expected).toEqual({ stale: 16, missed: [], unexpected: [] });
    } else {
      // Under 30% faults a read can fail five times running (0.3^5 a request; which requests meet the
      // faults depends on the order they arrive in). The resource behind it is then kept and the failure
      // reported, never guessed at: every stale resource is deleted or missed with a scan error of its kind.
      expect(report.expected!.unexpected).toEqual([]);
      expect(report.totals.found + report.expected!.missed.length).toBe(16);
      for (const key of report.expected!.missed) expect(report.scanErrors.some((e) => e.includes(` ${key.split(':')[0]} `))).toBe(true);
    }
    // The page of the plan the deleting sweep carried out: its stale resources and their rules. Under
    // faults a read of that one dry-run sweep may fail for good (the page then lists it as an error).
    const page = readFileSync(report.page!.path, 'utf8');
    if (!faulty) {
      expect(report.page!.candidates).toBe(16);
      expect(page).toContain('What would be deleted (16)');
    } else expect(page).toContain(`What would be deleted (${report.page!.candidates})`);
    for (const rule of report.page!.rules) expect(page).toContain(`<code class="r">${rule}</code>`);
    // Mark, wait, then delete: the first sweep only marked (16 stale + 3 under age rules), the second deleted.
    // The bundles shared Atlas's USER buckets through leases in the ledger table (scan and worker at least).
    expect(report.ledger).toEqual({
      graceSeconds: 5,
      markedByFirstSweep: faulty ? expect.any(Number) : 19,
      deletesBeforeGraceEnded: 0,
      waitedMs: expect.any(Number),
      historyEntries: report.totals.found,
      historyFinal: report.totals.found,
      rateLimitLeaseHolders: expect.any(Number),
    });
    // (Under faults a container whose one read of /rateLimits failed paces with its small fallback
    // buckets, which are per route and project and never leased.)
    if (!faulty) expect(report.ledger.rateLimitLeaseHolders).toBeGreaterThanOrEqual(2);
    expect(report.ledger.waitedMs).toBeGreaterThanOrEqual(5000);
    if (faulty) expect(report.apiCalls.faultsInjected).toBeGreaterThan(0);
  }, 90_000);
});

/** In-process: no subprocess to start, and the command tables are at hand to compare with. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string }> {
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => chunks.push(String(chunk)) > 0);
  try {
    return { code: await runCli(args), stdout: chunks.join('') };
  } finally {
    write.mockRestore();
  }
}

describe('atlas-janitor help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s exits 0 and lists every command', async (flag) => {
    const { code, stdout } = await inProcess([flag]);
    expect(code).toBe(0);
    for (const name of ['scan', 'sweep', 'simulate', 'dev', 'demo', 'history']) expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(stdout).toContain('exit codes: 0 done');
  });

  it('--version exits 0 with the package version', async () => {
    const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await inProcess(['--version'])).toEqual({ code: 0, stdout: `atlas-janitor ${version}\n` });
  });

  it.each([
    ['scan', scan],
    ['sweep', sweep],
    ['simulate', simulate],
    ['dev', dev],
    ['demo', demo],
    ['history', history],
  ])('%s --help and help %s list every flag with its default, the environment and an example', async (name, command) => {
    const { code, stdout } = await inProcess([name, '--help']);
    expect(code).toBe(0);
    expect((await inProcess(['help', name])).stdout).toBe(stdout);
    for (const [flag, spec] of Object.entries(command.flags)) {
      const line = stdout.split('\n').find((l) => l.startsWith(`  --${flag} `));
      expect(line, `--${flag}`).toContain(`[default: ${spec.type === 'boolean' ? 'off' : (spec.default ?? 'none')}]`);
    }
    expect(stdout).toContain('\nenvironment:\n');
    for (const [names] of command.env) expect(stdout).toContain(`  ${names}\n`);
    expect(stdout).toContain(`\nexample:\n  atlas-janitor ${name} `);
  });

  it('demo --help says the demo writes its page to the temp folder without --html', async () => {
    const { stdout } = await inProcess(['demo', '--help']);
    const line = stdout.split('\n').find((l) => l.startsWith('  --html '));
    expect(line).toContain('[default: a new file in the temp folder');
    expect(line).not.toContain('[default: none]');
  });

  it('names an unknown flag or command and points at --help', async () => {
    const errors: string[] = [];
    const error = vi.spyOn(process.stderr, 'write').mockImplementation(((line: string) => void errors.push(line.replace(/\n$/, ''))) as never);
    try {
      expect(await runCli(['scan', '--all', '--html-report'])).toBe(2);
      expect(await runCli(['help', 'frobnicate'])).toBe(2);
      expect(await runCli(['--frobnicate'])).toBe(2);
    } finally {
      error.mockRestore();
    }
    expect(errors).toEqual([
      'atlas-janitor: scan: unknown flag --html-report; see atlas-janitor scan --help',
      'atlas-janitor: unknown command "frobnicate" (commands: scan, plan, apply, sweep, simulate, dev, demo, history, job-id); see atlas-janitor --help',
      'atlas-janitor: unknown flag --frobnicate (commands: scan, plan, apply, sweep, simulate, dev, demo, history, job-id); see atlas-janitor --help',
    ]);
  });
});

describe('atlas-janitor reports', () => {
  let sim: Simulator;
  beforeAll(async () => {
    // The demo's mid-delete resources stay so: were they to finish (1.5 s after the start), a scan at that
    // instant would list a GCP endpoint group its service still names and then read it gone, an orphan
    // for that one scan, and two scans of one test could differ.
    sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, stuckDeletes: true });
  });
  afterAll(() => sim?.stop());

  it.each([
    ['an API key (one Digest challenge)', demoKey, 401],
    ['a service account (one token request)', { MONGODB_ATLAS_CLIENT_ID: DEMO.serviceAccount.clientId, MONGODB_ATLAS_CLIENT_SECRET: DEMO.serviceAccount.clientSecret }, 200],
  ])('apiCalls counts every request the simulator received, with %s under auth', async (_name, credentials, authStatus) => {
    const before = sim.log.length;
    const { code, stdout } = await cli(['scan', '--all', '--base-url', sim.url, '--json'], credentials);
    expect(code).toBe(0);
    const wire = sim.log.slice(before);
    const auth = wire.filter((e) => e.path === '/api/oauth/token' || (e.status === 401 && !e.requestHeaders.authScheme));
    expect(auth.map((e) => e.status)).toEqual([authStatus]);
    expect(JSON.parse(stdout).apiCalls).toEqual({ total: wire.length - auth.length, auth: auth.length });
  });

  describe('in process', () => {
    beforeAll(() => {
      vi.stubEnv('MONGODB_ATLAS_PUBLIC_API_KEY', DEMO.apiKey.publicKey);
      vi.stubEnv('MONGODB_ATLAS_PRIVATE_API_KEY', DEMO.apiKey.privateKey);
      for (const name of ['ATLAS_SECRET_IDS', 'LEDGER_TABLE', 'GRACE_PERIODS', 'MAX_DELETIONS_PER_RUN', 'PROTECTIONS_FILE']) vi.stubEnv(name, '');
    });
    afterAll(() => vi.unstubAllEnvs());

    const section = (stdout: string, heading: RegExp) => {
      const lines = stdout.split('\n');
      const start = lines.findIndex((l) => heading.test(l));
      const end = lines.findIndex((l, i) => i > start && l.trim() === '');
      return lines.slice(start + 1, end === -1 ? undefined : end);
    };

    it('the waiting table shows each row\'s rule and reason; age rules never suggest --grace default=0', async () => {
      const json = JSON.parse((await inProcess(['scan', '--all', '--base-url', sim.url, '--json'])).stdout);
      const { stdout } = await inProcess(['scan', '--all', '--base-url', sim.url]);
      const [header, , ...rows] = section(stdout, /^marked, waiting for their grace period/);
      expect(header).toMatch(/\brule\b.*\breason\b/);
      const waiting = json.kept.filter((k: { cause: string }) => k.cause === 'grace') as { kind: string; id: string; rule: string; reason: string }[];
      expect(rows).toHaveLength(waiting.length);
      expect(rows).toHaveLength(Number(/marked, waiting for their grace period \((\d+)/.exec(stdout)?.[1]));
      expect(waiting.map((k) => k.rule)).toEqual(expect.arrayContaining(['pending-peer', 'rejected-aws-endpoint']));
      // Projects finish in any order: each resource's row is found by its kind and id columns, not by its place.
      for (const k of waiting) {
        const columns = new RegExp(`\\b${k.kind} +${k.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `);
        const row = rows.find((r) => columns.test(r))!;
        expect(row).toMatch(columns);
        expect(row).toContain(` ${k.rule} `);
        expect(row).toContain(k.reason);
        if (AGE_RULES.has(k.rule as RuleName)) expect(row).toContain('needs a ledger (--ledger-table)  ');
        else expect(row).toContain(`needs a ledger (--ledger-table) or --grace ${k.rule}=0`);
      }
      expect(stdout).not.toContain('default=0');
    });

    it('sweep --enforce that plans nothing says so and why: grace', async () => {
      const { code, stdout } = await inProcess(['sweep', '--all', '--enforce', '--yes', '--base-url', sim.url]);
      expect(code).toBe(0);
      expect(stdout).toContain('\nnothing planned, so nothing deleted: 19 waiting for their grace period\n');
      expect(sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
    });

    it('sweep --enforce that plans nothing says so and why: the cap', async () => {
      // A budget of none: every project's candidates are held (with any budget, the projects that fit go).
      vi.stubEnv('MAX_DELETIONS_PER_RUN', '0');
      try {
        const { stdout } = await inProcess(['sweep', '--all', '--enforce', '--yes', '--base-url', sim.url, '--grace', 'default=0']);
        expect(stdout).toMatch(/\nnothing planned, so nothing deleted: 3 waiting for their grace period, 16 held by the cap \(MAX_DELETIONS_PER_RUN\)\n/);
      } finally {
        vi.stubEnv('MAX_DELETIONS_PER_RUN', '');
      }
    });

    it('sweep --enforce that plans nothing says so and why: protections', async () => {
      const staging = DEMO.project('payments-staging').id as string;
      const file = join(mkdtempSync(join(tmpdir(), 'janitor-cli-')), 'protections.json');
      writeFileSync(file, JSON.stringify({ protections: [{ projectId: staging, owner: 'payments', reason: 'migration', expires: '2999-01-01' }] }));
      const { stdout } = await inProcess(['sweep', '--project', staging, '--enforce', '--yes', '--base-url', sim.url, '--grace', 'default=0', '--protections', file]);
      expect(stdout).toMatch(/\nnothing planned, so nothing deleted: \d+ protected\n/);
      expect(sim.log.filter((e) => e.method === 'DELETE')).toEqual([]);
    });
  });
});
