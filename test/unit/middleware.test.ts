import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FieldValidationError } from '../../lib/errors/field-error';
import { CREDENTIALS_FAILURES_METRIC, failWhenAPersonIsNeeded, logRejectedInput, logger, metrics, needsAPersonIn } from '../../lib/lambda';
import { RunFailedError } from '../../lib/run';
import { lambdaContext } from '../../tools/local/lambda-context';

// The cross-cutting steps every handler shares, tested once here: the handlers only add to the list or
// throw a validation error.

afterEach(() => vi.restoreAllMocks());

const refused = { message: 'Atlas refused the credentials', fatal: 'credentials' as const };

describe('failWhenAPersonIsNeeded', () => {
  it('lets an invocation with nothing on the list return what the handler returned', async () => {
    const handler = middy(async () => 'done').use(failWhenAPersonIsNeeded('scan'));

    expect(await handler({}, lambdaContext('scan', 1_000))).toBe('done');
  });

  it('fails the invocation after the handler has done all its work, counted and logged once with its details', async () => {
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const added = vi.spyOn(metrics, 'addMetric').mockReturnValue(metrics);
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);
    let finished = false;
    const handler = middy(async (_event: unknown, context: Parameters<typeof needsAPersonIn>[0]) => {
      needsAPersonIn(context).add(refused);
      needsAPersonIn(context).addFatal([{ message: 'one project failed' }, { ...refused, message: 'a second secret refused' }], { sweepId: 's1' });
      finished = true;
      return 'partial';
    }).use(failWhenAPersonIsNeeded('sweep'));

    const error = await handler({}, lambdaContext('sweep', 1_000)).catch((e: unknown) => e);

    expect(finished).toBe(true);
    expect(error).toBeInstanceOf(RunFailedError);
    expect((error as RunFailedError).failures.map((f) => f.message)).toEqual(['Atlas refused the credentials', 'a second secret refused']);
    expect(added).toHaveBeenCalledWith(CREDENTIALS_FAILURES_METRIC, expect.anything(), 2);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors).toHaveBeenCalledWith('sweep failed: credentials need a person', expect.objectContaining({ sweepId: 's1', failures: expect.any(Array) }));
  });

  it('keeps one list per invocation: a failure of one does not fail the next', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    vi.spyOn(metrics, 'addMetric').mockReturnValue(metrics);
    vi.spyOn(metrics, 'publishStoredMetrics').mockReturnValue(metrics);
    const handler = middy(async (event: { fail: boolean }, context: Parameters<typeof needsAPersonIn>[0]) => {
      if (event.fail) needsAPersonIn(context).add(refused);
      return 'ok';
    }).use(failWhenAPersonIsNeeded('worker'));

    await expect(handler({ fail: true }, lambdaContext('worker', 1_000))).rejects.toBeInstanceOf(RunFailedError);
    expect(await handler({ fail: false }, lambdaContext('worker', 1_000))).toBe('ok');
  });
});

describe('logRejectedInput', () => {
  it('logs the field a validation error names, and the invocation still fails with it', async () => {
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = middy(async () => {
      throw new FieldValidationError('projectIds.0', 'must be 24 lowercase hexadecimal characters');
    }).use(logRejectedInput('sweep event'));

    await expect(handler({}, lambdaContext('sweep', 1_000))).rejects.toBeInstanceOf(FieldValidationError);
    expect(errors).toHaveBeenCalledWith('sweep event rejected', { field: 'projectIds.0', reason: 'projectIds.0: must be 24 lowercase hexadecimal characters' });
  });

  it('logs nothing for an error that is not about the input', async () => {
    const errors = vi.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = middy(async () => {
      throw new Error('Atlas is down');
    }).use(logRejectedInput('sweep event'));

    await expect(handler({}, lambdaContext('sweep', 1_000))).rejects.toThrow('Atlas is down');
    expect(errors).not.toHaveBeenCalled();
  });
});
