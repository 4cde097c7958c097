import type middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ReportError } from '../report';
import { RunFailedError } from '../run';
import { logger } from './logger';
import { countCredentialsFailures } from './metrics';

/**
 * Failures a retry will not fix (refused credentials, configuration), gathered while a handler runs.
 * The handler does its whole batch or sweep first, so what could be done is done and logged.
 */
export class NeedsAPerson {
  readonly failures: ReportError[] = [];
  details: Record<string, unknown> = {};

  add(failure: ReportError): void {
    this.failures.push(failure);
  }

  /** The failures of a run's errors that need a person (those marked `fatal`), with what to log beside them. */
  addFatal(errors: readonly ReportError[], details: Record<string, unknown> = {}): void {
    for (const e of errors) if (e.fatal !== undefined) this.failures.push(e);
    this.details = details;
  }
}

// One list per invocation, found by its Lambda context: the handler keeps its plain (event, context) type.
const lists = new WeakMap<Context, NeedsAPerson>();

/** The list of the invocation `context` belongs to, where a handler adds what needs a person. */
export function needsAPersonIn(context: Context): NeedsAPerson {
  const list = lists.get(context);
  if (!list) throw new Error('needsAPersonIn: the handler is not wrapped in failWhenAPersonIsNeeded');
  return list;
}

/**
 * Middleware: a handler that gathered failures needing a person fails its invocation once it is done,
 * after counting them (CredentialsFailures) and logging them in one line, so the Errors alarm, the async
 * retry and the on-failure destination all see it. What the handler returned is in that log line's
 * details, not lost with the throw.
 */
export function failWhenAPersonIsNeeded(what: string): middy.MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      lists.set(request.context, new NeedsAPerson());
    },
    after: (request) => {
      const { failures, details } = needsAPersonIn(request.context);
      if (failures.length === 0) return;
      countCredentialsFailures(failures.length);
      logger.error(`${what} failed: credentials need a person`, { ...details, failures });
      throw new RunFailedError(failures);
    },
  };
}
