import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../tools/simulator';
import { allDigest, DEMO_SCENARIO_PATH, demoProject, type DigestSession } from '../support/sim-http';

const DELAY = 10_000;
const V2 = '/api/atlas/v2';
const V1 = '/api/atlas/v1.0';
const json = { accept: 'application/json' };

let sim: Simulator;
let api: DigestSession;
let clock: number;

async function start(extra: Partial<SimulatorOptions> = {}) {
  clock = 1_750_000_000_000;
  // Most tests here pin the scenario's mid-delete resources (stuck deletes); the last describe does not.
  sim = await startSimulator({ scenario: DEMO_SCENARIO_PATH, deleteDelayMs: DELAY, now: () => clock, stuckDeletes: true, ...extra });
  api = allDigest(sim.url);
}
afterEach(() => sim.stop());

const payments = demoProject('payments-prod');
const staging = demoProject('payments-staging');
const dataLake = demoProject('data-lake');
const analytics = demoProject('analytics-prod');
const streamsLab = demoProject('streams-lab');

const svcBase = (project: { id: string }, provider: string) => `${V2}/groups/${project.id}/privateEndpoint/${provider}/endpointService`;
const epPath = (project: { id: string }, provider: string, svcId: string, epId: string) => `${svcBase(project, provider)}/${svcId}/endpoint/${encodeURIComponent(epId)}`;

