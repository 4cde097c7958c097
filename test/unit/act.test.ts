import { describe, expect, it } from 'vitest';
import type { Provider } from '../../lib/atlas';
import { loadConfig } from '../../lib/config';
import { jobIdFor, type DeleteJob } from '../../lib/jobs';
import { LAST_PEER_SETTING, type ResourceRef, type RuleName } from '../../lib/kinds';
import { NO_PROTECTIONS, parseRegistry, protectionsFor } from '../../lib/protections';
import { actOnJob } from '../../lib/worker/act';
import { FakeAtlas, atlasError, ok, page, proxy404, route, type Answer } from '../support/fake-atlas';

// The worker's only path to a DELETE: each test prepares what Atlas answers now, acts on one job, and
// checks both the outcome and whether a DELETE went out.

const P = 'a'.repeat(24);
const PEER = 'b'.repeat(24);
const OTHER_PEER = 'c'.repeat(24);
const SERVICE = 'd'.repeat(24);
const LINK = 'e'.repeat(24);
const VPCE = 'vpce-0123456789abcdef0';

const enforcing = (env: Record<string, string> = {}) => loadConfig({ JANITOR_MODE: 'enforce', ...env });

function jobOf(ref: ResourceRef, rule: RuleName, state: string, extra: Partial<DeleteJob> = {}): DeleteJob {
  return {
    type: 'delete',
    jobId: jobIdFor(ref),
    projectId: ref.projectId,
    kind: ref.kind,
    ...(ref.provider ? { provider: ref.provider } : {}),
    ids: ref.ids,
    rule,
    evidence: { state, fields: {} },
    apiVersion: 'v2',
    sweepId: 's',
    mode: 'enforce',
    ...extra,
  };
}

const peerRef = (id = PEER, provider: Provider = 'AWS'): ResourceRef => ({ projectId: P, kind: 'networkPeering', provider, ids: { peerId: id } });
const awsPeerJob = (rule: RuleName = 'failed-aws-peer', extra: Partial<DeleteJob> = {}) => jobOf(peerRef(), rule, 'FAILED', extra);
const serviceJob = () => jobOf({ projectId: P, kind: 'privateEndpointService', provider: 'AWS', ids: { endpointServiceId: SERVICE } }, 'failed-endpoint-service', 'FAILED');
const streamsJob = () => jobOf({ projectId: P, kind: 'streamsPrivateLink', ids: { connectionId: LINK } }, 'failed-streams-private-link', 'FAILED');
const endpointJob = () =>
  jobOf({ projectId: P, kind: 'privateEndpoint', provider: 'AWS', ids: { endpointServiceId: SERVICE, endpointId: VPCE } }, 'rejected-aws-endpoint', 'REJECTED');

const awsPeer = (id: string, statusName: string, extra: Record<string, unknown> = {}) => ({ id, containerId: 'f'.repeat(24), providerName: 'AWS', statusName, ...extra });
const service = (status: string, interfaceEndpoints: string[] = []) => ({ id: SERVICE, cloudProvider: 'AWS', status, interfaceEndpoints });

/** A fake Atlas where the job's AWS peer reads as `statusName` and is the only AWS peer, and no access list entry is a security group. */
function atlasWithPeer(statusName: string, extra: Record<string, unknown> = {}): FakeAtlas {
  return new FakeAtlas()
    .on('GET', route.peer(P, PEER), ok(awsPeer(PEER, statusName, extra)))
    .on('GET', route.peers(P), page([awsPeer(PEER, statusName)]))
    .on('GET', route.accessList(P), page([{ cidrBlock: '10.0.0.0/16' }]))
    .on('DELETE', route.peer(P, PEER), ok());
}

const act = (atlas: FakeAtlas, job: DeleteJob, config = enforcing(), registry = NO_PROTECTIONS) => actOnJob(job, atlas.context(), config, registry);

