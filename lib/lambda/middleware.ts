import type middy from '@middy/core';
import * as z from 'zod';
import { FieldValidationError } from '../errors/field-error';
import { MessageValidationError } from '../jobs';
import { logger } from './logger';
import type { Context } from 'aws-lambda';
import { setInvocationDeadline } from './runtime';

/** Sets the Atlas client's deadline from the Lambda's remaining time at the start of each invocation. */
export function invocationDeadline(): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      const remaining = typeof request.context?.getRemainingTimeInMillis === 'function' ? request.context.getRemainingTimeInMillis() : undefined;
      setInvocationDeadline(remaining);
    },
  };
}

/**
 * An SQS event as Lambda delivers it: a list of `Records`, each with its `messageId`, `receiptHandle` and
 * a string `body`. Anything else (an event pasted in the console without `Records`, a record without an
 * id) is refused naming the field, before any record is read, instead of a TypeError from deep inside.
 */
const sqsEventSchema = z.looseObject({
  Records: z.array(
    z.looseObject({
      messageId: z.string().min(1),
      receiptHandle: z.string().min(1),
      body: z.string(),
      attributes: z.looseObject({}).optional(),
    }),
  ),
});

export function sqsEventShape(): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      const parsed = sqsEventSchema.safeParse(request.event);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'event';
        throw new MessageValidationError(field, `${issue.message} (this function takes SQS events: { "Records": [ … ] })`);
      }
      // A record without attributes reads as a first receive in no particular message group.
      for (const record of (request.event as { Records: { attributes?: object }[] }).Records) record.attributes ??= {};
    },
  };
}

/**
 * Middleware: input refused by its schema (a FieldValidationError) is logged with the field that failed,
 * once, before the invocation fails with it; the value itself is never logged.
 */
export function logRejectedInput(what: string): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof FieldValidationError) logger.error(`${what} rejected`, { field: error.field, reason: error.message });
    },
  };
}
