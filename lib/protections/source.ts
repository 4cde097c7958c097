import { readFile } from 'node:fs/promises';
import { PromiseCache } from '../cache/promise-cache';
import type { JanitorConfig } from '../config';
import { parseRegistry, ProtectionRegistryError, type Protection } from './registry';

/** All we do with SSM: read one parameter. */
export interface ParameterReader {
  (name: string): Promise<string | undefined>;
}

export interface ProtectionSource {
  load(): Promise<readonly Protection[]>;
}

/** Registry reads are cached this long: protections added by hand take effect within a minute. */
const CACHE_MS = 60_000;

/**
 * The protection registry from a JSON file or an SSM parameter (both, merged, when both are set).
 * A registry that cannot be read or parsed fails the run: planning without it could delete what it
 * protects.
 */
export function protectionSource(config: JanitorConfig, options: { readParameter?: ParameterReader; now?: () => number } = {}): ProtectionSource | undefined {
  const { file, parameter } = config.protections;
  if (!file && !parameter) return undefined;
  const cache = new PromiseCache<'registry', readonly Protection[]>(CACHE_MS, options.now ?? Date.now);
  const read = async (): Promise<readonly Protection[]> => {
    const entries: Protection[] = [];
    if (file) {
      const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new ProtectionRegistryError(`PROTECTIONS_FILE ${file}`, 'file', `cannot be read (${error.code ?? 'error'})`);
      });
      entries.push(...parseRegistry(`PROTECTIONS_FILE ${file}`, text));
    }
    if (parameter) {
      if (!options.readParameter) throw new ProtectionRegistryError(`PROTECTIONS_PARAMETER ${parameter}`, 'parameter', 'cannot be read: no SSM client');
      const text = await options.readParameter(parameter).catch((error: { name?: string }) => {
        throw new ProtectionRegistryError(`PROTECTIONS_PARAMETER ${parameter}`, 'parameter', `cannot be read (${error.name ?? 'error'})`);
      });
      if (text === undefined) throw new ProtectionRegistryError(`PROTECTIONS_PARAMETER ${parameter}`, 'parameter', 'has no value');
      entries.push(...parseRegistry(`PROTECTIONS_PARAMETER ${parameter}`, text));
    }
    return entries;
  };
  return { load: () => cache.get('registry', read) };
}
