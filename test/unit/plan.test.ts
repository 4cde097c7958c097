import { describe, expect, it } from 'vitest';
import { NO_GRACE, planDeletions, type PlanSettings } from '../../lib/plan';
import { observe } from '../support/observations';

const settings = (extra: Partial<PlanSettings> = {}): PlanSettings => ({ disabledRules: new Set(), protectedResourceIds: new Set(), maxDeletionsPerRun: 100, grace: NO_GRACE, ...extra });

describe('planDeletions protections', () => {
  const azure = observe.endpoint('AZURE', 'FAILED');

  it('protects an Azure endpoint whatever the case of the configured id', () => {
    const plan = planDeletions([azure], settings({ protectedResourceIds: new Set([azure.id.toUpperCase()]) }));
    expect(plan.candidates).toEqual([]);
    expect(plan.kept[0]).toMatchObject({ cause: 'protected', reason: expect.stringMatching(/^protected by configuration/) });
  });

  it('protects the endpoints of a protected endpoint service', () => {
    const plan = planDeletions([azure], settings({ protectedResourceIds: new Set([azure.ref.ids['endpointServiceId']!]) }));
    expect(plan.kept.map((k) => k.cause)).toEqual(['protected']);
  });

  it('keeps what a switched-off rule would delete, saying which rule', () => {
    const plan = planDeletions([azure, observe.awsPeer('FAILED', 'EXPIRED')], settings({ disabledRules: new Set(['failed-endpoint']) }));
    expect(plan.candidates.map((c) => c.rule)).toEqual(['failed-aws-peer']);
    expect(plan.kept).toEqual([expect.objectContaining({ cause: 'ruleDisabled', reason: expect.stringContaining('rule failed-endpoint is switched off') })]);
  });

  it("keeps a healthy resource with cause state and the kind's reason", () => {
    const plan = planDeletions([observe.peer('GCP', 'AVAILABLE')], settings());
    expect(plan.kept).toEqual([expect.objectContaining({ cause: 'state', reason: 'status AVAILABLE is not a failure' })]);
  });
});
