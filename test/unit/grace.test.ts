import { describe, expect, it } from 'vitest';
import { memoryBudget, spendBudget } from '../../lib/run';
import { ConfigError, loadConfig } from '../../lib/config';
import { DEFAULT_GRACE, admit, findStale, formatDuration, graceFor, parseDuration, type PlanSettings } from '../../lib/plan';
import { FieldValidationError } from '../../lib/errors/field-error';
import { ProtectionRegistryError, parseRegistry, protectionsFor } from '../../lib/protections';
import { observe } from '../support/observations';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');
const settings = (extra: Partial<PlanSettings> = {}): PlanSettings => ({ disabledRules: new Set(), protectedResourceIds: new Set(), maxDeletionsPerRun: 100, grace: DEFAULT_GRACE, ...extra });
const seen = (firstSeenAt: number, sweeps = 2) => ({ firstSeenAt, lastSeenAt: NOW, sweeps });

describe('grace periods', () => {
  it('parses and prints durations', () => {
    expect([parseDuration('0'), parseDuration('90s'), parseDuration('15m'), parseDuration('24h'), parseDuration('7d')]).toEqual([0, 90_000, 900_000, 24 * HOUR, 7 * 24 * HOUR]);
    expect([parseDuration('5'), parseDuration('1w'), parseDuration('-1h'), parseDuration('')]).toEqual([undefined, undefined, undefined, undefined]);
    expect([formatDuration(24 * HOUR), formatDuration(7 * 24 * HOUR), formatDuration(90_000)]).toEqual(['24h', '7d', '90s']);
  });

  it('reads GRACE_PERIODS per rule, with defaults for failure and age rules', () => {
    const { grace } = loadConfig({ GRACE_PERIODS: 'default=12h, rejected-aws-endpoint=2d, age-default=14d' });
    expect(graceFor(grace, 'rejected-aws-endpoint')).toBe(48 * HOUR);
    expect(graceFor(grace, 'failed-peer')).toBe(12 * HOUR);
    expect(graceFor(grace, 'pending-peer')).toBe(14 * 24 * HOUR);
    expect(graceFor(loadConfig({}).grace, 'failed-peer')).toBe(24 * HOUR);
  });

  it.each([
    ['default=soon', /GRACE_PERIODS: default=soon: the duration must be 0 or a number with s, m, h or d/],
    ['failed-everything=1h', /failed-everything is not a rule, default or age-default/],
    ['idle-endpoint-service=0', /idle-endpoint-service is an age rule and needs at least 1h, not 0s/],
  ])('rejects GRACE_PERIODS=%s naming the problem', (value, message) => {
    expect(() => loadConfig({ GRACE_PERIODS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ GRACE_PERIODS: value })).toThrow(message);
  });
});

describe('admit', () => {
  const rejected = observe.endpoint('AWS', 'REJECTED');

  it('keeps a stale resource until its grace period has passed, with both times in the report', () => {
    const findings = findStale([rejected], settings());
    const young = admit(findings, settings(), [seen(NOW - 23 * HOUR)], NOW);
    expect(young.candidates).toEqual([]);
    expect(young.kept[0]).toMatchObject({
      cause: 'grace',
      firstSeenAt: new Date(NOW - 23 * HOUR).toISOString(),
      eligibleAt: new Date(NOW + HOUR).toISOString(),
      reason: expect.stringMatching(/^marked: stale since .* \(2 sweeps\); rule rejected-aws-endpoint waits 24h/),
    });
    const due = admit(findings, settings(), [seen(NOW - 24 * HOUR)], NOW);
    expect(due.candidates[0]).toMatchObject({ rule: 'rejected-aws-endpoint', eligibleAt: new Date(NOW).toISOString() });
  });

  it('without a ledger plans only rules with no grace period, and never an age rule', () => {
    const pending = observe.awsPeer('PENDING_ACCEPTANCE');
    const zero = settings({ grace: { ...DEFAULT_GRACE, defaultMs: 0 } });
    const plan = admit(findStale([rejected, pending], zero), zero, undefined, NOW);
    expect(plan.candidates.map((c) => c.rule)).toEqual(['rejected-aws-endpoint']);
    expect(plan.kept).toEqual([expect.objectContaining({ cause: 'grace', reason: expect.stringContaining('no ledger (LEDGER_TABLE) to measure the 7d grace period of rule pending-peer') })]);
    expect(admit(findStale([rejected], settings()), settings(), undefined, NOW).candidates).toEqual([]);
  });

  it('lets an age rule act only when the resource is old enough', () => {
    const pending = observe.peer('GCP', 'WAITING_FOR_USER');
    expect(admit(findStale([pending], settings()), settings(), [seen(NOW - 6 * 24 * HOUR)], NOW).candidates).toEqual([]);
    expect(admit(findStale([pending], settings()), settings(), [seen(NOW - 7 * 24 * HOUR)], NOW).candidates.map((c) => c.rule)).toEqual(['pending-peer']);
  });

  it('holds back a failed service while one of its endpoints stays, and plans it with its endpoints otherwise', () => {
    const zero = settings({ grace: { ...DEFAULT_GRACE, defaultMs: 0 } });
    const service = { ...observe.service('AWS', 'FAILED'), fields: { cloudProvider: 'AWS', status: 'FAILED', interfaceEndpoints: ['vpce-0123456789abcdef0'] } };
    const endpoint = (state: string, extra = {}) => observe.endpoint('AWS', state, { parent: { id: service.id, status: 'FAILED' }, ...extra });
    // A read that failed keeps the endpoint, so the service would only meet a 409.
    const unreadable = endpoint('READ_FAILED', { error: { message: 'timeout' } });
    const blocked = admit(findStale([service, unreadable], zero), zero, undefined, NOW);
    expect(blocked.candidates).toEqual([]);
    expect(blocked.kept.find((k) => k.kind === 'privateEndpointService')).toMatchObject({ cause: 'blocked', reason: expect.stringContaining('vpce-0123456789abcdef0 (state)') });
    const together = admit(findStale([service, endpoint('AVAILABLE')], zero), zero, undefined, NOW);
    expect(together.candidates.map((c) => c.kind).sort()).toEqual(['privateEndpoint', 'privateEndpointService']);
    const leaving = admit(findStale([service, endpoint('DELETING')], zero), zero, undefined, NOW);
    expect(leaving.candidates.map((c) => c.kind)).toEqual(['privateEndpointService']);
  });

  it('leaves the cap to the run\'s budget, which takes what is admitted, not what is still waiting', async () => {
    const capped = settings({ maxDeletionsPerRun: 1 });
    const two = [rejected, observe.awsPeer('FAILED')];
    const waiting = admit(findStale(two, capped), capped, [seen(NOW - HOUR), seen(NOW - HOUR)], NOW);
    const due = admit(findStale(two, capped), capped, [seen(NOW - 48 * HOUR), seen(NOW - 48 * HOUR)], NOW);
    expect([waiting.candidates.length, due.candidates.length, due.capExceeded]).toEqual([0, 2, undefined]);
    const asScan = (plan: typeof due) => ({ ...plan, projectId: 'a'.repeat(24), seen: 2, errors: [], apiCalls: 0, durationMs: 0 });
    expect(await spendBudget(asScan(waiting), memoryBudget(1))).toBe(true);
    const scan = asScan(due);
    expect(await spendBudget(scan, memoryBudget(1))).toBe(false);
    expect(scan.capExceeded).toEqual({ found: 2, cap: 1 });
  });
});

