import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_SCENARIO_PATH, simFetch, V2_ACCEPT } from '../support/sim-http';

const ROOT = resolve(__dirname, '../..');
const TSX_CLI = resolve(ROOT, 'node_modules/tsx/dist/cli.mjs');

function run(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
}

/**
 * Resolves with the first lines printed. The stream keeps flowing afterwards: breaking out of an async
 * iterator would destroy the pipe, and the child's later writes would fail with EPIPE.
 */
function firstLines(child: ChildProcessWithoutNullStreams, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk;
      const lines = out.split('\n');
      if (lines.length > count) {
        child.stdout.off('data', onData);
        child.stdout.resume();
        resolve(lines.slice(0, count));
      }
    };
    child.stdout.on('data', onData);
    child.once('close', () => reject(new Error(`process ended before printing ${count} lines: ${out}`)));
  });
}

async function exitOf(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'close');
  return { code, stderr };
}

describe('atlas-janitor simulate', () => {
  it('prints its URL first, then each principal with its ready-to-paste exports, serves the demo, and stops on SIGTERM', async () => {
    const child = run([TSX_CLI, 'tools/cli/main.ts', 'simulate', '--port', '0', '--delete-delay-ms', '200', '--seed', '3']);
    const exited = exitOf(child);
    const scenario = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')) as { apiKeys: { publicKey: string; privateKey: string }[]; serviceAccounts: { clientId: string; clientSecret: string }[] };
    const lines = await firstLines(child, 2 + 2 * (scenario.apiKeys.length + scenario.serviceAccounts.length));
    const url = /^Atlas simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0]!)?.[1];
    expect(url).toBeDefined();
    // The simulator's own test credentials, made up by the scenario: printed so they can be pasted.
    const exports = lines.filter((l) => l.startsWith('  export '));
    expect(exports).toEqual([
      ...scenario.apiKeys.map((k) => `  export ATLAS_BASE_URL=${url} MONGODB_ATLAS_PUBLIC_API_KEY=${k.publicKey} MONGODB_ATLAS_PRIVATE_API_KEY=${k.privateKey}`),
      ...scenario.serviceAccounts.map(
        (a) => `  export ATLAS_BASE_URL=${url} MONGODB_ATLAS_CLIENT_ID=${a.clientId} MONGODB_ATLAS_CLIENT_SECRET=${a.clientSecret}; unset MONGODB_ATLAS_PUBLIC_API_KEY MONGODB_ATLAS_PRIVATE_API_KEY`,
      ),
    ]);
    expect((await simFetch(`${url}/api/atlas/v2/groups`, { headers: { Accept: V2_ACCEPT } })).status).toBe(401);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  });

  it('runs through the package bin as well', async () => {
    const child = run(['tools/bin/atlas-janitor.mjs', 'simulate', '--port', '0']);
    const exited = exitOf(child);
    expect((await firstLines(child, 1))[0]).toMatch(/^Atlas simulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    child.kill('SIGINT');
    expect((await exited).code).toBe(0);
  });

  it.each([
    ['an unknown command', ['frobnicate']],
    ['an unknown flag', ['simulate', '--bogus']],
    ['a non-numeric port', ['simulate', '--port', 'x']],
  ])('exits 2 with a one-line error for %s', async (_what, args) => {
    const { code, stderr } = await exitOf(run([TSX_CLI, 'tools/cli/main.ts', ...args]));
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^atlas-janitor: /);
  });
});
