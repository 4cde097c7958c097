import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clearAuthCaches, type RateLimitOptions } from '../lib/atlas';
import { loadConfig } from '../lib/config';
import { CredentialStore, clientFactory } from '../lib/credentials';
import type { JanitorDeps } from '../lib/run';
import { GENERATED_API_KEY } from '../tools/scenarios/generate';

export const ROOT = resolve(__dirname, '..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

export interface SimProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * The simulator in its own process, so its work does not share the event loop (or the RSS) of the
 * code being measured.
 */
export async function startSimulatorProcess(scenario: object, options: { latencyMs?: number; deleteDelayMs?: number; seed?: number } = {}): Promise<SimProcess> {
  const file = join(mkdtempSync(join(tmpdir(), 'janitor-bench-')), 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  const args = [TSX, 'tools/cli/main.ts', 'simulate', '--scenario', file, '--port', '0', '--latency-ms', String(options.latencyMs ?? 0), '--delete-delay-ms', String(options.deleteDelayMs ?? 200), '--seed', String(options.seed ?? 1)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (match) ok(match[1]!);
    });
    child.once('exit', (code) => fail(new Error(`simulator exited with ${code}: ${out}`)));
  });
  child.stdout!.resume();
  return { url, stop: () => stopChild(child) };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Janitor dependencies for an in-process run against a simulator (dry-run, no queues). */
export function benchDeps(url: string, concurrency: number, env: Record<string, string> = {}, rateLimits: Omit<RateLimitOptions, 'sharedBy'> = {}): JanitorDeps {
  // A fresh container: no token, no nonce, no learned rate limits (the factory below has pacers of its own).
  clearAuthCaches();
  const config = loadConfig({ ATLAS_BASE_URL: url, ATLAS_CONCURRENCY: String(concurrency), MAX_DELETIONS_PER_RUN: '10000', GRACE_PERIODS: 'default=0', ...env });
  return {
    config,
    credentials: new CredentialStore({ ttlMs: 3_600_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: GENERATED_API_KEY.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: GENERATED_API_KEY.privateKey } }),
    makeClient: clientFactory({ baseUrl: url, concurrency, rateLimits: { sharedBy: config.rateLimitSharedBy, ...rateLimits } }),
    now: Date.now,
    newSweepId: () => 'sweep-bench',
  };
}

export function machine(): { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string } {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (n: number, digits = 2) => Number(n.toFixed(digits));