describe('actOnJob: the mode', () => {
  it.each([
    ['a dry-run job on an enforcing worker', 'dry-run', 'enforce'],
    ['an enforcing job on a dry-run worker', 'enforce', 'dry-run'],
    ['a dry-run job on a dry-run worker', 'dry-run', 'dry-run'],
  ] as const)('neither reads nor deletes for %s', async (_what, jobMode, workerMode) => {
    const atlas = atlasWithPeer('FAILED');

    const outcome = await act(atlas, awsPeerJob('failed-aws-peer', { mode: jobMode }), loadConfig({ JANITOR_MODE: workerMode }));

    expect(outcome).toEqual({ outcome: 'dryRun' });
    expect(atlas.requests).toEqual([]);
  });

  it('deletes when both the job and the worker enforce and the resource still qualifies', async () => {
    const atlas = atlasWithPeer('FAILED');

    const outcome = await act(atlas, awsPeerJob());

    expect(outcome).toEqual({ outcome: 'deleted' });
    expect(atlas.deletes).toEqual([route.peer(P, PEER)]);
  });

  it('in plan mode deletes only the jobs of an approved plan', async () => {
    const planning = loadConfig({ JANITOR_MODE: 'plan' });
    const unplanned = atlasWithPeer('FAILED');
    expect(await act(unplanned, awsPeerJob(), planning)).toEqual({ outcome: 'dryRun' });
    expect(unplanned.requests).toEqual([]);

    const approved = atlasWithPeer('FAILED');
    expect(await act(approved, awsPeerJob('failed-aws-peer', { planId: 'sweep-plan-1' }), planning)).toEqual({ outcome: 'deleted' });
    expect(approved.deletes).toEqual([route.peer(P, PEER)]);
  });
});

describe('actOnJob: a planned job against its evidence', () => {
  it('ends drifted, without a DELETE, when the state read now is not the state the plan read, even if a rule still matches', async () => {
    // Planned as FAILED; now it is a pending peer past nothing: another state, whatever the rules say of it.
    const atlas = atlasWithPeer('FAILED');
    const job = awsPeerJob('failed-aws-peer', { planId: 'sweep-plan-1', evidence: { state: 'PENDING_ACCEPTANCE', fields: {} } });

    expect(await act(atlas, job)).toEqual({ outcome: 'drifted', reason: 'changed since plan sweep-plan-1: state PENDING_ACCEPTANCE → FAILED' });
    expect(atlas.deletes).toEqual([]);
  });

  it('ends drifted when the parent service\'s state changed since the plan', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.services(P, 'AWS'), ok([service('AVAILABLE', [VPCE])]))
      .on('GET', route.service(P, 'AWS', SERVICE), ok(service('AVAILABLE', [VPCE])))
      .on('GET', route.endpoint(P, 'AWS', SERVICE, VPCE), ok({ id: VPCE, connectionStatus: 'REJECTED', cloudProvider: 'AWS' }))
      .on('DELETE', route.endpoint(P, 'AWS', SERVICE, VPCE), ok());
    const job = { ...endpointJob(), planId: 'sweep-plan-1', evidence: { state: 'REJECTED', fields: {}, parent: { id: SERVICE, status: 'FAILED' } } };

    expect(await act(atlas, job)).toEqual({ outcome: 'drifted', reason: `changed since plan sweep-plan-1: parent ${SERVICE} FAILED → ${SERVICE} AVAILABLE` });
    expect(atlas.deletes).toEqual([]);
  });
});

