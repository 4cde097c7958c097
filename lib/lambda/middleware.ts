import type middy from '@middy/core';
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
