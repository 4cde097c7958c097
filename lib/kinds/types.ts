import type { ApiGeneration, AtlasClient, EndpointService, Provider } from '../atlas';

/** A kind's name as it appears in reports, jobs and configuration (`privateEndpoint`, …): one registered kind. */
export type KindName = string;

/** A deletion rule's name; each is documented in the README and can be switched off by config. */
export type RuleName = string;

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
  error?: { message: string; errorCode?: string | undefined; unprovenNotFound?: true | undefined } | undefined;
}

export interface Classification {
  verdict: 'delete' | 'keep';
  /** The rule that matched, for a `delete`. */
  rule?: RuleName | undefined;
  reason: string;
}

/**
 * The reads of one pass, a scan's or the worker's before one delete: a memo of what several kinds need
 * (endpoint services feed both the service and the endpoint kinds), so each is read once per project.
 */
export interface ReadContext {
  atlas: AtlasClient;
  apiGeneration: ApiGeneration;
  endpointServices(projectId: string, provider: Provider): Promise<EndpointService[]>;
  /**
   * Resolves once the project has been read in this pass (a scan's projects were listed; a worker reads
   * the project once, only when a 404 needs its parent confirmed). Rejects with what Atlas answered.
   */
  projectRead(projectId: string): Promise<void>;
  /** The pause before reading one resource again after a 404 that proved nothing (`attempt`: reads so far). */
  pauseBeforeRereading(attempt: number): Promise<void>;
}

/** One id a ref (and so a delete job) of a kind carries, and the format it is checked against before any URL. */
export interface IdField {
  name: string;
  /** `objectId`: 24 lowercase hex; `endpointId`: the provider's endpoint id format (AWS `vpce-…`, …). */
  format: 'objectId' | 'endpointId';
}

/** A deletion rule a kind's `classify` may name. */
export interface RuleSpec {
  name: RuleName;
  /** Why the rule plans a deletion, one line (the README's rule table, shortened): the report page's "why is this here". */
  why: string;
  /**
   * An age rule matches a state that is normal while the resource is young (a peer waiting for its
   * acceptance): only age makes it stale, so it needs the ledger's memory and never fires on first sight.
   */
  age?: boolean | undefined;
}

/**
 * What deleting some resources of a kind would remove besides them (deleting a project's last AWS peer
 * takes the IP access list's AWS security groups with it). Such deletes wait for a person to allow them.
 */
export interface SideEffect {
  /** The environment setting that allows these deletes (`ALLOW_…=true`); without it they are kept. */
  setting: string;
  /** Ids of the resources (among those going) whose delete has the effect. */
  affects: readonly string[];
  /** What goes besides them, naming each item: for the report, the summary and the kept reason. */
  description: string;
}

/**
 * One kind of Atlas resource: everything the janitor knows about it. The rest of lib/ reaches it only
 * through the registry, so adding a kind is this module plus one registry line. `classify` is pure:
 * state in, verdict out, so the rules can be tested exhaustively without I/O.
 */
export interface ResourceKind {
  readonly name: KindName;
  /**
   * The Atlas UI page that lists this kind in a project: the fragment after `/v2/{projectId}#/`. The
   * Atlas UI has no deep link to a single resource; the page lists them with their ids.
   */
  readonly atlasUiPage: string;
  /** The ids a ref and a delete job of this kind must carry (no more, no fewer); the last is the resource's own id. */
  readonly idFields: readonly IdField[];
  /** Whether a job must name the cloud provider (its routes are per provider). */
  readonly needsProvider: boolean;
  /**
   * Kinds whose resources go before this kind's (an endpoint service after its endpoints): jobs of one
   * project are queued in this order, and a resource that still lists dependents (`dependentsOf`) is
   * neither planned nor deleted until they are going.
   */
  readonly deleteAfter: readonly KindName[];
  /** The rules `classify` may name. */
  readonly rules: readonly RuleSpec[];
  /** States in which Atlas is already removing the resource: the delete is done, not drifted. */
  readonly deletingStates: ReadonlySet<string>;
  /** Atlas error codes a DELETE answers when a delete of this resource is already under way. */
  readonly alreadyDeletingCodes: ReadonlySet<string>;
  /**
   * Atlas error codes (404 bodies) that name this resource as missing (a 404 proves a resource gone
   * only with such a code, since proxies and withdrawn routes answer 404 too; `GROUP_NOT_FOUND` is about the project and is never one).
   */
  readonly goneCodes: ReadonlySet<string>;
  /** Atlas error codes a DELETE answers while dependents remain: wait and try again, never final. */
  readonly hasDependentsCodes: ReadonlySet<string>;
  /** For a kind others are deleted before: the ids of dependents the resource still lists. */
  dependentsOf?(observation: Observation): string[];
  /**
   * What deleting `going` (resources of this kind in one project) would remove besides them, or undefined.
   * `seen`: every resource of the kind a scan of the project just listed; without it (the worker, before
   * one delete) the kind reads what it needs. Reads Atlas only when the effect may apply.
   */
  sideEffectOf?(ctx: ReadContext, projectId: string, going: readonly ResourceRef[], seen?: readonly Observation[]): Promise<SideEffect | undefined>;
  /** Every resource of this kind in one project, with as few calls as the API allows. */
  list(ctx: ReadContext, projectId: string): Promise<Observation[]>;
  /** Reads one resource again; `found: false` when it is gone. */
  get(ctx: ReadContext, ref: ResourceRef): Promise<Observation>;
  /** Asks Atlas to delete it. Throws AtlasApiError as Atlas answers. */
  delete(ctx: ReadContext, ref: ResourceRef): Promise<void>;
  classify(observation: Observation): Classification;
}
