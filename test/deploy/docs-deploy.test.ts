import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { codeBlocks, docPage, docPages, shellLines, shellWords } from '../support/docs';

// The stack's own parameter check (a local Serverless plugin, plain CommonJS).
const { checkTemplate } = require('../../deploy/check-params.js') as { checkTemplate: (template: Json) => void };

const ROOT = resolve(__dirname, '../..');
const SLS = resolve(ROOT, 'node_modules/osls/bin/serverless.js');
const run = promisify(execFile);
type Json = Record<string, any>;

const deployPage = docPage('deploy.md');

async function sls(args: string[], cwd = ROOT): Promise<string> {
  const { stdout, stderr } = await run(process.execPath, [SLS, ...args], { cwd, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, maxBuffer: 32 * 1024 * 1024 });
  return stdout + stderr;
}

/** The Serverless CLI's exit code and output, for a command expected to fail. */
async function slsFailing(args: string[]): Promise<{ code: number; out: string }> {
  try {
    return { code: 0, out: await sls(args) };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** A CloudFormation condition made of Fn::Not / Fn::Equals over literals, as the packaged template holds them. */
function holds(condition: Json): boolean {
  if ('Fn::Not' in condition) return !holds(condition['Fn::Not'][0]);
  if ('Fn::Equals' in condition) return condition['Fn::Equals'][0] === condition['Fn::Equals'][1];
  throw new Error(`not a literal condition: ${JSON.stringify(condition)}`);
}

/** Every stage parameter serverless.yml and its fragments read, with or without a default. */
function stageParameters(): Set<string> {
  const sources = ['serverless.yml', 'deploy/iam.yml', 'deploy/alarms.yml', 'deploy/reports.yml', 'deploy/dashboard.yml'].map((f) => readFileSync(resolve(ROOT, f), 'utf8'));
  const names = new Set(Object.keys((parseYaml(sources[0]!) as Json)['params']['default']));
  for (const text of sources) for (const m of text.matchAll(/param:(\w+)/g)) names.add(m[1]!);
  return names;
}

/** The first-column names of the deploy guide's stage parameter table. */
function documentedParameters(): Set<string> {
  const table = deployPage.slice(deployPage.indexOf('## Stage parameters'));
  const names = new Set<string>();
  for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) {
    for (const m of row.split('|')[1]!.matchAll(/`(\w+)`/g)) names.add(m[1]!);
  }
  return names;
}

describe('docs/deploy.md against serverless.yml', () => {
  it('documents every stage parameter serverless.yml reads, and no parameter it does not', () => {
    const used = stageParameters();
    const documented = documentedParameters();
    expect([...used].filter((p) => !documented.has(p)), 'stage parameters missing from docs/deploy.md').toEqual([]);
    expect([...documented].filter((p) => !used.has(p)), 'documented parameters serverless.yml does not read').toEqual([]);
  });

  it('deploys with the stage name alone, so step 6 cannot land in another region or with other secrets than step 3', () => {
    const lines = shellLines(deployPage, 'npx sls ');
    expect(lines.filter((l) => l.startsWith('npx sls deploy'))).toHaveLength(2);
    for (const line of lines) {
      const words = shellWords(line);
      expect(words.filter((w) => /^--(region|param|config)\b|^-r$/.test(w)), line).toEqual([]);
      expect(words.slice(words.indexOf('--stage'), words.indexOf('--stage') + 2), line).toEqual(['--stage', 'prod']);
    }
  });

  it('has a stage block that the Serverless CLI resolves to its region, secrets and mode', async () => {
    const [block] = codeBlocks(deployPage, 'yaml');
    const stage = (parseYaml(block!) as Json)['params']['prod'];
    expect(Object.keys(stage).sort()).toEqual(['mode', 'region', 'secretArns']);
    // A copy of the service with the block added beside `default:`, as step 2 tells the user to do.
    const dir = mkdtempSync(join(tmpdir(), 'janitor-stage-'));
    cpSync(resolve(ROOT, 'deploy'), join(dir, 'deploy'), { recursive: true });
    cpSync(resolve(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(resolve(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const indented = block!.split('\n').slice(1).join('\n');
    writeFileSync(join(dir, 'serverless.yml'), readFileSync(resolve(ROOT, 'serverless.yml'), 'utf8').replace(/^params:\n/m, `params:\n${indented}`));
    const printed = JSON.parse(await sls(['print', '--stage', 'prod', '--format', 'json'], dir)) as Json;
    expect(printed['provider']['region']).toBe(stage.region);
    expect(printed['provider']['environment']['ATLAS_SECRET_IDS']).toBe(stage.secretArns);
    expect(printed['provider']['environment']['JANITOR_MODE']).toBe(stage.mode);
  }, 60_000);
});

describe('sls package with the optional parameters (cross-account senders, VPC, notifications)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-package-options-'));
  const senders = ['210987654321', '109876543210'];
  let template: Json;
  let defaults: Json;

  beforeAll(async () => {
    const params = [`scanSenderAccountIds=${senders.join(',')}`, 'vpcSubnetIds=subnet-0a1b2c3d,subnet-4e5f6a7b', 'vpcSecurityGroupIds=sg-0c1d2e3f', 'notifyTopicArn=arn:aws:sns:us-east-1:123456789012:janitor-notes'];
    await sls(['package', '--stage', 'ci', '--package', dir, ...params.map((p) => `--param=${p}`)]);
    template = JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
    const plain = mkdtempSync(join(tmpdir(), 'janitor-package-plain-'));
    await sls(['package', '--stage', 'ci', '--package', plain]);
    defaults = JSON.parse(readFileSync(join(plain, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 120_000);

  it('lets the named accounts, and only them, send to the scan queue and nothing else', () => {
    const policy = template['Resources']['ScanQueuePolicy'];
    expect(holds(template['Conditions'][policy.Condition])).toBe(true);
    expect(policy.Properties.Queues).toEqual([{ Ref: 'ScanQueue' }]);
    const [statement, ...others] = policy.Properties.PolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(statement.Principal.AWS).toEqual({ 'Fn::Split': [',', senders.join(',')] });
    expect(statement.Action.every((a: string) => ['sqs:SendMessage', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes'].includes(a))).toBe(true);
    expect(statement.Resource).toEqual({ 'Fn::GetAtt': ['ScanQueue', 'Arn'] });
    const queuePolicies = Object.values(template['Resources'] as Json).filter((r) => r.Type === 'AWS::SQS::QueuePolicy');
    expect(queuePolicies).toHaveLength(1);
  });

  it('has no queue policy in effect without the parameter', () => {
    const policy = defaults['Resources']['ScanQueuePolicy'];
    expect(holds(defaults['Conditions'][policy.Condition])).toBe(false);
  });

  it('puts the three functions that call Atlas in the VPC, with the network-interface policy, and leaves the report function out', () => {
    expect(holds(template['Conditions']['InVpc'])).toBe(true);
    expect(holds(defaults['Conditions']['InVpc'])).toBe(false);
    for (const fn of ['SweepLambdaFunction', 'ScanLambdaFunction', 'WorkerLambdaFunction']) {
      const [condition, inVpc] = template['Resources'][fn].Properties.VpcConfig['Fn::If'];
      expect(condition).toBe('InVpc');
      expect(inVpc).toEqual({ SubnetIds: { 'Fn::Split': [',', 'subnet-0a1b2c3d,subnet-4e5f6a7b'] }, SecurityGroupIds: { 'Fn::Split': [',', 'sg-0c1d2e3f'] } });
    }
    expect(template['Resources']['ReportLambdaFunction'].Properties.VpcConfig).toBeUndefined();
    for (const role of ['SweepRole', 'ScanRole', 'WorkerRole']) {
      const [, inVpc, outside] = template['Resources'][role].Properties.ManagedPolicyArns['Fn::If'];
      expect(inVpc).toContain('arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole');
      expect(outside).not.toContain('arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole');
    }
  });

  it('outputs every stack output the docs name, the alarm and notification topics included', () => {
    const outputs = new Set(Object.keys(template['Outputs']));
    expect(holds(defaults['Conditions'][defaults['Outputs']['NotifyTopicArn'].Condition])).toBe(false);
    expect(template['Outputs']['NotifyTopicArn'].Value).toBe('arn:aws:sns:us-east-1:123456789012:janitor-notes');
    expect(template['Outputs']['AlarmTopicArn'].Value).toEqual({ 'Fn::If': ['CreateAlarmTopic', { Ref: 'AlarmTopic' }, ''] });
    const named = new Set<string>();
    for (const page of Object.values(docPages())) {
      for (const m of page.matchAll(/OutputKey=='(\w+)'/g)) named.add(m[1]!);
      for (const m of page.matchAll(/stack output `(\w+)`/g)) named.add(m[1]!);
    }
    const table = deployPage.slice(deployPage.indexOf('| output |'), deployPage.indexOf('## 4.'));
    for (const row of table.split('\n').filter((l) => l.startsWith('| `'))) for (const m of row.split('|')[1]!.matchAll(/`(\w+)`/g)) named.add(m[1]!);
    expect(named.size).toBeGreaterThan(5);
    expect([...named].filter((o) => !outputs.has(o))).toEqual([]);
  });
});

describe('the stage parameters CloudFormation would refuse late', () => {
  /** A template as serverless.yml compiles it, with these parameter values. */
  const template = (senders: string, subnets: string, groups: string): Json => ({
    Conditions: {
      HasScanSenders: { 'Fn::Not': [{ 'Fn::Equals': [senders, ''] }] },
      InVpc: { 'Fn::Not': [{ 'Fn::Equals': [subnets, ''] }] },
    },
    Resources: { SweepLambdaFunction: { Properties: { VpcConfig: { 'Fn::If': ['InVpc', { SubnetIds: { 'Fn::Split': [',', subnets] }, SecurityGroupIds: { 'Fn::Split': [',', groups] } }, { Ref: 'AWS::NoValue' }] } } } },
  });

  it.each([
    [['12345', '', ''], 'scanSenderAccountIds: "12345" is not a 12-digit AWS account id'],
    [['210987654321, 109876543210', '', ''], 'scanSenderAccountIds: " 109876543210" is not a 12-digit AWS account id'],
    [['', 'subnet-0a1b2c3d', ''], 'vpcSecurityGroupIds: is required with vpcSubnetIds'],
    [['', '', 'sg-0c1d2e3f'], 'vpcSubnetIds: is required with vpcSecurityGroupIds'],
    [['', 'vpc-0a1b2c3d', 'sg-0c1d2e3f'], 'vpcSubnetIds: "vpc-0a1b2c3d" is not a subnet id'],
    [['', 'subnet-0a1b2c3d', 'sg-0c1d2e3f,default'], 'vpcSecurityGroupIds: "default" is not a security group id'],
  ])('refuses %j, naming the parameter', ([senders, subnets, groups], message) => {
    expect(() => checkTemplate(template(senders!, subnets!, groups!))).toThrow(`stage parameter ${message}`);
  });

  it('accepts well-formed values and the defaults', () => {
    expect(() => checkTemplate(template('', '', ''))).not.toThrow();
    expect(() => checkTemplate(template('210987654321,109876543210', 'subnet-0a1b2c3d,subnet-4e5f6a7b', 'sg-0c1d2e3f'))).not.toThrow();
  });

  it('stops sls package (so sls deploy) before anything is uploaded', async () => {
    const { code, out } = await slsFailing(['package', '--stage', 'ci', '--package', mkdtempSync(join(tmpdir(), 'janitor-bad-param-')), '--param=scanSenderAccountIds=12345']);
    expect(code).not.toBe(0);
    expect(out).toContain('stage parameter scanSenderAccountIds: "12345" is not a 12-digit AWS account id');
  }, 60_000);
});
