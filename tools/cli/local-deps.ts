import { AtlasNetworkError, isAccessDenied, type AtlasClient } from '../../lib/atlas';
import { ConfigError, loadConfig, type JanitorConfig, type Mode } from '../../lib/config';
import { CredentialsError, CredentialsRefusedError, clientFactory, withAtlas, type AtlasAccess } from '../../lib/credentials';
import { ProtectionRegistryError } from '../../lib/protections';
import type { DeleteJob } from '../../lib/jobs';
import type { ScanReport } from '../../lib/report';
import type { SweepEvent } from '../../lib/jobs';
import { buildDeps, inlineSweep, type JanitorDeps } from '../../lib/run';
import { ApiCallCounter } from '../../lib/scan';
import { CommandError, EXIT, UsageError, ValidationError, intFlag, type FlagValues, type Flags } from './args';
import { progressBar } from './progress';
import { warnLine } from './terminal';

/** An Atlas request from the CLI that gets no answer fails after this long. */
const DEFAULT_TIMEOUT_SECONDS = 15;
/**
 * An hour: longer than any answer worth waiting for, and far below what Node's timers hold (about 24.8
 * days; past that Node fires the timer after 1 ms, so every request would "time out" at once).
 */
const MAX_TIMEOUT_SECONDS = 3600;

/** The flags of every command that talks to Atlas (scan, sweep). */
export const ATLAS_FLAGS = {
  'base-url': {
    type: 'string',
    arg: 'URL',
    default: 'a secret\'s baseUrl, MONGODB_ATLAS_OPS_MANAGER_URL, ATLAS_BASE_URL, then https://cloud.mongodb.com',
    help: 'Atlas, or the simulator; wins over every other source',
  },
  'secret-id': { type: 'string', multiple: true, arg: 'ID', default: 'ATLAS_SECRET_IDS, else the MONGODB_ATLAS_* variables', help: 'Atlas credentials from AWS Secrets Manager' },
  'api': { type: 'string', arg: 'v1|v2', default: 'ATLAS_API_GENERATION, else v2', help: 'v1: AWS endpoints and peers through the deprecated v1.0 routes' },
  'grace': { type: 'string', arg: 'DURATIONS', default: 'GRACE_PERIODS, else default=24h,age-default=7d', help: 'grace periods per rule; default=0 acts on failures at first sight' },
  'ledger-table': { type: 'string', arg: 'NAME', default: 'LEDGER_TABLE, else none (no memory of earlier sweeps)', help: 'the DynamoDB ledger of marks and history' },
  'protections': { type: 'string', arg: 'FILE', default: 'PROTECTIONS_FILE, else none', help: 'a protection registry (JSON)' },
  'timeout-seconds': { type: 'string', arg: 'N', default: String(DEFAULT_TIMEOUT_SECONDS), help: 'an Atlas request with no answer fails after N s (the first call, which checks the credentials, is not retried)' },
  'json': { type: 'boolean', help: 'print the report as JSON' },
} as const satisfies Flags;

/** What scan and sweep read from the environment (the functions' own variables, see docs/configuration.md). */
export const ATLAS_ENV = [
  ['MONGODB_ATLAS_PUBLIC_API_KEY, MONGODB_ATLAS_PRIVATE_API_KEY', 'an API key (HTTP Digest), when no secret id is given'],
  ['MONGODB_ATLAS_CLIENT_ID, MONGODB_ATLAS_CLIENT_SECRET', 'a service account (OAuth), when no secret id is given'],
  ['MONGODB_ATLAS_OPS_MANAGER_URL', 'base URL used with those variables'],
  ['ATLAS_SECRET_IDS, ATLAS_BASE_URL, ATLAS_API_GENERATION', 'as --secret-id, --base-url, --api'],
  ['GRACE_PERIODS, LEDGER_TABLE, PROTECTIONS_FILE', 'as --grace, --ledger-table, --protections'],
  ['PROTECTIONS_PARAMETER', 'a protection registry in SSM Parameter Store'],
  ['INCLUDE_/EXCLUDE_PROJECT_IDS, INCLUDE_/EXCLUDE_PROJECT_NAMES', 'which projects --all means'],
  ['PROTECTED_RESOURCE_IDS, MAX_DELETIONS_PER_RUN, DISABLED_RULES, JANITOR_KINDS, ATLAS_CONCURRENCY', 'as for the functions'],
  ['AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_DYNAMODB', 'AWS access for secrets, SSM and the ledger'],
] as const;

