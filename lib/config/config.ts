import * as z from 'zod';
import { API_GENERATIONS, ID_FORMATS, baseUrlSchema, type ApiGeneration } from '../atlas';
import { AGE_RULES, KIND_NAMES, LAST_PEER_SETTING, isRuleName, kindNameSchema, ruleNameSchema, type KindName, type RuleName } from '../kinds';
import { DEFAULT_GRACE, MIN_AGE_RULE_GRACE_MS, formatDuration, parseDuration, type GracePeriods } from './grace';
import { ConfigError } from './errors';
import { globToRegExp } from './glob';

/**
 * `dry-run` deletes nothing; `plan` deletes nothing and writes a plan a person may approve, whose jobs
 * alone the worker then deletes; `enforce` deletes what is stale once its grace period is over.
 */
export const MODES = ['dry-run', 'plan', 'enforce'] as const;
export type Mode = (typeof MODES)[number];

/** Default life of a plan: after it, applying it is refused (what it read is too old to act on). */
export const DEFAULT_PLAN_TTL_HOURS = 72;

/** The environment variables the functions read, with what each holds. Documented in docs/configuration.md. */
export const ENV = {
  mode: 'JANITOR_MODE',
  apiGeneration: 'ATLAS_API_GENERATION',
  baseUrl: 'ATLAS_BASE_URL',
  secretIds: 'ATLAS_SECRET_IDS',
  secretCacheTtlSeconds: 'SECRET_CACHE_TTL_SECONDS',
  includeProjectIds: 'INCLUDE_PROJECT_IDS',
  excludeProjectIds: 'EXCLUDE_PROJECT_IDS',
  includeProjectNames: 'INCLUDE_PROJECT_NAMES',
  excludeProjectNames: 'EXCLUDE_PROJECT_NAMES',
  protectedResourceIds: 'PROTECTED_RESOURCE_IDS',
  maxDeletionsPerRun: 'MAX_DELETIONS_PER_RUN',
  disabledRules: 'DISABLED_RULES',
  kinds: 'JANITOR_KINDS',
  concurrency: 'ATLAS_CONCURRENCY',
  rateLimitSharedBy: 'ATLAS_RATE_LIMIT_SHARED_BY',
  scanQueueUrl: 'SCAN_QUEUE_URL',
  scanDlqUrl: 'SCAN_DLQ_URL',
  deleteQueueUrl: 'DELETE_QUEUE_URL',
  deleteDlqUrl: 'DELETE_DLQ_URL',
  retryBaseSeconds: 'RETRY_BACKOFF_BASE_SECONDS',
  deferSeconds: 'DEFER_SECONDS',
  maxReceiveCount: 'DELETE_MAX_RECEIVE_COUNT',
  gracePeriods: 'GRACE_PERIODS',
  ledgerTable: 'LEDGER_TABLE',
  notifyTopicArn: 'NOTIFY_TOPIC_ARN',
  protectionsFile: 'PROTECTIONS_FILE',
  protectionsParameter: 'PROTECTIONS_PARAMETER',
  allowLastPeerSecurityGroupRemoval: LAST_PEER_SETTING,
  reportBucket: 'REPORT_BUCKET',
  reportMaxWaitMinutes: 'REPORT_MAX_WAIT_MINUTES',
  planTtlHours: 'PLAN_TTL_HOURS',
} as const;

/**
 * `GRACE_PERIODS`: `name=duration` pairs, comma-separated. A name is a rule, `default` (failure rules) or
 * `age-default` (age rules); a duration is `0`, `90s`, `15m`, `24h` or `7d`.
 */