describe('private endpoint deletes', () => {
  it('shows an AWS endpoint DELETING with deleteRequested, then removes it and its id from the service', async () => {
    await start();
    const svc = payments.endpointServices[0];
    const ep = svc.endpoints[1];
    const path = epPath(payments, 'AWS', svc.id, ep.interfaceEndpointId);

    const del = await api.request(path, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expect(del.headers.get('content-type')).toBe('application/vnd.atlas.2023-01-01+json');
    expect((await api.request(path)).body).toMatchObject({ connectionStatus: 'DELETING', deleteRequested: true });
    expect((await api.request(`${svcBase(payments, 'AWS')}/${svc.id}`)).body.interfaceEndpoints).toContain(ep.interfaceEndpointId);

    clock += DELAY - 1;
    expect((await api.request(path)).status).toBe(200);
    clock += 1;
    const gone = await api.request(path);
    expect(gone.status).toBe(404);
    expect(gone.body.errorCode).toBe('PRIVATE_ENDPOINT_NOT_FOUND');
    const after = await api.request(`${svcBase(payments, 'AWS')}/${svc.id}`);
    expect(after.body.interfaceEndpoints).toEqual(svc.interfaceEndpoints.filter((id: string) => id !== ep.interfaceEndpointId));
    expect(after.body.status).toBe('AVAILABLE');
  });

  it('accepts DELETE of an orphan id (listed, no object): GET stays 404 and the id leaves the list after the delay', async () => {
    await start();
    const svc = payments.endpointServices[0];
    const orphan: string = svc.interfaceEndpoints.at(-1);
    const path = epPath(payments, 'AWS', svc.id, orphan);
    expect((await api.request(path, { method: 'DELETE' })).status).toBe(204);
    expect((await api.request(path)).status).toBe(404);
    expect(sim.store.find('privateEndpoint', orphan)).toMatchObject({ orphan: true, deleting: true, state: null });
    clock += DELAY;
    expect((await api.request(`${svcBase(payments, 'AWS')}/${svc.id}`)).body.interfaceEndpoints).not.toContain(orphan);
  });

  it('shows Azure (percent-encoded id) and GCP endpoints with status DELETING, then gone', async () => {
    await start();
    const azSvc = dataLake.endpointServices[0];
    const az = epPath(dataLake, 'AZURE', azSvc.id, azSvc.endpoints[1].privateEndpointResourceId);
    const gcpSvc = analytics.endpointServices[0];
    const gcp = epPath(analytics, 'GCP', gcpSvc.id, 'atlas-psc-group-2');
    for (const path of [az, gcp]) {
      expect((await api.request(path, { method: 'DELETE' })).status).toBe(204);
      expect((await api.request(path)).body).toMatchObject({ status: 'DELETING', deleteRequested: true });
    }
    clock += DELAY;
    for (const path of [az, gcp]) expect((await api.request(path)).status).toBe(404);
    expect((await api.request(`${svcBase(analytics, 'GCP')}/${gcpSvc.id}`)).body.endpointGroupNames).toEqual(['atlas-psc-group-1', 'atlas-psc-group-3']);
  });

  it('refuses a second DELETE while deleting with 400, also for an endpoint the scenario shows DELETING', async () => {
    await start();
    const svc = payments.endpointServices[0];
    const path = epPath(payments, 'AWS', svc.id, svc.endpoints[1].interfaceEndpointId);
    await api.request(path, { method: 'DELETE' });
    const again = await api.request(path, { method: 'DELETE' });
    expect(again.status).toBe(400);
    expect(again.body.errorCode).toBe('PRIVATE_ENDPOINT_ALREADY_DELETING');
    const scenarioDeleting = await api.request(epPath(analytics, 'GCP', analytics.endpointServices[0].id, 'atlas-psc-group-3'), { method: 'DELETE' });
    expect(scenarioDeleting.body.errorCode).toBe('PRIVATE_ENDPOINT_ALREADY_DELETING');
  });
});

describe('endpoint service deletes', () => {
  const failedWithEps = staging.endpointServices[1];
  const failedEmpty = staging.endpointServices[0];

  it('deletes an empty service: 204, DELETING, then gone from GET and from the bare-array list', async () => {
    await start();
    const path = `${svcBase(staging, 'AWS')}/${failedEmpty.id}`;
    expect((await api.request(path, { method: 'DELETE' })).status).toBe(204);
    expect((await api.request(path)).body.status).toBe('DELETING');
    const again = await api.request(path, { method: 'DELETE' });
    expect([again.status, again.body.errorCode]).toEqual([400, 'PRIVATE_ENDPOINT_SERVICE_ALREADY_DELETING']);
    clock += DELAY;
    expect((await api.request(path)).body.errorCode).toBe('PRIVATE_ENDPOINT_SERVICE_NOT_FOUND');
    const list = await api.request(svcBase(staging, 'AWS'));
    expect(list.body.map((s: { id: string }) => s.id)).toEqual([failedWithEps.id, staging.endpointServices[2].id]);
  });

  it('refuses to delete a service that still lists endpoints (400), even while they are deleting', async () => {
    await start();
    const path = `${svcBase(staging, 'AWS')}/${failedWithEps.id}`;
    const refused = await api.request(path, { method: 'DELETE' });
    expect(refused.status).toBe(400);
    expect(refused.body.errorCode).toBe('PRIVATE_ENDPOINT_SERVICE_HAS_ENDPOINTS');
    await api.request(epPath(staging, 'AWS', failedWithEps.id, failedWithEps.endpoints[0].interfaceEndpointId), { method: 'DELETE' });
    expect((await api.request(path, { method: 'DELETE' })).status).toBe(400);
  });

  it('removes the service with its last endpoint: the service starts deleting when that endpoint is gone', async () => {
    await start();
    const path = `${svcBase(staging, 'AWS')}/${failedWithEps.id}`;
    const [first, second] = failedWithEps.endpoints;
    await api.request(epPath(staging, 'AWS', failedWithEps.id, first.interfaceEndpointId), { method: 'DELETE' });
    clock += DELAY / 2;
    await api.request(epPath(staging, 'AWS', failedWithEps.id, second.interfaceEndpointId), { method: 'DELETE' });
    clock += DELAY / 2;
    expect((await api.request(path)).body).toMatchObject({ status: 'FAILED', interfaceEndpoints: [second.interfaceEndpointId] });
    clock += DELAY / 2;
    expect((await api.request(path)).body).toMatchObject({ status: 'DELETING', interfaceEndpoints: [] });
    clock += DELAY - 1;
    expect((await api.request(path)).status).toBe(200);
    clock += 1;
    expect((await api.request(path)).status).toBe(404);
  });

  it('keeps the emptied service when removeServiceWithLastEndpoint is false, and lets 409 replace 400 when configured', async () => {
    await start({ removeServiceWithLastEndpoint: false, serviceHasEndpointsStatus: 409 });
    const path = `${svcBase(staging, 'AWS')}/${failedWithEps.id}`;
    expect((await api.request(path, { method: 'DELETE' })).status).toBe(409);
    for (const ep of failedWithEps.endpoints) await api.request(epPath(staging, 'AWS', failedWithEps.id, ep.interfaceEndpointId), { method: 'DELETE' });
    clock += DELAY * 3;
    expect((await api.request(path)).body).toMatchObject({ status: 'FAILED', interfaceEndpoints: [] });
  });
});

describe('peer deletes', () => {
  it('answers 202 {} and shows an AWS peer TERMINATING, then 404; a second DELETE is 409', async () => {
    await start();
    const peer = payments.peers[1];
    const path = `${V2}/groups/${payments.id}/peers/${peer.id}`;
    const del = await api.request(path, { method: 'DELETE' });
    expect([del.status, del.body]).toEqual([202, {}]);
    expect((await api.request(path)).body.statusName).toBe('TERMINATING');
    const again = await api.request(path, { method: 'DELETE' });
    expect([again.status, again.body.errorCode]).toEqual([409, 'PEER_ALREADY_REQUESTED_DELETION']);
    clock += DELAY;
    expect((await api.request(path)).body.errorCode).toBe('PEER_NOT_FOUND');
    expect((await api.request(`${V2}/groups/${payments.id}/peers`)).body.totalCount).toBe(2);
  });

  it('shows Azure and GCP peers DELETING, and counts a scenario TERMINATING peer as already deleting', async () => {
    await start();
    for (const [project, peer] of [[dataLake, dataLake.peers[1]], [analytics, analytics.peers[1]]]) {
      const path = `${V2}/groups/${project.id}/peers/${peer.id}`;
      expect((await api.request(path, { method: 'DELETE' })).status).toBe(202);
      expect((await api.request(path)).body.status).toBe('DELETING');
    }
    const terminating = await api.request(`${V2}/groups/${staging.id}/peers/${staging.peers[1].id}`, { method: 'DELETE' });
    expect(terminating.status).toBe(409);
  });
});

describe('streams private link deletes', () => {
  it('answers 202 without a body, shows DELETE_REQUESTED then DELETING halfway, then 404; a second DELETE is 202 again', async () => {
    await start();
    const link = streamsLab.streamsPrivateLinks[0];
    const path = `${V2}/groups/${streamsLab.id}/streams/privateLinkConnections/${link._id}`;
    const del = await api.request(path, { method: 'DELETE' });
    expect([del.status, del.text]).toEqual([202, '']);
    expect((await api.request(path)).body.state).toBe('DELETE_REQUESTED');
    expect((await api.request(path, { method: 'DELETE' })).status).toBe(202);
    clock += DELAY / 2;
    expect((await api.request(path)).body.state).toBe('DELETING');
    clock += DELAY / 2;
    expect((await api.request(path)).body.errorCode).toBe('STREAM_PRIVATE_LINK_NOT_FOUND');
  });

  it('uses alreadyDeletingStatus when configured', async () => {
    await start({ alreadyDeletingStatus: { streamsPrivateLink: 409, peer: 400 } });
    const path = `${V2}/groups/${streamsLab.id}/streams/privateLinkConnections/${streamsLab.streamsPrivateLinks[3]._id}`;
    const res = await api.request(path, { method: 'DELETE' });
    expect([res.status, res.body.errorCode]).toEqual([409, 'STREAM_PRIVATE_LINK_ALREADY_DELETING']);
    const peer = await api.request(`${V2}/groups/${staging.id}/peers/${staging.peers[1].id}`, { method: 'DELETE' });
    expect([peer.status, peer.body.errorCode]).toEqual([400, 'PEER_ALREADY_REQUESTED_DELETION']);
  });
});

describe('v1.0 and v2 share one state', () => {
  it('v1 DELETEs answer 200 {} (as MongoDB documents) and show up in v2', async () => {
    await start();
    const svc = payments.endpointServices[0];
    const ep = svc.endpoints[0];
    const v1 = await api.request(`${V1}/groups/${payments.id}/privateEndpoint/${svc.id}/interfaceEndpoints/${ep.interfaceEndpointId}`, { ...json, method: 'DELETE' });
    expect([v1.status, v1.body]).toEqual([200, {}]);
    expect((await api.request(epPath(payments, 'AWS', svc.id, ep.interfaceEndpointId))).body.connectionStatus).toBe('DELETING');

    const peer = await api.request(`${V1}/groups/${payments.id}/peers/${payments.peers[0].id}`, { ...json, method: 'DELETE' });
    expect([peer.status, peer.body]).toEqual([200, {}]);
    expect((await api.request(`${V2}/groups/${payments.id}/peers/${payments.peers[0].id}`)).body.statusName).toBe('TERMINATING');

    const empty = staging.endpointServices[0];
    const connection = await api.request(`${V1}/groups/${staging.id}/privateEndpoint/${empty.id}`, { ...json, method: 'DELETE' });
    expect([connection.status, connection.body]).toEqual([200, {}]);
    expect((await api.request(`${svcBase(staging, 'AWS')}/${empty.id}`)).body.status).toBe('DELETING');
  });

  it('reports deletes through store.inventory()', async () => {
    await start();
    const before = sim.store.inventory().length;
    await api.request(`${V2}/groups/${payments.id}/peers/${payments.peers[1].id}`, { method: 'DELETE' });
    expect(sim.store.find('peer', payments.peers[1].id)).toMatchObject({ deleting: true, state: 'TERMINATING', janitor: { expect: 'delete' } });
    clock += DELAY;
    expect(sim.store.find('peer', payments.peers[1].id)).toBeUndefined();
    expect(sim.store.inventory()).toHaveLength(before - 1);
  });
});

describe('resources the scenario shows mid-delete', () => {
  it('finish deleteDelayMs after start by default, and never with stuckDeletes', async () => {
    await start({ stuckDeletes: false });
    const deletingAtStart = sim.store.inventory().filter((i) => i.deleting);
    expect(deletingAtStart.length).toBeGreaterThan(0);
    clock += DELAY;
    expect(sim.store.inventory().filter((i) => deletingAtStart.some((d) => d.kind === i.kind && d.id === i.id))).toEqual([]);
    await sim.stop();

    await start({ stuckDeletes: true });
    clock += DELAY * 10;
    expect(sim.store.inventory().filter((i) => i.deleting).map((i) => i.id).sort()).toEqual(deletingAtStart.map((i) => i.id).sort());
  });
});
