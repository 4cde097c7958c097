import { describe, expect, it } from 'vitest';
import { kindOf, type Observation, type RuleName } from '../../lib/kinds';
import { observe } from '../support/observations';

const verdict = (o: Observation) => kindOf(o.ref.kind).classify(o);
const deletes = (o: Observation, rule: RuleName) => expect(verdict(o)).toMatchObject({ verdict: 'delete', rule });
const keeps = (o: Observation) => expect(verdict(o).verdict).toBe('keep');

describe('privateEndpoint.classify', () => {
  it('deletes an AWS endpoint AWS rejected', () => deletes(observe.endpoint('AWS', 'REJECTED'), 'rejected-aws-endpoint'));
  it.each(['AZURE', 'GCP'] as const)('deletes a FAILED %s endpoint', (p) => deletes(observe.endpoint(p, 'FAILED'), 'failed-endpoint'));
  it('deletes an endpoint its service lists but Atlas cannot find', () =>
    deletes(observe.endpoint('AWS', 'NOT_FOUND', { fields: {} }), 'orphaned-endpoint'));
  it.each(['FAILED', 'DELETING'])('deletes the endpoints of a %s service, whatever their own state', (status) =>
    deletes(observe.endpoint('GCP', 'AVAILABLE', { parent: { id: 'b'.repeat(24), status } }), 'orphaned-endpoint'));
  it('keeps an endpoint of a dead service that is already being deleted', () =>
    keeps(observe.endpoint('GCP', 'DELETING', { parent: { id: 'b'.repeat(24), status: 'FAILED' } })));
  it.each([
    ['AWS', 'AVAILABLE'], ['AWS', 'PENDING_ACCEPTANCE'], ['AWS', 'PENDING'], ['AWS', 'NONE'], ['AWS', 'DELETING'],
    ['AZURE', 'AVAILABLE'], ['AZURE', 'INITIATING'], ['AZURE', 'DELETING'],
    ['GCP', 'AVAILABLE'], ['GCP', 'INITIATING'], ['GCP', 'VERIFIED'], ['GCP', 'SOMETHING_NEW'],
  ] as const)('keeps a %s endpoint in state %s', (provider, state) => keeps(observe.endpoint(provider, state)));
  it('keeps an endpoint already asked to be deleted, even a rejected one', () =>
    keeps(observe.endpoint('AWS', 'REJECTED', { fields: { connectionStatus: 'REJECTED', deleteRequested: true } })));
  it('does not apply the AWS rule to another provider', () => keeps(observe.endpoint('AZURE', 'REJECTED')));
  it('keeps an endpoint whose id has an unexpected format or could not be read', () => {
    keeps(observe.endpoint('AWS', 'INVALID_ID'));
    keeps(observe.endpoint('AWS', 'READ_FAILED', { error: { message: 'Atlas answered 500' } }));
  });
  it('keeps an endpoint that is gone', () => keeps(observe.endpoint('AWS', 'NOT_FOUND', { found: false })));
});

describe('privateEndpointService.classify', () => {
  it.each(['AWS', 'AZURE', 'GCP'] as const)('deletes a FAILED %s service', (p) => deletes(observe.service(p, 'FAILED'), 'failed-endpoint-service'));
  const withEndpoint = (o: ReturnType<typeof observe.service>) => ({ ...o, fields: { ...o.fields, interfaceEndpoints: ['vpce-0123456789abcdef0'] } });
  it.each(['AVAILABLE', 'INITIATING', 'WAITING_FOR_USER', 'DELETING'])('keeps a service with an endpoint in %s', (s) => keeps(withEndpoint(observe.service('AWS', s))));
  it.each(['INITIATING', 'DELETING'])('keeps a service with no endpoint in %s', (s) => keeps(observe.service('AWS', s)));
  // An age rule: the plan lets it act only once the ledger has seen it that way for its grace period.
  it.each(['AVAILABLE', 'WAITING_FOR_USER'])('matches idle-endpoint-service for a service with no endpoint in %s', (s) =>
    deletes(observe.service('AZURE', s), 'idle-endpoint-service'));
});

describe('networkPeering.classify', () => {
  it.each(['REJECTED', 'EXPIRED', 'INVALID_ARGUMENT'])('deletes an AWS peer whose request ended in %s', (e) =>
    deletes(observe.awsPeer('FAILED', e), 'failed-aws-peer'));
  it('deletes an AWS peer with statusName FAILED and no error state', () => deletes(observe.awsPeer('FAILED'), 'failed-aws-peer'));
  it.each(['AVAILABLE', 'INITIATING', 'FINALIZING'])('keeps an AWS peer in %s even with an error state', (s) => keeps(observe.awsPeer(s, 'REJECTED')));
  it.each(['INITIATING', 'FINALIZING', 'AVAILABLE', 'TERMINATING'])('keeps an AWS peer in %s', (s) => keeps(observe.awsPeer(s)));
  it('matches the age rule pending-peer for an AWS peer waiting for acceptance', () => deletes(observe.awsPeer('PENDING_ACCEPTANCE'), 'pending-peer'));
  it('keeps a terminating AWS peer whatever its error state', () => keeps(observe.awsPeer('TERMINATING', 'REJECTED')));
  it.each(['AZURE', 'GCP'] as const)('deletes a FAILED %s peer', (p) => deletes(observe.peer(p, 'FAILED'), 'failed-peer'));
  it.each(['ADDING_PEER', 'AVAILABLE', 'DELETING'])('keeps a GCP peer in %s', (s) => keeps(observe.peer('GCP', s)));
  it('matches the age rule pending-peer for a GCP peer waiting for the user', () => deletes(observe.peer('GCP', 'WAITING_FOR_USER'), 'pending-peer'));
});

describe('streamsPrivateLink.classify', () => {
  it.each(['FAILED', 'DELETE_FAILED'])('deletes a connection in %s', (s) => deletes(observe.streams(s), 'failed-streams-private-link'));
  it.each(['IDLE', 'PENDING', 'DONE', 'DELETE_REQUESTED', 'DELETING', 'DELETED'])('keeps a connection in %s', (s) => keeps(observe.streams(s)));
});