describe('actOnJob: the re-read before the DELETE', () => {
  it('is done without a DELETE when Atlas proves the resource gone', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, PEER), atlasError(404, 'PEER_NOT_FOUND')).on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'alreadyGone' });
    expect(atlas.deletes).toEqual([]);
  });

  it('retries without a DELETE when the 404 proves nothing', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, PEER), proxy404);

    const outcome = await act(atlas, awsPeerJob());

    expect(outcome).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('not evidence that it is gone') });
    expect(atlas.deletes).toEqual([]);
  });

  it.each([
    ['an AWS peer', () => atlasWithPeer('TERMINATING'), awsPeerJob, 'TERMINATING'],
    ['a peer whose delete was requested', () => atlasWithPeer('FAILED', { deleteRequested: true }), awsPeerJob, 'FAILED'],
    [
      'a stream link',
      () => new FakeAtlas().on('GET', route.streamsLink(P, LINK), ok({ _id: LINK, provider: 'AWS', state: 'DELETE_REQUESTED' })),
      streamsJob,
      'DELETE_REQUESTED',
    ],
  ] as const)('reports %s Atlas is already deleting as in progress, without a DELETE', async (_what, atlasFor, job, state) => {
    const atlas = atlasFor();

    expect(await act(atlas, job())).toEqual({ outcome: 'inProgress', state });
    expect(atlas.deletes).toEqual([]);
  });

  it('keeps a resource whose state no longer matches a rule, as drifted', async () => {
    const atlas = atlasWithPeer('AVAILABLE');

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'drifted', reason: 'now AVAILABLE: statusName AVAILABLE is not a failure' });
    expect(atlas.deletes).toEqual([]);
  });

  it('keeps a resource that now matches another rule than the job was planned under, as drifted', async () => {
    const atlas = atlasWithPeer('FAILED');

    expect(await act(atlas, awsPeerJob('pending-peer'))).toEqual({ outcome: 'drifted', reason: 'now matches failed-aws-peer, not pending-peer' });
    expect(atlas.deletes).toEqual([]);
  });

  it("keeps a resource protected by today's configuration", async () => {
    const atlas = atlasWithPeer('FAILED');

    const outcome = await act(atlas, awsPeerJob(), enforcing({ PROTECTED_RESOURCE_IDS: PEER }));

    expect(outcome).toEqual({ outcome: 'protected', reason: expect.stringMatching(/^protected by configuration/) });
    expect(atlas.deletes).toEqual([]);
  });

  it("keeps a resource protected by today's registry", async () => {
    const atlas = atlasWithPeer('FAILED');
    const entries = parseRegistry('test', JSON.stringify({ protections: [{ resourceId: PEER, owner: 'ops', reason: 'audit', expires: '2999-01-01' }] }));

    const outcome = await act(atlas, awsPeerJob(), enforcing(), protectionsFor(entries, { id: P }, Date.now()));

    expect(outcome).toEqual({ outcome: 'protected', reason: expect.stringMatching(/^protected by the registry: resource b+, owner ops: audit/) });
    expect(atlas.deletes).toEqual([]);
  });

  it('keeps a resource whose rule was switched off since the plan, as protected', async () => {
    const atlas = atlasWithPeer('FAILED');

    const outcome = await act(atlas, awsPeerJob(), enforcing({ DISABLED_RULES: 'failed-aws-peer' }));

    expect(outcome).toEqual({ outcome: 'protected', reason: expect.stringContaining('rule failed-aws-peer is switched off') });
    expect(atlas.deletes).toEqual([]);
  });

  it('defers an endpoint service that still lists endpoints, without a DELETE', async () => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AWS', SERVICE), ok(service('FAILED', [VPCE, 'vpce-0123456789abcdef1'])));

    expect(await act(atlas, serviceJob())).toEqual({ outcome: 'defer', reason: '2 endpoint(s) still attached' });
    expect(atlas.deletes).toEqual([]);
  });

  it('deletes an endpoint service that lists no endpoint', async () => {
    const atlas = new FakeAtlas().on('GET', route.service(P, 'AWS', SERVICE), ok(service('FAILED'))).on('DELETE', route.service(P, 'AWS', SERVICE), ok());

    expect(await act(atlas, serviceJob())).toEqual({ outcome: 'deleted' });
    expect(atlas.deletes).toEqual([route.service(P, 'AWS', SERVICE)]);
  });
});

