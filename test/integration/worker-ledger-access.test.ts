import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clearAuthCaches } from '../../lib/atlas';
import type { DocumentSender } from '../../lib/aws/clients';
import { loadConfig } from '../../lib/config';
import { CredentialStore, clientFactory } from '../../lib/credentials';
import type { DeleteJob } from '../../lib/jobs';
import { DynamoLedger } from '../../lib/ledger';
import { inlineSweep, type JanitorDeps } from '../../lib/run';
import { jobActor } from '../../lib/worker';
import { startLocalDynamo, type LocalDynamo } from '../../tools/local/dynamo';
import { startSimulator, type Simulator } from '../../tools/simulator';
import { DEMO } from '../support/demo';
import { DEMO_SCENARIO_PATH } from '../support/sim-http';

// The worker in a plan-mode stack deletes a job only when an approval in the ledger lists it (a planId
// is something any sender can write), and every ledger call it makes is one its role allows: dynalite
// checks no permissions, so the calls are recorded and held against the worker's role in serverless.yml.
// Also: what a run says of the organizations it read, when Atlas lists them, fails to, or may not.

type Json = Record<string, any>;
const ACTIONS: Record<string, string> = { GetCommand: 'dynamodb:GetItem', PutCommand: 'dynamodb:PutItem', UpdateCommand: 'dynamodb:UpdateItem', QueryCommand: 'dynamodb:Query', DeleteCommand: 'dynamodb:DeleteItem' };

/** The worker role's DynamoDB statements, as serverless.yml writes them: action → the leading keys allowed (undefined: any). */
function workerDynamoGrants(): Map<string, string[] | undefined> {
  const template = parse(readFileSync(resolve(__dirname, '../../serverless.yml'), 'utf8')) as Json;
  const statements = (template.resources.Resources.WorkerRole.Properties.Policies as Json[]).flatMap((p) => p.PolicyDocument.Statement as unknown[]);
  const grants = new Map<string, string[] | undefined>();
  for (const st of statements) {
    if (typeof st !== 'object' || st === null) continue;
    for (const action of [(st as Json).Action].flat() as string[]) {
      if (action.startsWith('dynamodb:')) grants.set(action, (st as Json).Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']);
    }
  }
  return grants;
}

const allowedBy = (patterns: string[] | undefined, key: string) => patterns === undefined || patterns.some((p) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key));

let sim: Simulator;
let dynamo: LocalDynamo;
let ledger: DynamoLedger;
const sent: { action: string; key: string }[] = [];

beforeAll(async () => {
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, stuckDeletes: true });
  dynamo = await startLocalDynamo();
  await dynamo.createLedgerTable('worker-access');
  const recording: DocumentSender = {
    send: ((command: { constructor: { name: string }; input: Json }) => {
      const key = command.input.Key?.pk ?? command.input.Item?.pk ?? '';
      sent.push({ action: ACTIONS[command.constructor.name] ?? command.constructor.name, key: String(key) });
      return dynamo.documents.send(command as never);
    }) as DocumentSender['send'],
  };
  ledger = new DynamoLedger(recording, 'worker-access');
});
afterAll(async () => {
  await dynamo?.stop();
  await sim?.stop();
});
beforeEach(() => clearAuthCaches());

function deps(mode: 'enforce' | 'plan'): JanitorDeps {
  return {
    config: loadConfig({ ATLAS_BASE_URL: sim.url, JANITOR_MODE: mode, MAX_DELETIONS_PER_RUN: '100', GRACE_PERIODS: 'default=0' }),
    credentials: new CredentialStore({ ttlMs: 60_000, env: { MONGODB_ATLAS_PUBLIC_API_KEY: DEMO.apiKey.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: DEMO.apiKey.privateKey } }),
    makeClient: clientFactory({ baseUrl: sim.url, concurrency: 4 }),
    ledger,
    now: Date.now,
    newSweepId: () => 'sweep-20261203T170000-access01',
  };
}

