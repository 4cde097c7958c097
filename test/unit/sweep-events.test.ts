import { describe, expect, it } from 'vitest';
import { MessageValidationError, parseSweepEvent } from '../../lib/jobs';
import { effectiveMode } from '../../lib/run';
import nightly from '../../events/scheduled-sweep.json';
import manual from '../../events/manual-dry-run-sweep.json';

const rejection = (event: unknown) => {
  try {
    parseSweepEvent(event);
  } catch (error) {
    if (error instanceof MessageValidationError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('the event was accepted');
};

describe('sweep events', () => {
  it('accepts EventBridge\'s own scheduled event as a sweep of everything in the deployed mode', () => {
    expect(parseSweepEvent(nightly)).toEqual({});
  });

  it('rejects the nightly sample copied with "mode" and "projectIds" added, naming the field', () => {
    const copied = { ...nightly, mode: 'dry-run', projectIds: ['406ff261a3beb006b009990c'] };
    expect(rejection(copied)).toEqual({ field: 'mode', message: 'mode: is not a field of an EventBridge scheduled event (nor are projectIds)' });
  });

  it.each([
    ['a detail that is not empty', { ...nightly, detail: { projectIds: ['406ff261a3beb006b009990c'] } }, 'detail.projectIds'],
    ['a missing field', { ...nightly, account: undefined }, 'account'],
    ['only the two marker fields', { 'source': 'aws.events', 'detail-type': 'Scheduled Event' }, 'version'],
    ['another detail-type', { ...nightly, 'detail-type': 'Object Created' }, 'detail-type'],
    ['a bad time', { ...nightly, time: 'tonight' }, 'time'],
  ])('holds an event that claims to be EventBridge\'s to its shape: %s', (_what, event, field) => {
    expect(rejection(JSON.parse(JSON.stringify(event))).field).toBe(field);
  });

  it('validates a console event strictly and names an unknown field', () => {
    expect(parseSweepEvent(manual)).toEqual({ mode: 'dry-run', requestedBy: 'operator@example.com' });
    expect(rejection({ inline: true, projectId: '406ff261a3beb006b009990c' })).toEqual({
      field: 'projectId',
      message: 'projectId: is not a field of a console sweep event (inline, projectIds, mode, kinds, requestedBy)',
    });
    expect(rejection({ mode: 'yolo' }).field).toBe('mode');
  });

  it('lets an event lower the deployed mode, and refuses one that asks for more, naming mode, rather than run a lower one in silence', () => {
    expect(effectiveMode('enforce', parseSweepEvent({ mode: 'enforce' }).mode)).toBe('enforce');
    expect(effectiveMode('enforce', parseSweepEvent({ mode: 'plan' }).mode)).toBe('plan');
    expect(effectiveMode('plan', parseSweepEvent({ mode: 'dry-run' }).mode)).toBe('dry-run');
    expect(effectiveMode('enforce', parseSweepEvent(nightly).mode)).toBe('enforce');
    expect(effectiveMode('dry-run', parseSweepEvent({ inline: true }).mode)).toBe('dry-run');
    const refused = (configured: 'dry-run' | 'plan', asked: 'plan' | 'enforce') => {
      try {
        effectiveMode(configured, parseSweepEvent({ inline: true, mode: asked }).mode);
      } catch (error) {
        if (error instanceof MessageValidationError) return { field: error.field, message: error.message };
        throw error;
      }
      throw new Error('the mode was accepted');
    };
    expect(refused('dry-run', 'plan')).toEqual({ field: 'mode', message: "mode: plan needs the stack's JANITOR_MODE to be plan or enforce; it is dry-run (a request may lower the mode, never raise it)" });
    expect(refused('dry-run', 'enforce').message).toMatch(/^mode: enforce needs the stack's JANITOR_MODE to be enforce; it is dry-run/);
    expect(refused('plan', 'enforce').message).toMatch(/^mode: enforce needs the stack's JANITOR_MODE to be enforce; it is plan/);
  });
});
