import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MessageValidationError, SWEEP_ID_FORMAT, parseDeleteJob, parseScanRequest } from '../../lib/jobs';
import { ReportStore, ReportStoreError } from '../../lib/report';

const PROJECT = 'a'.repeat(24);
const store = new ReportStore({ send: async () => ({}) } as never, 'janitor-reports', 'eu-west-1');

function scanRejection(sweepId: string): MessageValidationError | undefined {
  try {
    parseScanRequest(JSON.stringify({ type: 'scan', projectId: PROJECT, sweepId }));
  } catch (error) {
    if (error instanceof MessageValidationError) return error;
    throw error;
  }
  return undefined;
}

describe('a sweep id from a message', () => {
  it.each(['../pending/x', 'sweep 1', 'sweep/1', 'a'.repeat(129), '', 'sweep-1\n'])('is refused at the message boundary, naming sweepId, when the report store could not use it: %j', (sweepId) => {
    const error = scanRejection(sweepId);
    expect(error?.field).toBe('sweepId');
    expect(error?.message).toBe('sweepId: must be 1 to 128 letters, digits, . _ or -');
    expect(() => store.where(sweepId)).toThrow(ReportStoreError);
  });

  it('is refused in a delete job too, which carries its sweep\'s id', () => {
    const messages = readFileSync(resolve(__dirname, '../../docs/messages.md'), 'utf8');
    const job = [...messages.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!)).find((b) => b.type === 'delete');
    expect(() => parseDeleteJob(job)).not.toThrow();
    expect(() => parseDeleteJob({ ...job, sweepId: '../pending/x' })).toThrow(new MessageValidationError('sweepId', 'must be 1 to 128 letters, digits, . _ or -'));
  });

  it.each(['sweep-20261126T020000-abcd1234', 'nightly.2026_11', 'a'.repeat(128)])('passes both the message and the report store when it is %j', (sweepId) => {
    expect(parseScanRequest(JSON.stringify({ type: 'scan', projectId: PROJECT, sweepId })).sweepId).toBe(sweepId);
    expect(store.where(sweepId).s3Uri).toBe(`s3://janitor-reports/reports/${sweepId}/index.html`);
    expect(SWEEP_ID_FORMAT.test(sweepId)).toBe(true);
  });
});