describe('protection registry', () => {
  const entry = { resourceId: 'VPCE-0123456789ABCDEF0', owner: 'payments', reason: 'migration', expires: '2026-12-01' };
  const registry = (protections: unknown[]) => JSON.stringify({ protections });

  it('protects what an active entry names, until it expires, and lists the expired entry', () => {
    const parsed = parseRegistry('test', registry([entry, { projectName: 'prod-*', owner: 'platform', reason: 'freeze', expires: '2026-11-01T00:00:00Z' }]));
    const rejected = observe.endpoint('AWS', 'REJECTED');
    const active = protectionsFor(parsed, { id: rejected.ref.projectId, name: 'prod-payments' }, NOW);
    expect(active.project).toBeUndefined();
    expect(active.expired.map((p) => p.selector)).toEqual(['projects named prod-*']);
    expect(findStale([rejected], settings(), active).kept[0]).toMatchObject({ cause: 'protected', reason: expect.stringContaining('owner payments: migration') });
    // A date protects through that day.
    expect(protectionsFor(parsed, { id: rejected.ref.projectId }, Date.parse('2026-12-01T23:59:59Z')).resources.size).toBe(1);
    const later = protectionsFor(parsed, { id: rejected.ref.projectId }, Date.parse('2026-12-02T00:00:00Z'));
    expect(findStale([rejected], settings(), later).stale[0]?.reason).toContain('its protection has expired (resource VPCE-0123456789ABCDEF0, owner payments');
  });

  it.each([
    ['not JSON', '{', /^test: document is not valid JSON$/],
    ['no owner', registry([{ resourceId: 'x', reason: 'r', expires: '2027-01-01' }]), /^test: protections\.0\.owner /],
    ['two selectors', registry([{ ...entry, projectId: 'a'.repeat(24) }]), /needs exactly one of resourceId, projectId, projectName/],
    ['a bad date', registry([{ ...entry, expires: 'next week' }]), /^test: protections\.0\.expires must be an ISO date/],
    ['an unknown field', registry([{ ...entry, until: '2027-01-01' }]), /^test: protections\.0/],
  ])('rejects a registry with %s, naming where', (_name, text, message) => {
    expect(() => parseRegistry('test', text)).toThrow(ProtectionRegistryError);
    expect(() => parseRegistry('test', text)).toThrow(message);
  });

  it('is a field validation error naming the first problem\'s path, and lists every problem', () => {
    const text = registry([{ resourceId: 'x', reason: 'r', expires: 'next week' }]);
    const error = (() => {
      try {
        parseRegistry('test', text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FieldValidationError);
    expect(error).toMatchObject({ name: 'ProtectionRegistryError', field: 'protections.0.owner', source: 'test' });
    expect((error as ProtectionRegistryError).message).toMatch(/^test: protections\.0\.owner .* \(and 1 more\)$/);
    expect((error as ProtectionRegistryError).problems).toEqual([expect.stringMatching(/^protections\.0\.owner: /), expect.stringMatching(/^protections\.0\.expires: must be an ISO date/)]);
  });
});
