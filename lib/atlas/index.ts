export { API_GENERATIONS, AtlasClient, DEFAULT_BASE_URL, type ApiGeneration, type AtlasClientOptions } from './client';
export { baseUrlSchema } from './base-url';
export { clearAuthCaches, type AtlasCredentials } from './auth';
export {
  AtlasApiError,
  AtlasError,
  AtlasNetworkError,
  AtlasRequestError,
  AtlasResponseError,
  AtlasTokenWaitError,
  isAccessDenied,
  type GiveUpReason,
} from './errors';
export { ID_FORMATS, PROVIDERS, isEndpointId, type Provider } from './ids';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export { PacerPool, type BudgetLease, type BudgetLeaseStore, type EndpointSet, type RateLimitScope } from './pacing';
export type { ExchangeEvent, RateLimitOptions, TransportStats } from './transport';
export type {
  AccessListEntry,
  EndpointService,
  Organization,
  Peer,
  PrivateEndpoint,
  Project,
  StreamsPrivateLink,
  V1InterfaceEndpoint,
  V1PrivateEndpointConnection,
} from './schemas';
