import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CREDENTIALS_FAILURES_METRIC, DELETE_ROLE_MISSING_METRIC, METRIC_NAMES, RUN_DIMENSIONS, RUN_METRICS } from '../../lib/lambda';
import { LEDGER_TABLE_DEFINITION, LEDGER_TTL_ATTRIBUTE } from '../../lib/ledger';
import { reportKeys } from '../../lib/report';

/** serverless.yml's POWERTOOLS_METRICS_NAMESPACE. */
const CREDENTIALS_NAMESPACE = 'AtlasJanitor';
import { DEMO } from '../support/demo';

const ROOT = resolve(__dirname, '../..');
const SLS = resolve(ROOT, 'node_modules/osls/bin/serverless.js');
const JANITOR = resolve(ROOT, 'tools/bin/atlas-janitor.mjs');
const consolePage = readFileSync(resolve(ROOT, 'docs/console.md'), 'utf8');
const run = promisify(execFile);

type Json = Record<string, any>;

/** Runs the Serverless CLI offline; resolves with its output whatever its exit code. */
async function sls(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [SLS, ...args], { cwd: ROOT, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...env }, maxBuffer: 32 * 1024 * 1024 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('sls package (offline)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-package-'));
  let template: Json;
  let resources: Json;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  beforeAll(async () => {
    const result = await sls(['package', '--stage', 'ci', '--package', dir]);
    expect(result.out).toMatch(/packaged/);
    template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
    resources = template['Resources'];
  }, 120_000);

  it('defines the four functions on nodejs24.x, arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([name]) => name).sort()).toEqual(['ReportLambdaFunction', 'ScanLambdaFunction', 'SweepLambdaFunction', 'WorkerLambdaFunction']);
    for (const [, f] of functions) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.Environment.Variables.JANITOR_MODE).toBe('dry-run');
    }
  });

  it('wires the schedule to sweep and both queues to their functions with partial batch responses', () => {
    const rules = Object.fromEntries(ofType('AWS::Events::Rule').map(([, r]) => [r.Properties.Targets[0].Arn['Fn::GetAtt'][0], r.Properties]));
    expect(Object.keys(rules).sort()).toEqual(['ReportLambdaFunction', 'SweepLambdaFunction']);
    expect(rules['SweepLambdaFunction']!.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(rules['ReportLambdaFunction']!.ScheduleExpression).toBe('rate(15 minutes)');
    const mappings: Record<string, Json> = Object.fromEntries(ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => [m.Properties.EventSourceArn['Fn::GetAtt'][0], m.Properties]));
    expect(Object.keys(mappings).sort()).toEqual(['DeleteQueue', 'ScanQueue']);
    expect(mappings['ScanQueue']!.FunctionName['Fn::GetAtt'][0]).toBe('ScanLambdaFunction');
    expect(mappings['DeleteQueue']!.FunctionName['Fn::GetAtt'][0]).toBe('WorkerLambdaFunction');
    for (const m of Object.values(mappings)) expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings['DeleteQueue']).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 } });
    expect(mappings['ScanQueue']).toMatchObject({ BatchSize: 100, MaximumBatchingWindowInSeconds: 5 });
  });

  it('gives both queues encrypted dead-letter queues, redrive, and visibility at least six times the timeout', () => {
    const timeoutOf = (fn: string) => resources[fn].Properties.Timeout as number;
    for (const [queue, dlq, fn] of [['ScanQueue', 'ScanDeadLetterQueue', 'ScanLambdaFunction'], ['DeleteQueue', 'DeleteDeadLetterQueue', 'WorkerLambdaFunction']] as const) {
      const q = resources[queue].Properties;
      expect(q.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] }, maxReceiveCount: 5 });
      expect(q.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeoutOf(fn));
      expect(q.SqsManagedSseEnabled).toBe(true);
      expect(resources[dlq].Properties.SqsManagedSseEnabled).toBe(true);
      expect(resources[dlq].Properties.MessageRetentionPeriod).toBe(1_209_600);
    }
    expect(resources['DeleteQueue'].Properties.FifoQueue).toBe(true);
    expect(resources['DeleteDeadLetterQueue'].Properties.FifoQueue).toBe(true);
  });

  const alarms = () => ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties as Json);

  it('alarms on the depth of each dead-letter queue and of the sweep failure queue', () => {
    const alarmed = alarms().filter((a) => a.Namespace === 'AWS/SQS');
    expect(alarmed.map((a) => a.Dimensions[0].Value['Fn::GetAtt'][0]).sort()).toEqual(['DeleteDeadLetterQueue', 'ScanDeadLetterQueue', 'SweepFailureQueue']);
    for (const a of alarmed) expect(a).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
  });

  it('alarms on Lambda Errors for each function, and on the CredentialsFailures and DeleteRoleMissing metrics', () => {
    const errors = alarms().filter((a) => a.Namespace === 'AWS/Lambda');
    expect(errors.map((a) => a.Dimensions[0]).sort((x, y) => x.Value.Ref.localeCompare(y.Value.Ref))).toEqual(
      ['ReportLambdaFunction', 'ScanLambdaFunction', 'SweepLambdaFunction', 'WorkerLambdaFunction'].map((fn) => ({ Name: 'FunctionName', Value: { Ref: fn } })),
    );
    for (const a of errors) expect(a).toMatchObject({ MetricName: 'Errors', Statistic: 'Sum', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
    // The functions' metric, with the dimension Powertools adds (its service name).
    expect(alarms().filter((a) => a.Namespace === CREDENTIALS_NAMESPACE)).toEqual([
      expect.objectContaining({ MetricName: CREDENTIALS_FAILURES_METRIC, Dimensions: [{ Name: 'service', Value: 'atlas-janitor' }], Threshold: 0 }),
      expect.objectContaining({ MetricName: DELETE_ROLE_MISSING_METRIC, Dimensions: [{ Name: 'service', Value: 'atlas-janitor' }], Threshold: 0 }),
    ]);
    // Every alarm reaches the alarm topic (or the one given as alarmTopicArn).
    for (const a of alarms()) expect(a.AlarmActions).toEqual([{ 'Fn::If': ['CreateAlarmTopic', { Ref: 'AlarmTopic' }, ''] }]);
  });

  it("sends the nightly sweep's failed asynchronous invoke to an alarmed queue, which its role may write", () => {
    const [[, config]] = ofType('AWS::Lambda::EventInvokeConfig') as [[string, Json]];
    expect(config.Properties).toMatchObject({ FunctionName: { Ref: 'SweepLambdaFunction' }, MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['SweepFailureQueue', 'Arn'] } } } });
    expect(resources['SweepFailureQueue'].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });

  it('encrypts the alarm topic with a customer-managed key whose policy lets CloudWatch use it', () => {
    const topic = resources['AlarmTopic'].Properties;
    expect(topic.KmsMasterKeyId).toEqual({ Ref: 'AlarmTopicKey' });
    const key = resources['AlarmTopicKey'];
    expect(key).toMatchObject({ Type: 'AWS::KMS::Key', Condition: 'CreateAlarmTopic', Properties: { EnableKeyRotation: true } });
    const forCloudWatch = (key.Properties.KeyPolicy.Statement as Json[]).filter((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com');
    expect(forCloudWatch).toEqual([expect.objectContaining({ Effect: 'Allow', Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey*']) })]);
    // The account keeps control of its key (a policy without it would lock the key out of IAM).
    expect(key.Properties.KeyPolicy.Statement.some((st: Json) => st.Principal?.AWS && st.Action === 'kms:*')).toBe(true);
  });

  it('gives each function its own role, with no * resource on any Secrets Manager or SQS action', () => {
    const roles = Object.fromEntries(ofType('AWS::Lambda::Function').map(([name, f]) => [name, f.Properties.Role['Fn::GetAtt'][0]]));
    expect(new Set(Object.values(roles)).size).toBe(4);
    const statements = ofType('AWS::IAM::Role').flatMap(([, r]) => (r.Properties.Policies ?? []).flatMap((p: Json) => p.PolicyDocument.Statement as Json[]));
    const sensitive = statements.filter((s) => [s.Action].flat().some((a: string) => /^(secretsmanager|sqs):/.test(a)));
    expect(sensitive.length).toBeGreaterThanOrEqual(6);
    const hasStar = (value: unknown): boolean => value === '*' || (Array.isArray(value) ? value.some(hasStar) : typeof value === 'object' && value !== null && Object.values(value).some(hasStar));
    for (const s of sensitive) {
      expect(hasStar(s.Resource)).toBe(false);
      expect([s.Action].flat().some((a: string) => a.includes('*'))).toBe(false);
    }
    // Only the worker may write to the delete DLQ; only the sweep to the scan queue.
    const statementsOf = (fn: string) => resources[roles[fn]!].Properties.Policies.flatMap((p: Json) => p.PolicyDocument.Statement) as Json[];
    const sendsTo = (fn: string) => statementsOf(fn).filter((s) => [s.Action].flat().includes('sqs:SendMessage')).flatMap((s) => s.Resource.map((r: Json) => r['Fn::GetAtt'][0]));
    // The sweep also queues delete jobs, for an inline (console) sweep in enforce mode.
    expect(sendsTo('SweepLambdaFunction').sort()).toEqual(['DeleteQueue', 'ScanQueue', 'SweepFailureQueue']);
    expect(sendsTo('ScanLambdaFunction').sort()).toEqual(['DeleteQueue', 'ScanDeadLetterQueue']);
    expect(sendsTo('WorkerLambdaFunction').sort()).toEqual(['DeleteDeadLetterQueue', 'DeleteQueue']);
  });

  it('creates the ledger table as lib/ledger defines it, on demand, with TTL, and lets only what needs it write', () => {
    const [[name, table]] = ofType('AWS::DynamoDB::Table') as [[string, Json]];
    expect(name).toBe('LedgerTable');
    const p = table.Properties;
    expect(p).toMatchObject({ BillingMode: 'PAY_PER_REQUEST', TimeToLiveSpecification: { AttributeName: LEDGER_TTL_ATTRIBUTE, Enabled: true } });
    const { BillingMode: _billing, ...definition } = LEDGER_TABLE_DEFINITION;
    expect({ AttributeDefinitions: p.AttributeDefinitions, KeySchema: p.KeySchema, GlobalSecondaryIndexes: p.GlobalSecondaryIndexes }).toEqual(definition);
    const roles = Object.fromEntries(ofType('AWS::Lambda::Function').map(([fn, f]) => [fn, f.Properties.Role['Fn::GetAtt'][0]]));
    const dynamoActions = (fn: string) =>
      (resources[roles[fn]!].Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement) as Json[])
        .filter((s) => [s.Action].flat().some((a: unknown) => typeof a === 'string' && a.startsWith('dynamodb:')))
        .flatMap((s) => [s.Action].flat())
        .sort();
    expect(dynamoActions('WorkerLambdaFunction')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    // The worker reads only approvals and a sweep's refusals, and writes only the refusals, by key.
    const workerStatements = resources[roles['WorkerLambdaFunction']!].Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement) as Json[];
    const leading = (action: string) => workerStatements.find((st) => [st.Action].flat().includes(action))!.Condition;
    expect(leading('dynamodb:GetItem')).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PLAN#*', 'S#*'] } });
    expect(leading('dynamodb:PutItem')).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['S#*'] } });
    // DeleteItem only to take back a plan approval whose jobs could not be enqueued, on approvals' keys only.
    expect(dynamoActions('ScanLambdaFunction')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    expect(dynamoActions('SweepLambdaFunction')).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    const deleteItem = (resources[roles['ScanLambdaFunction']!].Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement) as Json[]).find((st) => [st.Action].flat().includes('dynamodb:DeleteItem'))!;
    expect(deleteItem.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PLAN#*'] } });
    expect(dynamoActions('ReportLambdaFunction')).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    for (const fn of Object.keys(roles)) expect(dynamoActions(fn).some((a) => a.includes('*'))).toBe(false);
  });

  it('keeps reports in a private, encrypted, TLS-only bucket whose objects expire after the stage parameter', () => {
    const params = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')).params.default;
    const bucket = resources['ReportBucket'];
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }]);
    expect(bucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
    const [rule] = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rule).toMatchObject({ Status: 'Enabled', ExpirationInDays: params.reportRetentionDays });
    expect(rule.Prefix ?? '').toBe('');
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket.Ref === 'ReportBucket');
    expect(policies).toHaveLength(1);
    const [[, policy]] = policies as [[string, Json]];
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Resource: [{ 'Fn::GetAtt': ['ReportBucket', 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ReportBucket', 'Arn'] }, '/*']] }],
      }),
    ]);
    expect(template['Outputs']['ReportBucketName']).toEqual({ Value: { Ref: 'ReportBucket' } });
  });

  it('lets only the functions that need the bucket touch it, each with only the actions it uses, on the keys it uses', () => {
    const roles = Object.fromEntries(ofType('AWS::Lambda::Function').map(([fn, f]) => [fn, f.Properties.Role['Fn::GetAtt'][0]]));
    const mentionsBucket = (value: unknown): boolean => JSON.stringify(value ?? null).includes('"ReportBucket"');
    // "action on key pattern" for every statement of a role that names the bucket.
    const grants = (fn: string) =>
      (resources[roles[fn]!].Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement) as Json[])
        .filter((st) => mentionsBucket(st.Resource))
        .flatMap((st) =>
          [st.Action].flat().flatMap((action: string) =>
            (st.Resource as Json[]).map((r) => `${action} ${r['Fn::Join'] ? r['Fn::Join'][1][1] : '(bucket)'}${st.Condition ? ` if ${JSON.stringify(st.Condition)}` : ''}`),
          ),
        )
        .sort();
    // An approval (console or scan queue) reads the plan and its report and writes the page again.
    const approval = ['/applied/*', '/reports/*/index.html', '/reports/*/plan.json', '/reports/*/report.json'].flatMap((key) => [`s3:GetObject ${key}`, `s3:PutObject ${key}`]);
    expect(grants('SweepLambdaFunction')).toEqual([...approval, 's3:PutObject /pending/*'].sort());
    expect(grants('ScanLambdaFunction')).toEqual([...approval, 's3:PutObject /reports/*/projects/*'].sort());
    expect(grants('WorkerLambdaFunction')).toEqual([]);
    expect(grants('ReportLambdaFunction')).toEqual([
      's3:DeleteObject /applied/*',
      's3:DeleteObject /pending/*',
      's3:GetObject /pending/*',
      's3:GetObject /reports/*/plan.json',
      's3:GetObject /reports/*/projects/*',
      's3:GetObject /reports/*/report.json',
      's3:ListBucket (bucket) if {"StringLike":{"s3:prefix":["pending/","reports/*/projects/","applied/"]}}',
      's3:PutObject /applied/*',
      's3:PutObject /reports/*/index.html',
      's3:PutObject /reports/*/plan.json',
      's3:PutObject /reports/*/report.json',
    ]);
    // No other statement anywhere grants S3 (nor any wildcard action on it).
    for (const [, role] of ofType('AWS::IAM::Role')) {
      for (const st of role.Properties.Policies.flatMap((x: Json) => x.PolicyDocument.Statement) as Json[]) {
        const s3Actions = [st.Action ?? []].flat().filter((a: unknown) => typeof a === 'string' && a.startsWith('s3:'));
        if (s3Actions.length > 0) expect(mentionsBucket(st.Resource)).toBe(true);
        expect(s3Actions.some((a: string) => a.includes('*'))).toBe(false);
      }
    }
    // The keys the code writes are the ones its role allows (IAM's * matches across /).
    const allows = (pattern: string, key: string) => new RegExp(`^${pattern.slice(1).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`).test(key);
    const sweep = 'sweep-20261126T020000-abcd1234';
    expect(allows('/pending/*', reportKeys.manifest(sweep))).toBe(true);
    expect(allows('/reports/*/projects/*', reportKeys.project(sweep, 'a'.repeat(24)))).toBe(true);
    expect(allows('/reports/*/index.html', reportKeys.page(sweep))).toBe(true);
    expect(allows('/reports/*/report.json', reportKeys.merged(sweep))).toBe(true);
    expect(allows('/reports/*/plan.json', reportKeys.plan(sweep))).toBe(true);
    expect(allows('/applied/*', reportKeys.applied(sweep))).toBe(true);
    expect(allows('/reports/*/projects/*', reportKeys.page(sweep))).toBe(false);
    const bucketEnv = Object.fromEntries(ofType('AWS::Lambda::Function').map(([fn, f]) => [fn, f.Properties.Environment.Variables.REPORT_BUCKET]));
    expect(bucketEnv).toEqual({ SweepLambdaFunction: { Ref: 'ReportBucket' }, ScanLambdaFunction: { Ref: 'ReportBucket' }, ReportLambdaFunction: { Ref: 'ReportBucket' }, WorkerLambdaFunction: undefined });
  });

  it('has a dashboard of exactly the metrics the functions emit, for every function and queue of the stack', () => {
    const [[, dashboard]] = ofType('AWS::CloudWatch::Dashboard') as [[string, Json]];
    expect(dashboard.Properties.DashboardName).toBe('atlas-janitor-ci');
    const body = JSON.parse(dashboard.Properties.DashboardBody);
    const widgets = (body.widgets as Json[]).filter((w) => w.type === 'metric').map((w) => w.properties);
    expect(widgets.map((w) => w.title)).toEqual([
      'Found (planned) per kind and rule',
      'Deleted per kind and rule',
      'Kept per kind and cause',
      'Delete jobs by outcome',
      'Dead letters',
      'Atlas 429s and errors by status',
      'Function errors and throttles',
      'Function durations (p99, ms)',
      'Queue depths',
      'Report pages',
    ]);
    // Metric rows with CloudWatch's "." (same as above) and "..." (all but the last values) expanded.
    const metrics: { namespace: string; name: string; dims: Record<string, string> }[] = [];
    const searches: { schema: string[]; name: string }[] = [];
    for (const w of widgets) {
      expect(w.region).toBe('us-east-1');
      let previous: string[] = [];
      for (const row of w.metrics as unknown[][]) {
        const expression = (row[0] as Json)?.expression as string | undefined;
        if (expression) {
          const m = /^SEARCH\('\{([^}]+)\} MetricName="(\w+)"'/.exec(expression)!;
          searches.push({ schema: m[1]!.split(','), name: m[2]! });
          continue;
        }
        const values = row.filter((v): v is string => typeof v === 'string');
        const full = values[0] === '...' ? [...previous.slice(0, previous.length - (values.length - 1)), ...values.slice(1)] : values.map((v, i) => (v === '.' ? previous[i]! : v));
        previous = full;
        const [namespace, name, ...pairs] = full;
        const dims: Record<string, string> = {};
        for (let i = 0; i < pairs.length; i += 2) dims[pairs[i]!] = pairs[i + 1]!;
        metrics.push({ namespace: namespace!, name: name!, dims });
      }
    }
    const emitted = new Set([...Object.values(METRIC_NAMES), ...Object.values(RUN_METRICS), CREDENTIALS_FAILURES_METRIC]);
    const ours = [...metrics.filter((m) => m.namespace === 'AtlasJanitor').map((m) => m.name), ...searches.map((s) => s.name)];
    for (const name of ours) expect({ name, emitted: emitted.has(name) }).toEqual({ name, emitted: true });
    for (const needed of ['Found', 'DeletedByRule', 'Kept', 'AtlasFailures', 'DeadLettered', 'Deleted']) expect(ours).toContain(needed);
    for (const m of metrics.filter((x) => x.namespace === 'AtlasJanitor')) expect(m.dims).toEqual({ service: 'atlas-janitor' });
    const dimensionNames = new Set<string>([...Object.values(RUN_DIMENSIONS), 'service']);
    for (const s of searches) {
      expect(s.schema[0]).toBe('AtlasJanitor');
      for (const d of s.schema.slice(1)) expect(dimensionNames.has(d)).toBe(true);
    }
    const functionNames = ofType('AWS::Lambda::Function').map(([, f]) => f.Properties.FunctionName as string).sort();
    const onLambda = (metric: string) => [...new Set(metrics.filter((m) => m.namespace === 'AWS/Lambda' && m.name === metric).map((m) => m.dims['FunctionName']!))].sort();
    expect(onLambda('Errors')).toEqual(functionNames);
    expect(onLambda('Duration')).toEqual(functionNames);
    const queueNames = ofType('AWS::SQS::Queue').map(([, q]) => q.Properties.QueueName as string).sort();
    const depths = [...new Set(metrics.filter((m) => m.namespace === 'AWS/SQS' && m.name === 'ApproximateNumberOfMessagesVisible').map((m) => m.dims['QueueName']!))].sort();
    expect(depths).toEqual(queueNames);
  });

  it('keeps function and class names in the minified bundles, so errors and stack frames read in CloudWatch', () => {
    const bundle = readZipText(join(dir, 'sweep.zip'));
    // esbuild's keepNames: the names a minifier would shorten are kept as strings beside the code.
    for (const name of ['parseSweepEvent', 'MessageValidationError', 'inlineSweep']) expect({ name, kept: bundle.includes(`"${name}"`) }).toEqual({ name, kept: true });
  });

  it('bundles no simulator, local tooling or test code into any function', () => {
    const zips = readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual(['report.zip', 'scan.zip', 'sweep.zip', 'worker.zip']);
    for (const zip of zips) {
      const bundle = readZipText(join(dir, zip));
      expect(bundle.length).toBeGreaterThan(10_000);
      for (const marker of ['Atlas simulator', 'MMS Public API', '_janitorOrphans', 'startSimulator', 'fauxqs', 'LocalPoller', 'vitest', 'fast-check', 'generateEstate']) {
        expect({ zip, marker, found: bundle.includes(marker) }).toEqual({ zip, marker, found: false });
      }
    }
  });
});

/** The concatenated text of every file in a zip (small archives; uses the system unzip). */
function readZipText(path: string): string {
  const { execFileSync } = require('node:child_process') as typeof import('node:child_process');
  return execFileSync('unzip', ['-p', path], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
}

describe('docs/console.md against atlas-janitor dev', () => {
  let dev: ChildProcessWithoutNullStreams;
  let devOutput = '';
  /** What the user's second shell holds after pasting the export lines `dev` printed. */
  let shell: Record<string, string>;

  /** The console page: every `npx` line of its second sh block, as the user runs them. */
  const commands = [...consolePage.matchAll(/```sh\n([\s\S]*?)```/g)][1]![1]!.split('\n').filter((line) => line.startsWith('npx '));
  const lineFor = (prefix: string) => commands.find((c) => c.startsWith(prefix))!;

  /** A documented line run the way the shell would, with the pasted exports (simple words, "--param=..." quoted). */
  async function runLine(line: string, typedBefore: Record<string, string> = {}): Promise<{ code: number; out: string }> {
    const words = (line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((w) => w.replace(/"/g, ''));
    expect(words[0]).toBe('npx');
    const bin = words[1] === 'sls' ? SLS : words[1] === 'atlas-janitor' ? JANITOR : undefined;
    expect(bin, line).toBeDefined();
    try {
      const { stdout, stderr } = await run(process.execPath, [bin!, ...words.slice(2)], { cwd: ROOT, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...shell, ...typedBefore }, maxBuffer: 32 * 1024 * 1024 });
      return { code: 0, out: stdout + stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  beforeAll(async () => {
    dev = spawn(process.execPath, [JANITOR, 'dev'], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    dev.stderr.on('data', (chunk: Buffer) => void (devOutput += chunk.toString()));
    await new Promise<void>((ready, failed) => {
      dev.stdout.on('data', (chunk: Buffer) => {
        devOutput += chunk.toString();
        if (/^ready$/m.test(devOutput)) ready();
      });
      dev.once('exit', (code) => failed(new Error(`atlas-janitor dev exited (${code}) before it was ready:\n${devOutput}`)));
    });
    shell = {};
    for (const line of devOutput.split('\n').filter((l) => l.startsWith('export '))) {
      for (const [, name, value] of line.matchAll(/(\w+)=('[^']*'|\S*)/g)) shell[name!] = value!.replace(/^'(.*)'$/, '$1');
    }
    // The functions' own log lines are part of what these tests read (the user's shell has no level set).
    shell['POWERTOOLS_LOG_LEVEL'] = 'INFO';
  }, 60_000);
  afterAll(async () => {
    if (dev?.exitCode === null) {
      const exited = new Promise((r) => dev.once('exit', r));
      dev.kill('SIGTERM');
      await exited;
    }
  });

  it('prints the exports the functions, history and the CLI need, and the scenario\'s credentials', () => {
    expect(Object.keys(shell).sort()).toEqual(
      [
        'ATLAS_BASE_URL', 'AWS_ACCESS_KEY_ID', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SQS', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'LEDGER_TABLE',
        'LOCAL_ATLAS_SECRET_IDS', 'LOCAL_DELETE_DLQ_URL', 'LOCAL_DELETE_QUEUE_URL', 'LOCAL_REPORT_BUCKET', 'LOCAL_SCAN_DLQ_URL', 'LOCAL_SCAN_QUEUE_URL', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_PUBLIC_API_KEY', 'POWERTOOLS_LOG_LEVEL',
      ].sort(),
    );
    expect(shell['LEDGER_TABLE']).toBe('atlas-janitor-dev-ledger');
    expect(shell['MONGODB_ATLAS_PUBLIC_API_KEY']).toBe(DEMO.apiKey.publicKey);
    expect(devOutput).toContain(`MONGODB_ATLAS_CLIENT_ID=${DEMO.serviceAccount.clientId} MONGODB_ATLAS_CLIENT_SECRET=${DEMO.serviceAccount.clientSecret}`);
  });

  it('runs every file in events/', () => {
    const invoked = commands.map((c) => / -p events\/(\S+)/.exec(c)?.[1]).filter(Boolean).sort();
    expect(invoked).toEqual(readdirSync(resolve(ROOT, 'events')).sort());
  });

  /** The handler's result: the pretty-printed JSON block sls prints last (log lines are one-line JSON). */
  const output = (out: string): Json => {
    const lines = out.split('\n');
    const start = lines.lastIndexOf('{');
    const end = lines.indexOf('}', start);
    return JSON.parse(lines.slice(start, end + 1).join('\n'));
  };

  it('scheduled-sweep.json queues one scan per project', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f sweep -p events/scheduled-sweep.json'));
    expect(code, out).toBe(0);
    expect(output(out)).toMatchObject({ mode: 'dry-run', projectsSeen: 6, projectsQueued: 6, errors: [] });
    // dev consumes the scan queue as Lambda would: the six queued scans are carried out, one line per batch.
    const scansHandled = () => [...devOutput.matchAll(/^\[consumer\] scan: (\d+) scan request\(s\) handled$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    for (let waited = 0; scansHandled() < 6 && waited < 30_000; waited += 250) await new Promise((r) => setTimeout(r, 250));
    expect(scansHandled(), devOutput).toBeGreaterThanOrEqual(6);
  }, 90_000);

  it('manual-dry-run-sweep.json queues scans in dry-run', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f sweep -p events/manual-dry-run-sweep.json'));
    expect(code, out).toBe(0);
    expect(output(out)).toMatchObject({ mode: 'dry-run', projectsQueued: 6 });
  }, 90_000);

  it('inline-scan.json returns the report of the two projects it names', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f sweep -p events/inline-scan.json'));
    expect(code, out).toBe(0);
    const report = output(out);
    expect(report.projects.map((p: Json) => p.projectName)).toEqual(['payments-prod', 'payments-staging']);
    expect(report.candidates.length).toBe(8);
  }, 90_000);

  it('sqs-scan-request.json scans its project with no batch failure', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f scan -p events/sqs-scan-request.json'));
    expect(code, out).toBe(0);
    expect(output(out)).toEqual({ batchItemFailures: [] });
    expect(out).toContain('"message":"project scanned"');
  }, 90_000);

  it('sqs-delete-job.json deletes the rejected endpoint it names, in enforce mode, and history shows it', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f worker -p events/sqs-delete-job.json'));
    expect(code, out).toBe(0);
    expect(output(out)).toEqual({ batchItemFailures: [] });
    expect(out).toContain('"outcome":"deleted"');
    const history = await runLine(lineFor('npx atlas-janitor history'));
    expect(history.code, history.out).toBe(0);
    expect(history.out).toMatch(/406ff261a3beb006b009990c +privateEndpoint +vpce-e5e8d8a08ed888165 +rejected-aws-endpoint +1 +deleted +-/);
  }, 90_000);

  it('malformed-sweep.json fails naming the bad field', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f sweep -p events/malformed-sweep.json'));
    expect(code).not.toBe(0);
    expect(out).toMatch(/projectIds\.0: must be 24 lowercase hexadecimal characters/);
  }, 90_000);

  it('malformed-scan-request.json goes to the scan DLQ at once, and its log names the bad field', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f scan -p events/malformed-scan-request.json'));
    expect(code, out).toBe(0);
    expect(output(out)).toEqual({ batchItemFailures: [] });
    expect(out).toMatch(/"message":"scan request rejected".*"field":"projectId"/);
    const sqs = new SQSClient({ endpoint: shell['AWS_ENDPOINT_URL_SQS'], region: shell['AWS_REGION'], credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, useQueueUrlAsEndpoint: false });
    const dlq = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: shell['LOCAL_SCAN_DLQ_URL'], AttributeNames: ['ApproximateNumberOfMessages'] }));
    sqs.destroy();
    expect(dlq.Attributes?.['ApproximateNumberOfMessages']).toBe('1');
  }, 90_000);

  it('scheduled-sweep.json fails the invocation when Atlas refuses the key, without printing it', async () => {
    // The documented line with a wrong private key; the suite switches metrics off (vitest.config.mts), and
    // this case asserts one, so it switches them on.
    const { code, out } = await runLine(lineFor('npx sls invoke local -f sweep -p events/scheduled-sweep.json'), { MONGODB_ATLAS_PRIVATE_API_KEY: 'not-the-private-key', POWERTOOLS_METRICS_DISABLED: 'false' });
    expect(code).not.toBe(0);
    expect(out).toMatch(/RunFailedError/);
    expect(out).toMatch(/environment: Atlas refused the credentials \(401 UNAUTHORIZED/);
    expect(out).toMatch(/"CredentialsFailures"/);
    expect(out).not.toContain('not-the-private-key');
  }, 90_000);

  it('the CLI scans the stack with the same exports, its ledger included', async () => {
    const { code, out } = await runLine(lineFor('npx atlas-janitor scan'));
    expect(code, out).toBe(0);
    expect(out).toMatch(/^sweep sweep-\S+ \(dry-run\)$/m);
    // The ledger remembers the earlier sweeps' marks: waiting rows have a first-seen time.
    expect(out).toMatch(/marked, waiting for their grace period/);
    expect(out).toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +\d{4}-/);
  }, 90_000);
});