describe('actOnJob: what the DELETE would also remove', () => {
  const withSecurityGroup = (atlas: FakeAtlas) => atlas.on('GET', route.accessList(P), page([{ awsSecurityGroup: 'sg-0123456789abcdef0', comment: 'app' }]));

  it("keeps a project's last AWS peer whose delete would remove security groups, naming the setting", async () => {
    const atlas = withSecurityGroup(atlasWithPeer('FAILED'));

    const outcome = await act(atlas, awsPeerJob());

    expect(outcome).toEqual({ outcome: 'protected', reason: expect.stringMatching(new RegExp(`sg-0123456789abcdef0 \\("app"\\); set ${LAST_PEER_SETTING}=true to allow it$`)) });
    expect(atlas.deletes).toEqual([]);
  });

  it('deletes the last AWS peer when the setting allows it, and says what went with it', async () => {
    const atlas = withSecurityGroup(atlasWithPeer('FAILED'));

    // The setting by the name the README gives it.
    const outcome = await act(atlas, awsPeerJob(), enforcing({ ALLOW_LAST_PEER_SECURITY_GROUP_REMOVAL: 'true' }));

    expect(outcome).toEqual({ outcome: 'deleted', reason: expect.stringMatching(new RegExp(`^allowed by ${LAST_PEER_SETTING}: .*1 AWS security group\\(s\\)`)) });
    expect(atlas.deletes).toEqual([route.peer(P, PEER)]);
  });

  it('deletes an AWS peer another AWS peer stays beside, without reading the access list', async () => {
    const atlas = withSecurityGroup(atlasWithPeer('FAILED')).on('GET', route.peers(P), page([awsPeer(PEER, 'FAILED'), awsPeer(OTHER_PEER, 'AVAILABLE')]));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'deleted' });
    expect(atlas.count('GET', route.accessList(P))).toBe(0);
  });
});

describe('actOnJob: a DELETE Atlas refuses', () => {
  /** The job's AWS peer still FAILED on the re-read, and the DELETE answered `answer`. */
  const refusing = (answer: Parameters<FakeAtlas['on']>[2], ...after: Parameters<FakeAtlas['on']>[2][]) => {
    const atlas = atlasWithPeer('FAILED').on('DELETE', route.peer(P, PEER), answer);
    if (after.length > 0) atlas.on('GET', route.peer(P, PEER), ok(awsPeer(PEER, 'FAILED')), ...after);
    return atlas;
  };

  it("is done when the 404 carries the kind's gone code", async () => {
    expect(await act(refusing(atlasError(404, 'PEER_NOT_FOUND')), awsPeerJob())).toEqual({ outcome: 'alreadyGone' });
  });

  it.each([
    ['no Atlas body', proxy404],
    ['a code of another kind', atlasError(404, 'STREAM_PRIVATE_LINK_NOT_FOUND')],
    ['the project code', atlasError(404, 'GROUP_NOT_FOUND')],
  ])('retries a 404 with %s: the DELETE may never have reached Atlas', async (_what, answer) => {
    const outcome = await act(refusing(answer), awsPeerJob());

    expect(outcome).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('not evidence that it is gone'), error: { name: 'UnprovenNotFoundError' } });
  });

  it("is in progress when Atlas answers the kind's already-deleting code", async () => {
    expect(await act(refusing(atlasError(409, 'PEER_ALREADY_REQUESTED_DELETION')), awsPeerJob())).toEqual({ outcome: 'inProgress', state: 'PEER_ALREADY_REQUESTED_DELETION' });
  });

  it('defers an endpoint service Atlas refuses because endpoints are still attached', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SERVICE), ok(service('FAILED')))
      .on('DELETE', route.service(P, 'AWS', SERVICE), atlasError(400, 'PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS'));

    expect(await act(atlas, serviceJob())).toEqual({ outcome: 'defer', reason: 'Atlas refused: endpoints still attached' });
  });

  it("dead-letters a peer refused with another kind's has-endpoints code, once it is still there", async () => {
    const atlas = refusing(atlasError(400, 'PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS'));

    expect(await act(atlas, awsPeerJob())).toMatchObject({ outcome: 'deadLetter', errorCode: 'PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS' });
  });

  it.each([400, 409])('looks again after an unknown %i refusal: gone is done', async (status) => {
    const atlas = refusing(atlasError(status, 'SOMETHING_NEW'), atlasError(404, 'PEER_NOT_FOUND'));
    atlas.on('GET', route.project(P), ok({ id: P, name: 'p', orgId: P }));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'alreadyGone' });
    expect(atlas.count('GET', route.peer(P, PEER))).toBe(2);
  });

  it('looks again after an unknown refusal: being deleted is in progress', async () => {
    const atlas = refusing(atlasError(409, 'SOMETHING_NEW'), ok(awsPeer(PEER, 'TERMINATING')));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'inProgress', state: 'TERMINATING' });
  });

  it('dead-letters an unknown refusal when the resource is still there as it was', async () => {
    const atlas = refusing(atlasError(409, 'SOMETHING_NEW'), ok(awsPeer(PEER, 'FAILED')));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'deadLetter', reason: expect.stringContaining('SOMETHING_NEW'), errorCode: 'SOMETHING_NEW', status: 409 });
  });

  it('dead-letters another permanent refusal without looking again', async () => {
    const atlas = refusing(atlasError(422, 'SOMETHING_NEW'));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'deadLetter', reason: expect.stringContaining('SOMETHING_NEW'), errorCode: 'SOMETHING_NEW', status: 422 });
    expect(atlas.count('GET', route.peer(P, PEER))).toBe(1);
  });

  it('retries a DELETE Atlas answered with a transient error', async () => {
    expect(await act(refusing(atlasError(503, 'SERVICE_UNAVAILABLE')), awsPeerJob())).toMatchObject({ outcome: 'retry', error: { status: 503 } });
  });

  it('passes a refusal of the credentials up to the caller', async () => {
    await expect(act(refusing(atlasError(403, 'ORG_REQUIRES_ACCESS_LIST')), awsPeerJob())).rejects.toMatchObject({ status: 403, errorCode: 'ORG_REQUIRES_ACCESS_LIST' });
  });
});

