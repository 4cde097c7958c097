import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEDGER_TABLE_DEFINITION, LEDGER_TTL_ATTRIBUTE } from '../../lib/ledger';
import { DEMO } from '../support/demo';

const ROOT = resolve(__dirname, '../..');
const SLS = resolve(ROOT, 'node_modules/osls/bin/serverless.js');
const JANITOR = resolve(ROOT, 'tools/bin/atlas-janitor.mjs');
const readme = readFileSync(resolve(ROOT, 'README.md'), 'utf8');
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

  it('defines the three functions on nodejs24.x, arm64', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([name]) => name).sort()).toEqual(['ScanLambdaFunction', 'SweepLambdaFunction', 'WorkerLambdaFunction']);
    for (const [, f] of functions) {
      expect(f.Properties.Runtime).toBe('nodejs24.x');
      expect(f.Properties.Architectures).toEqual(['arm64']);
      expect(f.Properties.Environment.Variables.JANITOR_MODE).toBe('dry-run');
    }
  });

  it('wires the schedule to sweep and both queues to their functions with partial batch responses', () => {
    const [[, rule]] = ofType('AWS::Events::Rule') as [[string, Json]];
    expect(rule.Properties.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    expect(rule.Properties.Targets[0].Arn['Fn::GetAtt'][0]).toBe('SweepLambdaFunction');
    const mappings: Record<string, Json> = Object.fromEntries(ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => [m.Properties.EventSourceArn['Fn::GetAtt'][0], m.Properties]));
    expect(Object.keys(mappings).sort()).toEqual(['DeleteQueue', 'ScanQueue']);
    expect(mappings['ScanQueue']!.FunctionName['Fn::GetAtt'][0]).toBe('ScanLambdaFunction');
    expect(mappings['DeleteQueue']!.FunctionName['Fn::GetAtt'][0]).toBe('WorkerLambdaFunction');
    for (const m of Object.values(mappings)) expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mappings['DeleteQueue']).toMatchObject({ BatchSize: 10, ScalingConfig: { MaximumConcurrency: 2 } });
    expect(mappings['ScanQueue']).toMatchObject({ BatchSize: 5, MaximumBatchingWindowInSeconds: 5 });
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

  it('alarms on the depth of each dead-letter queue', () => {
    const alarmed = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    expect(alarmed.map((a) => a.Dimensions[0].Value['Fn::GetAtt'][0]).sort()).toEqual(['DeleteDeadLetterQueue', 'ScanDeadLetterQueue']);
    for (const a of alarmed) expect(a).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', ComparisonOperator: 'GreaterThanThreshold', Threshold: 0 });
  });

  it('gives each function its own role, with no * resource on any Secrets Manager or SQS action', () => {
    const roles = Object.fromEntries(ofType('AWS::Lambda::Function').map(([name, f]) => [name, f.Properties.Role['Fn::GetAtt'][0]]));
    expect(new Set(Object.values(roles)).size).toBe(3);
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
    expect(sendsTo('SweepLambdaFunction').sort()).toEqual(['DeleteQueue', 'ScanQueue']);
    expect(sendsTo('ScanLambdaFunction')).toEqual(['DeleteQueue']);
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
    expect(dynamoActions('WorkerLambdaFunction')).toEqual(['dynamodb:UpdateItem']);
    expect(dynamoActions('ScanLambdaFunction')).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem']);
    for (const fn of Object.keys(roles)) expect(dynamoActions(fn).some((a) => a.includes('*'))).toBe(false);
  });

  it('bundles no simulator, local tooling or test code into any function', () => {
    const zips = readdirSync(dir).filter((f) => f.endsWith('.zip')).sort();
    expect(zips).toEqual(['scan.zip', 'sweep.zip', 'worker.zip']);
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

describe('the README\'s console section against atlas-janitor dev', () => {
  let dev: ChildProcessWithoutNullStreams;
  let devOutput = '';
  /** What the user's second shell holds after pasting the export lines `dev` printed. */
  let shell: Record<string, string>;

  /** The README's console section: every `npx` line of its second sh block, as the user runs them. */
  const section = readme.slice(readme.indexOf('## Invoking from the console'), readme.indexOf('**Reading the report.**'));
  const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)][1]![1]!.split('\n').filter((line) => line.startsWith('npx '));
  const lineFor = (prefix: string) => commands.find((c) => c.startsWith(prefix))!;

  /** A README line run the way the shell would, with the pasted exports (simple words, "--param=..." quoted). */
  async function runLine(line: string): Promise<{ code: number; out: string }> {
    const words = (line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((w) => w.replace(/"/g, ''));
    expect(words[0]).toBe('npx');
    const bin = words[1] === 'sls' ? SLS : words[1] === 'atlas-janitor' ? JANITOR : undefined;
    expect(bin, line).toBeDefined();
    try {
      const { stdout, stderr } = await run(process.execPath, [bin!, ...words.slice(2)], { cwd: ROOT, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', ...shell }, maxBuffer: 32 * 1024 * 1024 });
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
        'LOCAL_ATLAS_SECRET_IDS', 'LOCAL_DELETE_DLQ_URL', 'LOCAL_DELETE_QUEUE_URL', 'LOCAL_SCAN_QUEUE_URL', 'MONGODB_ATLAS_PRIVATE_API_KEY', 'MONGODB_ATLAS_PUBLIC_API_KEY', 'POWERTOOLS_LOG_LEVEL',
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
    expect(history.out).toMatch(/406ff261a3beb006b009990c +privateEndpoint +vpce-e5e8d8a08ed888165 +rejected-aws-endpoint +deleted +deleted/);
  }, 90_000);

  it('malformed-sweep.json fails naming the bad field', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f sweep -p events/malformed-sweep.json'));
    expect(code).not.toBe(0);
    expect(out).toMatch(/projectIds\.0: must be 24 lowercase hexadecimal characters/);
  }, 90_000);

  it('malformed-scan-request.json is a batch item failure whose log names the bad field', async () => {
    const { code, out } = await runLine(lineFor('npx sls invoke local -f scan -p events/malformed-scan-request.json'));
    expect(code, out).toBe(0);
    expect(output(out)).toEqual({ batchItemFailures: [{ itemIdentifier: '9c1a7f2e-3b4d-4e5f-8a6b-7c8d9e0f1a03' }] });
    expect(out).toMatch(/"field":"projectId"/);
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