const gracePeriods = z
  .string()
  .optional()
  .transform((value, ctx): GracePeriods => {
    let { defaultMs, ageDefaultMs } = DEFAULT_GRACE;
    const perRule = new Map<RuleName, number>();
    for (const pair of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      if (!pair.includes('=')) {
        // A bare duration is the likeliest slip: say what is missing rather than that the duration is wrong.
        ctx.addIssue({ code: 'custom', message: `${pair}: needs RULE=DURATION, e.g. default=${pair} (failure rules), age-default=${pair} or a rule name` });
        return DEFAULT_GRACE;
      }
      const [name = '', duration = ''] = pair.split('=').map((s) => s.trim());
      const ms = parseDuration(duration);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${pair}: the duration must be 0 or a number with s, m, h or d` });
        return DEFAULT_GRACE;
      }
      if (name === 'default') defaultMs = ms;
      else if (name === 'age-default') ageDefaultMs = ms;
      else if (isRuleName(name)) perRule.set(name, ms);
      else {
        ctx.addIssue({ code: 'custom', message: `${pair}: ${name} is not a rule, default or age-default` });
        return DEFAULT_GRACE;
      }
    }
    for (const rule of AGE_RULES) {
      const ms = perRule.get(rule) ?? ageDefaultMs;
      if (ms < MIN_AGE_RULE_GRACE_MS) {
        ctx.addIssue({ code: 'custom', message: `${rule} is an age rule and needs at least ${formatDuration(MIN_AGE_RULE_GRACE_MS)}, not ${formatDuration(ms)}` });
        return DEFAULT_GRACE;
      }
    }
    return { defaultMs, ageDefaultMs, perRule };
  });

const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));

const objectIdList = list.pipe(z.array(z.string().regex(ID_FORMATS.objectId, 'each entry must be a 24-hex project id')));

const integer = (min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? String(fallback) : v.trim()))
    .pipe(z.string().regex(/^\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/** serverless.yml passes unset stage parameters as empty strings. */
const blankIsUnset = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** `true` or `false`; unset or blank is false. */
const flag = blankIsUnset(z.enum(['true', 'false'], { message: 'must be true or false' })).transform((v) => v === 'true');

const envSchema = z.object({
  [ENV.mode]: z.enum(MODES, { message: 'must be dry-run, plan or enforce' }).default('dry-run'),
  [ENV.apiGeneration]: z.enum(API_GENERATIONS, { message: `must be ${API_GENERATIONS.join(' or ')}` }).default('v2'),
  [ENV.baseUrl]: baseUrlSchema.optional(),
  [ENV.secretIds]: list,
  [ENV.secretCacheTtlSeconds]: integer(0, 86_400, 300),
  [ENV.includeProjectIds]: objectIdList,
  [ENV.excludeProjectIds]: objectIdList,
  [ENV.includeProjectNames]: list,
  [ENV.excludeProjectNames]: list,
  [ENV.protectedResourceIds]: list,
  [ENV.maxDeletionsPerRun]: integer(0, 10_000, 25),
  [ENV.disabledRules]: list.pipe(z.array(ruleNameSchema)),
  [ENV.kinds]: list.pipe(z.array(kindNameSchema)),
  [ENV.concurrency]: integer(1, 64, 8),
  [ENV.rateLimitSharedBy]: integer(1, 1000, 1),
  [ENV.scanQueueUrl]: z.url({ message: 'must be a queue URL' }).optional(),
  [ENV.scanDlqUrl]: z.url({ message: 'must be a queue URL' }).optional(),
  [ENV.deleteQueueUrl]: z.url({ message: 'must be a queue URL' }).optional(),
  [ENV.deleteDlqUrl]: z.url({ message: 'must be a queue URL' }).optional(),
  [ENV.retryBaseSeconds]: integer(1, 3600, 30),
  [ENV.deferSeconds]: integer(1, 3600, 60),
  [ENV.maxReceiveCount]: integer(1, 1000, 5),
  [ENV.gracePeriods]: gracePeriods,
  [ENV.ledgerTable]: blankIsUnset(z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be a DynamoDB table name')),
  [ENV.notifyTopicArn]: blankIsUnset(z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN')),
  [ENV.protectionsFile]: blankIsUnset(z.string()),
  [ENV.allowLastPeerSecurityGroupRemoval]: flag,
  [ENV.protectionsParameter]: blankIsUnset(z.string().regex(/^\/[A-Za-z0-9_.\/-]{1,2047}$/, 'must be an SSM parameter name starting with /')),
  [ENV.reportBucket]: blankIsUnset(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')),
  [ENV.reportMaxWaitMinutes]: integer(1, 10_080, 360),
  [ENV.planTtlHours]: integer(1, 720, DEFAULT_PLAN_TTL_HOURS),
});

/** Project selection: an empty include list means every project the credentials see. */
export interface ProjectFilter {
  includeIds: ReadonlySet<string>;
  excludeIds: ReadonlySet<string>;
  includeNames: readonly RegExp[];
  excludeNames: readonly RegExp[];
}

export interface JanitorConfig {
  mode: Mode;
  apiGeneration: ApiGeneration;
  baseUrl: string | undefined;
  secretIds: string[];
  secretCacheTtlMs: number;
  projects: ProjectFilter;
  protectedResourceIds: ReadonlySet<string>;
  maxDeletionsPerRun: number;
  disabledRules: ReadonlySet<RuleName>;
  kinds: KindName[];
  concurrency: number;
  /** Invocations that may run at once with the same credentials: they split USER, ORGANIZATION and IP buckets. */
  rateLimitSharedBy: number;
  scanQueueUrl: string | undefined;
  /** Where invalid scan requests go at once, with their reason (as invalid delete jobs go to DELETE_DLQ_URL). */
  scanDeadLetterQueueUrl: string | undefined;
  deleteQueueUrl: string | undefined;
  /** How the scan function retries and gives up on a scan request (the backoff base is the worker's too). */
  scanRetry: QueueRetrySettings;
  worker: WorkerSettings;
  grace: GracePeriods;
  /** The DynamoDB table of marks and run history; without it nothing with a grace period is planned. */
  ledgerTable: string | undefined;
  notifyTopicArn: string | undefined;
  /** Where the protection registry is read: a JSON file, or an SSM parameter holding the same JSON. */
  protections: { file?: string | undefined; parameter?: string | undefined };
  /** Settings that allow deletes with a side effect (ALLOW_LAST_PEER_SECURITY_GROUP_REMOVAL=true). */
  allowedSideEffects: ReadonlySet<string>;
  /** Where scans store their reports and the sweep's page is assembled (S3); unset: no pages. */
  reports: { bucket: string | undefined; maxWaitMs: number };
  /** How long a plan may be applied after it was made (PLAN_TTL_HOURS, default 72 h). */
  planTtlMs: number;
}

/** How a queue's consumer retries a message and gives up on it. */
export interface QueueRetrySettings {
  /** Where what will never pass goes at once, with its reason. */
  deadLetterQueueUrl: string | undefined;
  /** Queue-level backoff after a transient failure: base * 2^(receives-1) seconds, capped at 12 h (RETRY_BACKOFF_BASE_SECONDS). */
  retryBaseSeconds: number;
  /** On this receive a failing message is dead-lettered with its reason rather than left to the redrive policy. */
  maxReceiveCount: number;
}

export interface WorkerSettings {
  /** Where permanent failures go at once, with their reason. */
  deadLetterQueueUrl: string | undefined;
  /** Queue-level backoff after a transient failure: base * 2^(receives-1) seconds, capped at 12 h. */
  retryBaseSeconds: number;
  /** How long a service job waits for its endpoints to go before it is looked at again. */
  deferSeconds: number;
  /** The delete queue's redrive limit: a deferred job is sent again as a fresh message before it. */
  maxReceiveCount: number;
}

/**
 * Reads and validates the configuration once (at cold start). The first bad value is reported by its
 * environment variable name; nothing deeper in lib/ reads process.env.
 */
export function loadConfig(env: Record<string, string | undefined>): JanitorConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'config'), issue.message);
  }
  const e = parsed.data;
  const kinds = e[ENV.kinds];
  return {
    mode: e[ENV.mode],
    apiGeneration: e[ENV.apiGeneration],
    baseUrl: e[ENV.baseUrl],
    secretIds: e[ENV.secretIds],
    secretCacheTtlMs: e[ENV.secretCacheTtlSeconds] * 1000,
    projects: {
      includeIds: new Set(e[ENV.includeProjectIds]),
      excludeIds: new Set(e[ENV.excludeProjectIds]),
      includeNames: e[ENV.includeProjectNames].map(globToRegExp),
      excludeNames: e[ENV.excludeProjectNames].map(globToRegExp),
    },
    protectedResourceIds: new Set(e[ENV.protectedResourceIds]),
    maxDeletionsPerRun: e[ENV.maxDeletionsPerRun],
    disabledRules: new Set(e[ENV.disabledRules]),
    kinds: kinds.length > 0 ? [...new Set(kinds)] : [...KIND_NAMES],
    concurrency: e[ENV.concurrency],
    rateLimitSharedBy: e[ENV.rateLimitSharedBy],
    scanQueueUrl: e[ENV.scanQueueUrl],
    scanDeadLetterQueueUrl: e[ENV.scanDlqUrl],
    deleteQueueUrl: e[ENV.deleteQueueUrl],
    // The scan queue's redrive policy gives up on a scan that keeps failing: no receive count to watch here.
    scanRetry: { deadLetterQueueUrl: e[ENV.scanDlqUrl], retryBaseSeconds: e[ENV.retryBaseSeconds], maxReceiveCount: Number.POSITIVE_INFINITY },
    worker: {
      deadLetterQueueUrl: e[ENV.deleteDlqUrl],
      retryBaseSeconds: e[ENV.retryBaseSeconds],
      deferSeconds: e[ENV.deferSeconds],
      maxReceiveCount: e[ENV.maxReceiveCount],
    },
    grace: e[ENV.gracePeriods],
    ledgerTable: e[ENV.ledgerTable],
    notifyTopicArn: e[ENV.notifyTopicArn],
    protections: { file: e[ENV.protectionsFile], parameter: e[ENV.protectionsParameter] },
    allowedSideEffects: new Set(e[ENV.allowLastPeerSecurityGroupRemoval] ? [ENV.allowLastPeerSecurityGroupRemoval] : []),
    reports: { bucket: e[ENV.reportBucket], maxWaitMs: e[ENV.reportMaxWaitMinutes] * 60_000 },
    planTtlMs: e[ENV.planTtlHours] * 3_600_000,
  };
}
