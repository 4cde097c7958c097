export { AtlasClient, DEFAULT_BASE_URL, ITEMS_PER_PAGE, MEDIA_TYPES, type ApiGeneration, type AtlasClientOptions } from './client';
export { clearAuthCaches, type AtlasCredentials } from './auth';
export {
  AtlasApiError,
  AtlasError,
  AtlasNetworkError,
  AtlasRequestError,
  AtlasResponseError,
  type GiveUpReason,
} from './errors';
export { ID_FORMATS, PROVIDERS, isEndpointId, isObjectId, type Provider } from './ids';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
export { clearRateLimitCache, type EndpointSet, type RateLimitScope } from './rate-limits';
export type { ExchangeEvent, RateLimitOptions, TransportStats } from './transport';
export type {
  EndpointService,
  Organization,
  Peer,
  PrivateEndpoint,
  Project,
  StreamsPrivateLink,
  V1InterfaceEndpoint,
  V1PrivateEndpointConnection,
} from './schemas';
