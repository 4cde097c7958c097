export { actOnJob } from './act';
export { jobActor } from './actor';
export { runJobsDirectly, type DirectOptions } from './direct';
export { processDeleteBatch, type BatchDeps, type JobReport } from './batch';
export { pageOutcomeOf, type JobOutcome, type OutcomeName } from './outcome';
