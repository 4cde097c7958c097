export {
  admit,
  findStale,
  holdCandidates,
  holdForCap,
  planDeletions,
  type Candidate,
  type Evidence,
  type Kept,
  type KeptCause,
  type Plan,
  type PlanSettings,
  type Sighting,
  type StaleFindings,
} from './plan';
export { DEFAULT_GRACE, MIN_AGE_RULE_GRACE_MS, NO_GRACE, formatDuration, graceFor, parseDuration, type GracePeriods } from '../config';
export { BREAKER_MIN_GONE, SUSPECTED_API_FAULT, describeFault, suspectedApiFaults, type SuspectedApiFault } from './breaker';
export { selectProjects, type ProjectSelection } from './select-projects';
