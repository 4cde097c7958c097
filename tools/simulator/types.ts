import type { ExtraCollection } from './extra-collections';
import type { FaultRule } from './faults';
import type { BucketTally } from './rate-limit';

export type { FaultRule };
import type { Scenario } from './scenario';
import type { SecurityGroupRemoval, SimulatorStore } from './store';

/** Options of `startSimulator`. Defaults are merged in one place: `resolveOptions` in server.ts. */
export interface SimulatorOptions {
  /** Scenario object, or path to a scenario JSON file (validated; errors name the bad field). */
  scenario: Scenario | string;
  /** Default 0 (ephemeral). The host is always 127.0.0.1. */
  port?: number;
  /** How long a deleted resource shows as deleting before it is gone. Default: scenario.settings, else 1000. */
  deleteDelayMs?: number;
  /** OAuth token lifetime. Default: scenario.settings, else 3600. */
  tokenTtlSeconds?: number;
  /** Digest nonce lifetime before it is answered stale=true. Default 300000. */
  nonceTtlMs?: number;
  /** Added to every response. */
  latencyMs?: number;
  /** PRNG seed for fault rates. Default 1. */
  seed?: number;
  faults?: FaultRule[];
  /** Injectable clock (ms). Default Date.now. */
  now?: () => number;
  /** When the last endpoint of a service is gone, the service starts deleting too (spec of deletePrivateEndpoint). Default true. */
  removeServiceWithLastEndpoint?: boolean;
  /** Resources the scenario shows mid-delete never finish (true: a stuck delete), or finish deleteDelayMs after start (default). */
  stuckDeletes?: boolean;
  /** When deleting peers removes the access list's AWS security groups. Default: scenario.settings, else 'lastAwsPeer'. */
  securityGroupRemoval?: SecurityGroupRemoval;
  /** Status for DELETE of an endpoint service that still lists endpoints. Default 400. */
  serviceHasEndpointsStatus?: number;
  /**
   * Status for DELETE of something already deleting, per kind. Defaults: endpointService 400,
   * privateEndpoint 400, peer 409, streamsPrivateLink 202 (a 2xx answers as a fresh accept).
   */
  alreadyDeletingStatus?: Partial<Record<'endpointService' | 'privateEndpoint' | 'peer' | 'streamsPrivateLink', number>>;
  /** Collections served besides Atlas's routes, for tests of a kind that lives only in a test fixture. */
  extraCollections?: readonly ExtraCollection[];
}

export interface Simulator {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  /** Closes the server and all sockets. */
  stop(): Promise<void>;
  /** Every request, in order. */
  log: RequestLogEntry[];
  clearLog(): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  store: SimulatorStore;
  /** The rate-limit buckets used so far and the tokens taken from each (benchmarks compute their bound from it). */
  bucketTallies(): BucketTally[];
}

export interface RequestLogEntry {
  seq: number;
  time: number;
  method: string;
  /** Without the query string, exactly as received (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** Spec operationId for v2 routes, `v1…` for v1.0 routes, 'oauthToken' for the token endpoint, null if no route. */
  operationId: string | null;
  /** API public key or service-account clientId that authenticated, else null. */
  principal: string | null;
  requestHeaders: { accept?: string; contentType?: string; authScheme?: 'Digest' | 'Bearer' | 'Basic' | null };
  /** Raw request body, when one was sent. */
  requestBody?: string;
  /** 0 if the connection was reset. */
  status: number;
  responseContentType: string | null;
  /** Parsed JSON sent (undefined when no body). */
  responseBody: unknown;
  /** Description of the injected fault, if any. */
  fault: string | null;
}