type AtlasFlagValues = FlagValues<typeof ATLAS_FLAGS>;

/** Text as it may be shown: every URL in it without its `user:password@`. */
export function redactUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/?#\s]*@/gi, '$1');
}

/**
 * The janitor's dependencies for a run from this machine, checked: configuration from the environment
 * (the same variables the functions read) with the command's flags on top, credentials from the Atlas
 * CLI's variables or Secrets Manager, and no queues. Before any work the protection registry is read
 * and one organization list per secret proves that Atlas answers to the credentials.
 */
async function connect(flags: AtlasFlagValues, overrides: Record<string, string>, checkCalls: ApiCallCounter): Promise<JanitorDeps> {
  const env: Record<string, string | undefined> = { ...process.env, ...overrides };
  if (flags['base-url'] !== undefined) env['ATLAS_BASE_URL'] = flags['base-url'];
  if (flags['secret-id'] !== undefined) env['ATLAS_SECRET_IDS'] = flags['secret-id'].join(',');
  if (flags.api !== undefined) env['ATLAS_API_GENERATION'] = flags.api;
  if (flags.grace !== undefined) env['GRACE_PERIODS'] = flags.grace;
  if (flags['ledger-table'] !== undefined) env['LEDGER_TABLE'] = flags['ledger-table'];
  if (flags.protections !== undefined) env['PROTECTIONS_FILE'] = flags.protections;
  const timeoutSeconds = intFlag('timeout-seconds', flags['timeout-seconds']) ?? DEFAULT_TIMEOUT_SECONDS;
  if (timeoutSeconds === 0 || timeoutSeconds > MAX_TIMEOUT_SECONDS) throw new UsageError(`--timeout-seconds must be from 1 to ${MAX_TIMEOUT_SECONDS}, got ${timeoutSeconds}`);
  const timeoutMs = timeoutSeconds * 1000;
  // The functions' queue settings mean nothing here.
  for (const name of ['SCAN_QUEUE_URL', 'SCAN_DLQ_URL', 'DELETE_QUEUE_URL', 'DELETE_DLQ_URL']) delete env[name];
  const config = configFrom(env, flags);
  // The same ledger and registry the functions use, when configured; no queues and no notifications
  // from a laptop. A person is waiting: shorter timeouts, fewer retries.
  const settings = { timeoutMs, retry: { maxAttempts: 3 } };
  const onLeaseError = (error: unknown) =>
    warnLine(`warning: rate-limit lease not written to ${config.ledgerTable ?? 'the ledger table'} (${error instanceof Error ? error.message : String(error)}); using the fixed share 1/${config.rateLimitSharedBy} (ATLAS_RATE_LIMIT_SHARED_BY) until it can be`);
  const built = buildDeps(config, env, { ...settings, onLeaseError });
  const deps: JanitorDeps = { ...built, makeClient: withBaseUrlFlag(built.makeClient, flags['base-url']) };
  const now = deps.now;
  const clientOptions = { baseUrl: config.baseUrl, apiGeneration: config.apiGeneration, concurrency: config.concurrency, ...settings };
  await checkProtections(deps, flags.protections !== undefined);
  // Each secret's check has one timeout, retries included: a server that accepts and never answers fails after it.
  const checkClient = (access: AtlasAccess) => {
    const deadline = now() + timeoutMs;
    return withBaseUrlFlag(clientFactory({ ...clientOptions, deadline: () => deadline }), flags['base-url'])(access, checkCalls.record);
  };
  await checkAtlas(deps, checkClient, flags['base-url'] !== undefined, timeoutMs);
  return deps;
}

/**
 * A scan or sweep from this machine: connect, then one inline sweep (nothing queued). The report's
 * `apiCalls` includes the credentials check, so it counts every request that went over the wire (its
 * Digest challenge under `auth`; the sweep's own client then reuses the nonce).
 */
export async function sweepFromHere(flags: AtlasFlagValues, request: SweepEvent & { mode: Mode }): Promise<{ deps: JanitorDeps; report: ScanReport; jobs: DeleteJob[] }> {
  const checkCalls = new ApiCallCounter();
  const deps = await connect(flags, { JANITOR_MODE: request.mode }, checkCalls);
  const bar = progressBar('scanning', !flags.json && process.stderr.isTTY === true);
  const { report, jobs } = await inlineSweep(deps, { ...request, requestedBy: 'cli' }, { enqueue: false, onProgress: bar.update });
  bar.end();
  report.apiCalls = { total: report.apiCalls.total + checkCalls.total, auth: report.apiCalls.auth + checkCalls.auth };
  return { deps, report, jobs };
}