const planJob = (job: DeleteJob, planId: string): DeleteJob => ({ ...job, mode: 'enforce', planId, sweepId: planId, requestedBy: 'ana' });
const deletes = () => sim.log.filter((e) => e.method === 'DELETE');

describe('the worker in a plan-mode stack', () => {
  it('deletes a plan\'s job only when the ledger\'s approval lists it; a planId alone deletes nothing', async () => {
    const { jobs } = await inlineSweep(deps('enforce'), { projectIds: [DEMO.project('payments-prod').id] }, { enqueue: false });
    const [listed, unlisted, unknownPlan] = jobs.filter((j) => j.kind !== 'privateEndpointService');
    const planId = 'sweep-20261203T170000-plan0001';
    await ledger.claimPlan({ planId, digest: 'a'.repeat(64), approvedBy: 'ana', at: new Date().toISOString(), excluded: [], jobIds: [listed!.jobId] });
    const actor = jobActor(deps('plan'));
    sim.clearLog();
    sent.length = 0; // from here on, only the worker's calls

    expect(await actor(planJob(unlisted!, planId))).toMatchObject({ outcome: 'deadLetter', errorCode: 'NOT_APPROVED', reason: expect.stringContaining(`plan ${planId}'s approval (by ana) does not list this job`) });
    expect(await actor(planJob(unknownPlan!, 'sweep-20261203T170000-forged01'))).toMatchObject({ outcome: 'deadLetter', errorCode: 'NOT_APPROVED', reason: expect.stringContaining('has no approval that lists this job') });
    expect(deletes()).toEqual([]);
    expect(await actor(planJob(listed!, planId))).toMatchObject({ outcome: 'deleted' });
    expect(deletes()).toHaveLength(1);
  }, 30_000);

  it('makes only the DynamoDB calls its role in serverless.yml allows, on the keys it allows', async () => {
    const grants = workerDynamoGrants();
    expect(sent.length).toBeGreaterThan(0);
    const worker = sent;
    // The approval read and the refusal check at least: the calls an UpdateItem-only role refused.
    expect(worker.map((s) => `${s.action} ${s.key.split('#')[0]}#`)).toEqual(expect.arrayContaining(['dynamodb:GetItem PLAN#', 'dynamodb:GetItem S#']));
    for (const call of worker) {
      expect(grants.has(call.action), call.action).toBe(true);
      expect(allowedBy(grants.get(call.action), call.key), `${call.action} ${call.key}`).toBe(true);
    }
  });
});

const PLATFORM = (JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8')) as Json).orgs.find((o: Json) => o.name === 'Platform').id as string;

describe('the organizations a run read', () => {
  it('names them when Atlas lists them, reports a failure to list them, and passes over a key that may not', async () => {
    const d = { ...deps('enforce'), ledger: undefined, makeClient: clientFactory({ baseUrl: sim.url, concurrency: 4, retry: { maxAttempts: 1 } }) };
    const projectIds = [DEMO.project('payments-prod').id];

    const named = (await inlineSweep(d, { projectIds }, { enqueue: false })).report;
    expect(named.atlas?.organizations).toEqual([{ id: PLATFORM, name: 'Platform' }]);
    expect(named.errors).toEqual([]);

    sim.addFault({ match: { operationId: 'listOrgs' }, status: 503 });
    clearAuthCaches();
    const failed = (await inlineSweep(d, { projectIds }, { enqueue: false })).report;
    sim.clearFaults();
    expect(failed.atlas?.organizations).toEqual([{ id: PLATFORM }]);
    expect(failed.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^organization names not read \(the page shows their ids\): Atlas answered 503/) })]);
    expect(failed.candidates.length).toBe(named.candidates.length);

    sim.addFault({ match: { operationId: 'listOrgs' }, status: 403, errorCode: 'FORBIDDEN' });
    clearAuthCaches();
    const refused = (await inlineSweep(d, { projectIds }, { enqueue: false })).report;
    sim.clearFaults();
    expect(refused.errors).toEqual([]);
    expect(refused.candidates.length).toBe(named.candidates.length);
  }, 30_000);
});
