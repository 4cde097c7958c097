import { AtlasNetworkError, DEFAULT_BASE_URL, isAccessDenied } from '../../lib/atlas';
import { ConfigError, loadConfig } from '../../lib/config';
import { CredentialsError, CredentialsRefusedError, withAtlas } from '../../lib/credentials';
import { buildDeps, type JanitorDeps } from '../../lib/run';
import { CommandError, EXIT, UsageError } from './args';

export interface AtlasFlags {
  'base-url'?: string | undefined;
  'secret-id'?: string[] | undefined;
  api?: string | undefined;
  grace?: string | undefined;
  'ledger-table'?: string | undefined;
  protections?: string | undefined;
}

export const ATLAS_FLAG_OPTIONS = {
  'base-url': { type: 'string' },
  'secret-id': { type: 'string', multiple: true },
  api: { type: 'string' },
  json: { type: 'boolean' },
  grace: { type: 'string' },
  'ledger-table': { type: 'string' },
  protections: { type: 'string' },
} as const;

/**
 * The janitor's dependencies for a run from this machine: configuration from the environment (the
 * same variables the functions read) with the command's flags on top, credentials from the Atlas CLI's
 * variables or Secrets Manager, and no queues.
 */
export function localDeps(flags: AtlasFlags, overrides: Record<string, string> = {}): JanitorDeps {
  const env: Record<string, string | undefined> = { ...process.env, ...overrides };
  if (flags['base-url'] !== undefined) env['ATLAS_BASE_URL'] = flags['base-url'];
  if (flags['secret-id'] !== undefined) env['ATLAS_SECRET_IDS'] = flags['secret-id'].join(',');
  if (flags.api !== undefined) env['ATLAS_API_GENERATION'] = flags.api;
  if (flags.grace !== undefined) env['GRACE_PERIODS'] = flags.grace;
  if (flags['ledger-table'] !== undefined) env['LEDGER_TABLE'] = flags['ledger-table'];
  if (flags.protections !== undefined) env['PROTECTIONS_FILE'] = flags.protections;
  // The functions' queue settings mean nothing here.
  for (const name of ['SCAN_QUEUE_URL', 'DELETE_QUEUE_URL', 'DELETE_DLQ_URL']) delete env[name];
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      const flag = { ATLAS_BASE_URL: '--base-url', ATLAS_API_GENERATION: '--api', GRACE_PERIODS: '--grace', LEDGER_TABLE: '--ledger-table' }[error.field];
      throw new UsageError(flag ? `${flag}: ${error.message.slice(error.field.length + 2)}` : error.message);
    }
    throw error;
  }
  // The same ledger and registry the functions use, when configured; no queues and no notifications
  // from a laptop. A person is waiting: shorter timeouts, fewer retries.
  return buildDeps(config, env, { timeoutMs: 15_000, retry: { maxAttempts: 3 } });
}

/**
 * Checks, before any work, that credentials exist and Atlas answers with them: one project list per
 * secret. Turns the usual failures into one-line errors with their exit codes.
 */
export async function preflight(deps: JanitorDeps): Promise<void> {
  const baseUrl = deps.config.baseUrl ?? DEFAULT_BASE_URL;
  for (const secretId of deps.config.secretIds.length > 0 ? deps.config.secretIds : [undefined]) {
    try {
      await withAtlas(deps.credentials, secretId, deps.makeClient, (atlas) => atlas.listOrganizations());
    } catch (error) {
      if (error instanceof CredentialsError) throw new CommandError(EXIT.credentials, error.message);
      if (error instanceof CredentialsRefusedError || isAccessDenied(error)) {
        throw new CommandError(EXIT.credentials, `Atlas at ${baseUrl} refused the credentials from ${secretId ?? 'the environment'} (${error.status} ${error.errorCode})`);
      }
      if (error instanceof AtlasNetworkError) throw new CommandError(EXIT.unreachable, `cannot reach Atlas at ${baseUrl}: ${error.message.replace(/^.*: /, '')}`);
      throw error;
    }
  }
}