/** The janitor's dependencies from this machine, checked as for a sweep, for work that is not a sweep (applying a plan). */
export function connectFromHere(flags: AtlasFlagValues, mode: Mode): Promise<JanitorDeps> {
  return connect(flags, { JANITOR_MODE: mode }, new ApiCallCounter());
}

/** The variables a flag sets: a bad value is named by the flag when it came from one. */
const FLAG_OF_VARIABLE = { ATLAS_BASE_URL: 'base-url', ATLAS_API_GENERATION: 'api', GRACE_PERIODS: 'grace', LEDGER_TABLE: 'ledger-table' } as const;

function configFrom(env: Record<string, string | undefined>, flags: AtlasFlagValues): JanitorConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      const flag = FLAG_OF_VARIABLE[error.field as keyof typeof FLAG_OF_VARIABLE];
      const named = flag !== undefined && flags[flag] !== undefined ? `--${flag}` : error.field;
      throw new UsageError(`${named}: ${error.message.slice(error.field.length + 2)}`);
    }
    throw error;
  }
}

/** On this machine a typed --base-url wins over a secret's baseUrl and MONGODB_ATLAS_OPS_MANAGER_URL. */
function withBaseUrlFlag(factory: JanitorDeps['makeClient'], flag: string | undefined): JanitorDeps['makeClient'] {
  return flag === undefined ? factory : (access, onExchange, overrides) => factory({ ...access, baseUrl: flag }, onExchange, overrides);
}

/** Which setting chose the base URL a client uses, for error messages. */
function baseUrlSource(access: AtlasAccess, config: JanitorConfig, fromFlag: boolean): string {
  if (fromFlag) return '--base-url';
  if (access.baseUrl !== undefined) return access.source === 'environment' ? 'MONGODB_ATLAS_OPS_MANAGER_URL' : `the baseUrl of secret ${access.source}`;
  return config.baseUrl !== undefined ? 'ATLAS_BASE_URL' : 'the default';
}

/** One project list per secret; the usual failures become one-line errors with their exit codes. */
async function checkAtlas(deps: JanitorDeps, makeClient: (access: AtlasAccess) => AtlasClient, fromFlag: boolean, timeoutMs: number): Promise<void> {
  for (const secretId of deps.config.secretIds.length > 0 ? deps.config.secretIds : [undefined]) {
    let where = '';
    try {
      await withAtlas(deps.credentials, secretId, makeClient, (atlas, access) => {
        where = `${redactUrl(atlas.baseUrl)} (from ${baseUrlSource(access, deps.config, fromFlag)})`;
        return atlas.listOrganizations();
      });
    } catch (error) {
      if (error instanceof CredentialsError) throw new CommandError(EXIT.credentials, error.message);
      if (error instanceof CredentialsRefusedError || isAccessDenied(error)) {
        throw new CommandError(EXIT.credentials, `Atlas at ${where} refused the credentials from ${secretId ?? 'the environment'} (${error.status} ${error.errorCode})`);
      }
      if (error instanceof AtlasNetworkError) {
        const why = error.failure === 'timeout' ? `no answer within ${timeoutMs / 1000} s (--timeout-seconds)` : error.message.replace(/^.*: /, '');
        throw new CommandError(EXIT.unreachable, `cannot reach Atlas at ${where}: ${why}`);
      }
      if (error instanceof Error) throw new CommandError(EXIT.failed, `Atlas at ${where}: ${redactUrl(error.message)}`);
      throw error;
    }
  }
}

/** A registry that does not validate is bad input: every problem, before any Atlas work. */
async function checkProtections(deps: JanitorDeps, fromFlag: boolean): Promise<void> {
  try {
    await deps.protections?.load();
  } catch (error) {
    if (error instanceof ProtectionRegistryError) {
      // The flag sets PROTECTIONS_FILE underneath; name what the user typed.
      const source = fromFlag ? error.source.replace(/^PROTECTIONS_FILE /, '--protections ') : error.source;
      throw new ValidationError(`invalid protection registry ${source}:`, error.problems);
    }
    throw error;
  }
}
