import type { ReportError } from '../report';

/** Thrown by a handler once its report is out: the run saw failures that need a person. */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  readonly failures: ReportError[];

  constructor(failures: ReportError[]) {
    super(`${failures.length} failure(s) need a person: ${failures.map((f) => f.message).join('; ')}`);
    this.failures = failures;
  }
}

/** The errors of a report that need a person (refused credentials, configuration). */
export function fatalErrors(errors: readonly ReportError[]): ReportError[] {
  return errors.filter((e) => e.fatal !== undefined);
}
