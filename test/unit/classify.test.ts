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
    // FAILED is not an AWS connectionStatus: an AWS endpoint is deleted only when AWS rejected it.
    ['AWS', 'AVAILABLE'], ['AWS', 'PENDING_ACCEPTANCE'], ['AWS', 'PENDING'], ['AWS', 'NONE'], ['AWS', 'DELETING'], ['AWS', 'FAILED'],
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

// The reason is what a report shows next to every kept or planned resource: each says which fact decided.
describe('the reason classify gives', () => {
  const reason = (o: Observation) => verdict(o).reason;
  const gone = (o: Observation) => ({ ...o, found: false });

  it.each([
    ['an AWS endpoint AWS rejected', observe.endpoint('AWS', 'REJECTED'), 'AWS rejected the interface endpoint connection (connectionStatus REJECTED)'],
    ['a FAILED Azure endpoint', observe.endpoint('AZURE', 'FAILED'), 'AZURE endpoint status is FAILED'],
    ['an orphan', observe.endpoint('AWS', 'NOT_FOUND'), 'listed by its endpoint service but not found when read'],
    ['an endpoint of a failed service', observe.endpoint('GCP', 'AVAILABLE', { parent: { id: 'b'.repeat(24), status: 'FAILED' } }), `its endpoint service ${'b'.repeat(24)} is FAILED`],
    ['an endpoint being deleted', observe.endpoint('GCP', 'DELETING'), 'already being deleted'],
    ['a gone endpoint', observe.endpoint('AWS', 'FAILED', { found: false }), 'already gone'],
    ['an endpoint with a bad id', observe.endpoint('AWS', 'INVALID_ID'), 'endpoint id has an unexpected format; it is never sent to Atlas'],
    ['an unreadable endpoint', observe.endpoint('AWS', 'READ_FAILED', { error: { message: 'Atlas answered 500' } }), 'could not be read: Atlas answered 500'],
    ['an unreadable endpoint, no message', observe.endpoint('AWS', 'READ_FAILED'), 'could not be read: unknown error'],
    ['a healthy endpoint', observe.endpoint('AWS', 'AVAILABLE'), 'state AVAILABLE is not a failure'],
    ['a FAILED service', observe.service('AWS', 'FAILED'), 'endpoint service status is FAILED'],
    ['an idle service', observe.service('AWS', 'WAITING_FOR_USER'), 'endpoint service WAITING_FOR_USER with no endpoints'],
    ['a service being deleted', observe.service('AWS', 'DELETING'), 'already being deleted'],
    ['a gone service', gone(observe.service('AWS', 'FAILED')), 'already gone'],
    ['a starting service', observe.service('AWS', 'INITIATING'), 'status INITIATING is not a failure'],
    ['a FAILED AWS peer with no error state', observe.awsPeer('FAILED'), 'AWS peer statusName is FAILED'],
    ['a FAILED AWS peer whose request expired', observe.awsPeer('FAILED', 'EXPIRED'), 'AWS peering request ended in EXPIRED (statusName FAILED)'],
    ['a FAILED AWS peer AWS rejected', observe.awsPeer('FAILED', 'REJECTED'), 'AWS peering request ended in REJECTED (statusName FAILED)'],
    ['a FAILED AWS peer with an invalid argument', observe.awsPeer('FAILED', 'INVALID_ARGUMENT'), 'AWS peering request ended in INVALID_ARGUMENT (statusName FAILED)'],
    ['a FAILED AWS peer with an unknown error state', observe.awsPeer('FAILED', 'SOMETHING'), 'AWS peer statusName is FAILED'],
    ['a waiting AWS peer', observe.awsPeer('PENDING_ACCEPTANCE'), 'AWS peering request waiting for acceptance'],
    ['a terminating AWS peer', observe.awsPeer('TERMINATING', 'REJECTED'), 'already being deleted'],
    ['a gone AWS peer', gone(observe.awsPeer('FAILED')), 'already gone'],
    ['an available AWS peer with an error state', observe.awsPeer('AVAILABLE', 'REJECTED'), 'statusName AVAILABLE is not a failure (errorStateName REJECTED noted)'],
    ['an available AWS peer', observe.awsPeer('AVAILABLE'), 'statusName AVAILABLE is not a failure'],
    ['an available AWS peer whose error state is not a string', { ...observe.awsPeer('AVAILABLE'), fields: { errorStateName: 7 } }, 'statusName AVAILABLE is not a failure'],
    ['a FAILED GCP peer', observe.peer('GCP', 'FAILED'), 'GCP peer status is FAILED'],
    ['a waiting Azure peer', observe.peer('AZURE', 'WAITING_FOR_USER'), 'AZURE peer waiting for the user (status WAITING_FOR_USER)'],
    ['a GCP peer being deleted', observe.peer('GCP', 'DELETING'), 'already being deleted'],
    ['a gone GCP peer', gone(observe.peer('GCP', 'FAILED')), 'already gone'],
    ['an available GCP peer', observe.peer('GCP', 'AVAILABLE'), 'status AVAILABLE is not a failure'],
    ['a failed stream link', observe.streams('DELETE_FAILED'), 'connection state is DELETE_FAILED'],
    ['a stream link being deleted', observe.streams('DELETING'), 'already being deleted'],
    ['a gone stream link', gone(observe.streams('FAILED')), 'already gone'],
    ['an idle stream link', observe.streams('IDLE'), 'state IDLE is not a failure'],
  ])('for %s', (_what, o, expected) => {
    expect(reason(o)).toBe(expected);
  });

  it('keeps whatever a read that found nothing says its state was', () => {
    for (const o of [observe.awsPeer('FAILED'), observe.peer('AZURE', 'FAILED'), observe.streams('FAILED'), observe.service('GCP', 'FAILED'), observe.endpoint('AZURE', 'FAILED')]) {
      expect(verdict(gone(o)).verdict).toBe('keep');
    }
  });
});
