export { BucketMap, routeOf, type BucketKey, type BucketSharing } from './bucket-map';
export { ConcurrencyLimiter } from './concurrency-limiter';
export {
  FALLBACK_LIMITS,
  RATE_LIMITS_MEDIA_TYPE,
  RATE_LIMITS_PATH,
  endpointSetPageSchema,
  type EndpointSet,
  type Limits,
  type RateLimitScope,
} from './endpoint-sets';
export { Pacer, PacerPool, Permit, pacerFor, type PacedAnswer, type PacerOptions, type PacerSettings, type SetReader } from './pacer';
export { publishedSetReader } from './published-sets';
export { CLOCK_SKEW_MS, LEASE_MS, RENEW_MS, SharedBudget, fairShares, type BudgetLease, type BudgetLeaseStore, type SharedBudgetOptions } from './shared-budget';
export { statedLimits, type StatedLimits } from './stated-limits';
export { ScopeHistory } from './scope-history';
export { TokenBucket, tokensAfter, type Bucket } from './token-bucket';
