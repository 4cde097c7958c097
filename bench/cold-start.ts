import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bundleFunctions } from '../tools/local/bundle';
import { ROOT, median, round } from './support';

export interface ColdStartBench {
  functions: { name: string; bundleBytes: number; initMs: number; initRatioToEmpty: number }[];
  empty: { bundleBytes: number; initMs: number };
  runs: number;
}

/** Module init: a fresh Node process requiring the bundle, timed inside the process. */
function initMs(file: string, runs: number): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const times = Array.from({ length: runs }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { ...process.env, AWS_REGION: 'us-east-1' } }).toString()));
  return round(median(times), 1);
}

export async function benchColdStart(options: { runs: number }): Promise<ColdStartBench> {
  const bundles = await bundleFunctions();
  const out = join(ROOT, '.esbuild-local');
  mkdirSync(out, { recursive: true });
  const esbuild = (parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as { custom: { esbuild: Record<string, unknown> } }).custom.esbuild;
  const emptyFile = join(out, 'empty.js');
  // The reference: a handler that does nothing, bundled with the same options.
  await build({
    stdin: { contents: 'export const handler = async () => ({});', loader: 'ts', resolveDir: ROOT },
    outfile: emptyFile,
    bundle: true,
    minify: esbuild['minify'] as boolean,
    platform: 'node',
    target: esbuild['target'] as string,
    format: 'cjs',
    logLevel: 'silent',
  });
  const empty = { bundleBytes: statSync(emptyFile).size, initMs: initMs(emptyFile, options.runs) };
  const functions = bundles.map((b) => {
    const ms = initMs(b.file, options.runs);
    return { name: b.name, bundleBytes: statSync(b.file).size, initMs: ms, initRatioToEmpty: round(ms / Math.max(empty.initMs, 0.1), 1) };
  });
  return { functions, empty, runs: options.runs };
}