describe('actOnJob: a re-read that fails', () => {
  it('retries a transient answer without a DELETE', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, PEER), atlasError(500, 'UNEXPECTED_ERROR'));

    expect(await act(atlas, awsPeerJob())).toMatchObject({ outcome: 'retry', reason: expect.stringContaining('UNEXPECTED_ERROR') });
    expect(atlas.deletes).toEqual([]);
  });

  it('passes a refusal of the credentials up to the caller', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, PEER), atlasError(401, 'UNAUTHORIZED'));

    await expect(act(atlas, awsPeerJob())).rejects.toMatchObject({ status: 401 });
    expect(atlas.deletes).toEqual([]);
  });

  it('dead-letters an answer without the fields it relies on, with no Atlas code', async () => {
    const atlas = new FakeAtlas().on('GET', route.peer(P, PEER), ok({ statusName: 'FAILED' }));

    expect(await act(atlas, awsPeerJob())).toEqual({ outcome: 'deadLetter', reason: expect.stringContaining('Unexpected answer from Atlas') });
    expect(atlas.deletes).toEqual([]);
  });

  it('throws a fault of its own (a job missing its id) rather than calling it an Atlas outcome', async () => {
    const atlas = new FakeAtlas();

    await expect(act(atlas, { ...awsPeerJob(), ids: {} })).rejects.toThrow(TypeError);
    expect(atlas.requests).toEqual([]);
  });
});

describe('actOnJob: every kind', () => {
  it('re-reads an endpoint through its service and deletes it', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.service(P, 'AWS', SERVICE), ok(service('AVAILABLE', [VPCE])))
      .on('GET', route.endpoint(P, 'AWS', SERVICE, VPCE), ok({ cloudProvider: 'AWS', interfaceEndpointId: VPCE, connectionStatus: 'REJECTED' }))
      .on('DELETE', route.endpoint(P, 'AWS', SERVICE, VPCE), ok());

    expect(await act(atlas, endpointJob())).toEqual({ outcome: 'deleted' });
    expect(atlas.deletes).toEqual([route.endpoint(P, 'AWS', SERVICE, VPCE)]);
  });

  it('deletes a failed stream link', async () => {
    const atlas = new FakeAtlas()
      .on('GET', route.streamsLink(P, LINK), ok({ _id: LINK, provider: 'AWS', state: 'FAILED' }))
      .on('DELETE', route.streamsLink(P, LINK), ok());

    expect(await act(atlas, streamsJob())).toEqual({ outcome: 'deleted' });
    expect(atlas.deletes).toEqual([route.streamsLink(P, LINK)]);
  });
});

