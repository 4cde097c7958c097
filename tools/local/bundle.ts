import { build, type BuildOptions } from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '../..');

export interface FunctionBundle {
  name: string;
  file: string;
  bytes: number;
}

/**
 * Bundles the functions exactly as `sls package` does — the esbuild options and handlers are read from
 * serverless.yml — into a folder inside the repository (so the AWS SDK, left out of the bundles as the
 * Lambda runtime provides it, resolves from node_modules). Local runs then execute the same code Lambda runs.
 */
export async function bundleFunctions(outDir = join(ROOT, '.esbuild-local')): Promise<FunctionBundle[]> {
  const doc = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as Record<string, any>;
  const esbuild = doc.custom.esbuild as Record<string, unknown>;
  mkdirSync(outDir, { recursive: true });
  const bundles: FunctionBundle[] = [];
  for (const [name, fn] of Object.entries<Record<string, string>>(doc.functions)) {
    const entry = fn['handler']!.replace(/\.[^.]+$/, '');
    const options: BuildOptions = {
      entryPoints: [join(ROOT, `${entry}.ts`)],
      outfile: join(outDir, `${name}.js`),
      bundle: esbuild['bundle'] as boolean,
      minify: esbuild['minify'] as boolean,
      sourcemap: esbuild['sourcemap'] as boolean,
      target: esbuild['target'] as string,
      platform: esbuild['platform'] as 'node',
      format: esbuild['format'] as 'cjs',
      external: esbuild['exclude'] as string[],
      metafile: true,
      logLevel: 'silent',
    };
    const result = await build(options);
    const output = Object.values(result.metafile!.outputs)[0]!;
    bundles.push({ name, file: options.outfile!, bytes: output.bytes });
  }
  return bundles;
}

/** Loads a bundle's handler afresh (its module state, such as cached configuration, starts clean). */
export function loadHandler<T = unknown>(bundle: FunctionBundle, exportName = 'handler'): T {
  const require = createRequire(bundle.file);
  delete require.cache[bundle.file];
  return (require(bundle.file) as Record<string, T>)[exportName]!;
}
