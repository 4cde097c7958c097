export { actOnJob } from './act';
export { QUEUED_JOB_TOKEN_WAIT_MS, jobActor } from './actor';
export { runJobsDirectly, type DirectOptions } from './direct';
export { processDeleteBatch, type BatchDeps, type JobReport } from './batch';
export { pageOutcomeOf, type JobOutcome, type OutcomeName } from './outcome';
