import type { ApiGeneration, AtlasClient, EndpointService, Provider } from '../atlas';

/** Kind names as they appear in reports and jobs. */
export const KIND_NAMES = ['privateEndpoint', 'privateEndpointService', 'networkPeering', 'streamsPrivateLink'] as const;
export type KindName = (typeof KIND_NAMES)[number];

/** Names of the deletion rules; each is documented in the README and can be switched off by config. */
export const RULE_NAMES = [
  'rejected-aws-endpoint',
  'orphaned-endpoint',
  'failed-endpoint',
  'failed-endpoint-service',
  'failed-aws-peer',
  'failed-peer',
  'failed-streams-private-link',
  'pending-peer',
  'idle-endpoint-service',
] as const;
export type RuleName = (typeof RULE_NAMES)[number];

/**
 * Rules whose state is normal while the resource is young (a peer waiting for its acceptance, a service
 * waiting for its first endpoint): only age makes them stale, so they need the ledger's memory and never
 * fire on first sight.
 */
export const AGE_RULES: ReadonlySet<RuleName> = new Set(['pending-peer', 'idle-endpoint-service']);

/** What is needed to address one resource again (get, delete). */
export interface ResourceRef {
  projectId: string;
  kind: KindName;
  provider?: Provider | undefined;
  /** Kind-specific ids, e.g. `{ endpointServiceId, endpointId }`. */
  ids: Record<string, string>;
}

/** The state of a resource as one read saw it. */
export interface Observation {
  ref: ResourceRef;
  /** The id shown in reports. */
  id: string;
  /** False when Atlas answered 404 for a resource something else still lists. */
  found: boolean;
  /** The state field Atlas gave (`connectionStatus`, `status`, `statusName`, `state`), `NOT_FOUND`, `INVALID_ID` or `READ_FAILED`. */
  state: string;
  /** The fields of the Atlas object, kept as evidence. */
  fields: Record<string, unknown>;
  /** For an endpoint: the service it belongs to, as listed. */
  parent?: { id: string; status: string } | undefined;
  /** Set when the read failed for another reason than 404 (state `READ_FAILED`): never a reason to delete. */
  error?: { message: string; errorCode?: string | undefined } | undefined;
}

export interface Classification {
  verdict: 'delete' | 'keep';
  /** The rule that matched, for a `delete`. */
  rule?: RuleName | undefined;
  reason: string;
}

/**
 * Per-scan memo of reads several kinds need (endpoint services feed both the service and the endpoint
 * kinds), so each is read once per project.
 */
export interface ScanContext {
  atlas: AtlasClient;
  apiGeneration: ApiGeneration;
  endpointServices(projectId: string, provider: Provider): Promise<EndpointService[]>;
}

/**
 * One kind of Atlas resource. `classify` is pure: state in, verdict out, so the rules can be
 * tested exhaustively without I/O.
 */
export interface ResourceKind {
  readonly name: KindName;
  /** Every resource of this kind in one project, with as few calls as the API allows. */
  list(ctx: ScanContext, projectId: string): Promise<Observation[]>;
  /** Reads one resource again; `found: false` when it is gone. */
  get(ctx: ScanContext, ref: ResourceRef): Promise<Observation>;
  /** Asks Atlas to delete it. Throws AtlasApiError as Atlas answers. */
  delete(ctx: ScanContext, ref: ResourceRef): Promise<void>;
  classify(observation: Observation): Classification;
}
