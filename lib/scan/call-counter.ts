import type { ExchangeEvent } from '../atlas';

const PROJECT_IN_PATH = /\/groups\/([a-f0-9]{24})(?:\/|$)/;

/**
 * Counts Atlas requests per project from the client's exchange events, so one client (one Digest
 * nonce, one token, one concurrency limit) can serve a whole run and still report calls per project.
 * Auth round trips (Digest challenges, token requests) are counted apart: they belong to the run.
 */
export class ApiCallCounter {
  total = 0;
  auth = 0;
  readonly #byProject = new Map<string, number>();
  /** Atlas answers that were not a success, by status (`network` when none came), retries included. */
  readonly failures: Record<string, number> = {};

  readonly record = (event: ExchangeEvent): void => {
    if (event.purpose === 'auth') {
      this.auth++;
      return;
    }
    this.total++;
    if (event.status === undefined || event.status >= 400) {
      const status = event.status === undefined ? 'network' : String(event.status);
      this.failures[status] = (this.failures[status] ?? 0) + 1;
    }
    const projectId = PROJECT_IN_PATH.exec(event.path)?.[1];
    if (projectId) this.#byProject.set(projectId, (this.#byProject.get(projectId) ?? 0) + 1);
  };

  forProject(projectId: string): number {
    return this.#byProject.get(projectId) ?? 0;
  }
}
