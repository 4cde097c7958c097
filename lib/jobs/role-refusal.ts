/**
 * The credentials may not delete in a project: how a job that ends so is coded and said, by the worker
 * that dead-letters it and by every report that shows it.
 */

/** The errorCode of every job dead-lettered because the credentials may not delete in its project. */
export const DELETE_ROLE_MISSING = 'DELETE_ROLE_MISSING';

/** The sentence a person reads, in the report, the history and the dead-letter notice. */
export function lackTheRole(projectId: string): string {
  return `the credentials lack the role to delete in project ${projectId}`;
}

/**
 * The projects whose jobs ended because the credentials lack the role to delete there, with how many
 * jobs each: what a report says once per project, not once per job.
 */
export function roleRefusedProjects(jobs: Iterable<{ projectId: string; errorCode?: string | undefined }>): Map<string, number> {
  const refused = new Map<string, number>();
  for (const job of jobs) if (job.errorCode === DELETE_ROLE_MISSING) refused.set(job.projectId, (refused.get(job.projectId) ?? 0) + 1);
  return refused;
}

/** The sentence that says it once for a project, and what a person does about it. */
export function roleRefusalNotice(project: string, jobs: number): string {
  return `${lackTheRole(project)}: Atlas refused a DELETE there, so no other was sent in this run and ${jobs} job(s) ended dead-lettered. Grant the key Project Owner (or Organization Owner; for Stream Processing links Project Stream Processing Owner is enough), or protect the project, then run again.`;
}