describe('actOnJob: the codes of each kind', () => {
  /** Per kind: a job, and a fake Atlas where its resource still qualifies and its DELETE answers `answer`. */
  const kinds = {
    privateEndpoint: {
      job: endpointJob,
      atlas: (answer: Answer) =>
        new FakeAtlas()
          .on('GET', route.service(P, 'AWS', SERVICE), ok(service('AVAILABLE', [VPCE])))
          .on('GET', route.endpoint(P, 'AWS', SERVICE, VPCE), ok({ cloudProvider: 'AWS', interfaceEndpointId: VPCE, connectionStatus: 'REJECTED' }))
          .on('DELETE', route.endpoint(P, 'AWS', SERVICE, VPCE), answer),
      alreadyDeleting: 'PRIVATE_ENDPOINT_ALREADY_DELETING',
      gone: 'PRIVATE_ENDPOINT_NOT_FOUND',
    },
    privateEndpointService: {
      job: serviceJob,
      atlas: (answer: Answer) => new FakeAtlas().on('GET', route.service(P, 'AWS', SERVICE), ok(service('FAILED'))).on('DELETE', route.service(P, 'AWS', SERVICE), answer),
      alreadyDeleting: 'PRIVATE_ENDPOINT_SERVICE_ALREADY_DELETING',
      gone: 'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND',
    },
    networkPeering: {
      job: () => awsPeerJob(),
      atlas: (answer: Answer) => atlasWithPeer('FAILED').on('DELETE', route.peer(P, PEER), answer),
      alreadyDeleting: 'PEER_ALREADY_REQUESTED_DELETION',
      gone: 'PEER_NOT_FOUND',
    },
    streamsPrivateLink: {
      job: streamsJob,
      atlas: (answer: Answer) => new FakeAtlas().on('GET', route.streamsLink(P, LINK), ok({ _id: LINK, provider: 'AWS', state: 'FAILED' })).on('DELETE', route.streamsLink(P, LINK), answer),
      alreadyDeleting: 'STREAM_PRIVATE_LINK_ALREADY_DELETING',
      gone: 'STREAM_PRIVATE_LINK_NOT_FOUND',
    },
  };
  const names = Object.keys(kinds) as (keyof typeof kinds)[];

  it.each(names)("reports a %s DELETE answered with its kind's already-deleting code as in progress", async (name) => {
    const { job, atlas, alreadyDeleting } = kinds[name];

    // 422: a status that would be final if the code did not say otherwise.
    expect(await act(atlas(atlasError(422, alreadyDeleting)), job())).toEqual({ outcome: 'inProgress', state: alreadyDeleting });
  });

  it.each(names)("dead-letters a %s DELETE answered with another kind's already-deleting code", async (name) => {
    const other = kinds[names[(names.indexOf(name) + 1) % names.length]!].alreadyDeleting;
    const { job, atlas } = kinds[name];

    expect(await act(atlas(atlasError(422, other)), job())).toMatchObject({ outcome: 'deadLetter', errorCode: other });
  });

  it.each(names)("is done when a %s DELETE answers 404 with its kind's gone code, and retries on another kind's", async (name) => {
    const { job, atlas, gone } = kinds[name];
    const other = kinds[names[(names.indexOf(name) + 1) % names.length]!].gone;

    expect(await act(atlas(atlasError(404, gone)), job())).toEqual({ outcome: 'alreadyGone' });
    expect(await act(atlas(atlasError(404, other)), job())).toMatchObject({ outcome: 'retry', error: { name: 'UnprovenNotFoundError', errorCode: other } });
  });

  it.each(names.filter((n) => n !== 'privateEndpointService'))('does not defer a %s refused with the has-endpoints code', async (name) => {
    const { job, atlas } = kinds[name];

    expect(await act(atlas(atlasError(422, 'PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS')), job())).toMatchObject({ outcome: 'deadLetter' });
  });
});
