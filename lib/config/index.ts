export { DEFAULT_PLAN_TTL_HOURS, ENV, MODES, loadConfig, type JanitorConfig, type Mode, type ProjectFilter, type QueueRetrySettings, type WorkerSettings } from './config';
export { ConfigError } from './errors';
export { globToRegExp, matchesAnyGlob } from './glob';
export { DEFAULT_GRACE, MIN_AGE_RULE_GRACE_MS, NO_GRACE, formatDuration, graceFor, parseDuration, type GracePeriods } from './grace';
