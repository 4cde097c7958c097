import type * as z from 'zod';
import { AtlasRequestError, AtlasResponseError } from './errors';
import { checkEndpointId, checkObjectId, checkProvider, segment, type Provider } from './ids';
import { MAX_BARE_LIST_ITEMS, readAllPages, type Page } from './pagination';
import {
  accessListEntrySchema,
  endpointServiceSchema,
  organizationSchema,
  paginated,
  peerSchema,
  privateEndpointSchema,
  projectSchema,
  streamsPrivateLinkSchema,
  v1InterfaceEndpointSchema,
  v1PrivateEndpointConnectionSchema,
  type AccessListEntry,
  type EndpointService,
  type Organization,
  type Peer,
  type PrivateEndpoint,
  type Project,
  type StreamsPrivateLink,
  type V1InterfaceEndpoint,
  type V1PrivateEndpointConnection,
} from './schemas';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';
import { Transport, type RequestSpec, type TransportOptions, type TransportStats } from './transport';

export const DEFAULT_BASE_URL = 'https://cloud.mongodb.com';

/** `v2`: the versioned Admin API (default). `v1`: the deprecated v1.0 routes for endpoints and peers. */
export const API_GENERATIONS = ['v2', 'v1'] as const;
export type ApiGeneration = (typeof API_GENERATIONS)[number];

/** Media types per operation family, as the spec's 2xx responses declare them. */
const MEDIA_TYPES = {
  v2: 'application/vnd.atlas.2023-01-01+json',
  v2Streams: 'application/vnd.atlas.2023-02-01+json',
  v1: 'application/json',
} as const;

/** Atlas's largest page; fewer pages means fewer calls. */
const ITEMS_PER_PAGE = 500;

export interface AtlasClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  baseUrl?: string | undefined;
  apiGeneration?: ApiGeneration;
  /** Page size for lists (default and maximum 500). */
  itemsPerPage?: number;
}

// Answers that are bare arrays, not pages: bounded like a page, built once (zod compiles on first use).
const ENDPOINT_SERVICE_LIST = endpointServiceSchema.array().max(MAX_BARE_LIST_ITEMS);
const V1_CONNECTION_LIST = v1PrivateEndpointConnectionSchema.array().max(MAX_BARE_LIST_ITEMS);

const V2 = '/api/atlas/v2';
const V1 = '/api/atlas/v1.0';

/**
 * The Atlas Admin API operations atlas-janitor uses. Every id is checked against its format before it
 * is put in a URL; every answer is checked against the shape we rely on.
 *
 * @example
 * const atlas = new AtlasClient({ credentials: { type: 'apiKey', publicKey, privateKey } });
 * for (const project of await atlas.listProjects()) console.log(project.name);
 */
export class AtlasClient {
  readonly baseUrl: string;
  readonly apiGeneration: ApiGeneration;
  /** How this client backs off between attempts; callers that read again on their own pace by it too. */
  readonly retry: RetryPolicy;
  readonly #transport: Transport;
  readonly #itemsPerPage: number;

  constructor(options: AtlasClientOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.apiGeneration = options.apiGeneration ?? 'v2';
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#transport = new Transport({ ...options, baseUrl: this.baseUrl });
    this.#itemsPerPage = Math.min(ITEMS_PER_PAGE, Math.max(1, Math.floor(options.itemsPerPage ?? ITEMS_PER_PAGE)));
  }

  get stats(): TransportStats {
    return this.#transport.stats;
  }

  /**
   * Resolves once this client's sending slots have room for more work. Work started only then keeps the
   * slots busy, while work whose requests wait for their buckets' tokens takes none (lib/concurrency/admit.ts).
   */
  whenRoom(): Promise<void> {
    return this.#transport.whenRoom();
  }

  // Organizations and projects (v2 in both generations: v1.0 offers nothing we need here).

  async listOrganizations(): Promise<Organization[]> {
    return this.#list('listOrgs', `${V2}/orgs`, MEDIA_TYPES.v2, organizationSchema);
  }

  /** Every project the credentials can see. */
  async listProjects(): Promise<Project[]> {
    return this.#noted(await this.#list('listGroups', `${V2}/groups`, MEDIA_TYPES.v2, projectSchema));
  }

  /**
   * Tells the pacer whose organization each project is in (an ORGANIZATION bucket covers the org's
   * projects), and whom a scan request names as its organization (the sweep read it from Atlas).
   */
  noteProjects(projects: readonly { id: string; orgId: string }[]): void {
    this.#transport.noteProjects(projects);
  }

  /**
   * Tells the pacer that another client (a scan function, with its own pacer) used this project's buckets
   * until `at`: a per-project bucket made from now on starts empty at that moment, not full. The worker
   * says so with a job's `plannedAt`: the scan that planned it had just spent the project's list buckets.
   */
  noteProjectSpentUntil(projectId: string, at: number): void {
    this.#transport.noteProjectSpentUntil(projectId, at);
  }

  #noted(projects: Project[]): Project[] {
    this.#transport.noteProjects(projects);
    return projects;
  }

  /**
   * One request any valid credentials may make (the first page of their own projects, one item): throws
   * what Atlas answers when it refuses them. Tells a refused key from a permission error about a project.
   */
  async verifyCredentials(): Promise<void> {
    await this.#transport.send({ operationId: 'listGroups', method: 'GET', path: `${V2}/groups`, accept: MEDIA_TYPES.v2, query: { itemsPerPage: 1, includeCount: false } });
  }

  async getProject(projectId: string): Promise<Project> {
    return this.#noted([await this.#get('getGroup', this.#project(projectId), MEDIA_TYPES.v2, projectSchema)])[0]!;
  }

  async listOrganizationProjects(orgId: string): Promise<Project[]> {
    const org = segment(checkObjectId('orgId', orgId));
    return this.#noted(await this.#list('getOrgGroups', `${V2}/orgs/${org}/groups`, MEDIA_TYPES.v2, projectSchema));
  }

  // Private endpoint services and endpoints (v2).

  /** All endpoint services of one provider: one call, the answer is a bare array, not a page. */
  async listEndpointServices(projectId: string, provider: Provider): Promise<EndpointService[]> {
    const path = `${this.#project(projectId)}/privateEndpoint/${checkProvider('provider', provider)}/endpointService`;
    return this.#get('listPrivateEndpointService', path, MEDIA_TYPES.v2, ENDPOINT_SERVICE_LIST);
  }

  async getEndpointService(projectId: string, provider: Provider, serviceId: string): Promise<EndpointService> {
    return this.#get('getPrivateEndpointService', this.#servicePath(projectId, provider, serviceId), MEDIA_TYPES.v2, endpointServiceSchema);
  }

  async deleteEndpointService(projectId: string, provider: Provider, serviceId: string): Promise<void> {
    return this.#delete('deletePrivateEndpointService', this.#servicePath(projectId, provider, serviceId), MEDIA_TYPES.v2);
  }

  async getEndpoint(projectId: string, provider: Provider, serviceId: string, endpointId: string): Promise<PrivateEndpoint> {
    const path = this.#endpointPath(projectId, provider, serviceId, endpointId);
    return this.#get('getPrivateEndpoint', path, MEDIA_TYPES.v2, privateEndpointSchema);
  }

  async deleteEndpoint(projectId: string, provider: Provider, serviceId: string, endpointId: string): Promise<void> {
    return this.#delete('deletePrivateEndpoint', this.#endpointPath(projectId, provider, serviceId, endpointId), MEDIA_TYPES.v2);
  }

  // Network peering (v2).

  async listPeers(projectId: string, provider: Provider): Promise<Peer[]> {
    const query = { providerName: checkProvider('provider', provider) };
    return this.#list('listGroupPeers', `${this.#project(projectId)}/peers`, MEDIA_TYPES.v2, peerSchema, query);
  }

  async getPeer(projectId: string, peerId: string): Promise<Peer> {
    return this.#get('getGroupPeer', this.#peerPath(V2, projectId, peerId), MEDIA_TYPES.v2, peerSchema);
  }

  async deletePeer(projectId: string, peerId: string): Promise<void> {
    return this.#delete('deleteGroupPeer', this.#peerPath(V2, projectId, peerId), MEDIA_TYPES.v2);
  }

  /**
   * The project's IP access list (v2, every page). Not in the spec subset: read before deleting a project's
   * last AWS peer, because that delete also removes the list's AWS security groups (MongoDB documents this
   * for deleting a project's last network peering connection).
   */
  async listAccessList(projectId: string): Promise<AccessListEntry[]> {
    return this.#list('listProjectIpAccessLists', `${this.#project(projectId)}/accessList`, MEDIA_TYPES.v2, accessListEntrySchema);
  }

  // Stream Processing private link connections (v2, version 2023-02-01).

  async listStreamsPrivateLinks(projectId: string): Promise<StreamsPrivateLink[]> {
    const path = `${this.#project(projectId)}/streams/privateLinkConnections`;
    return this.#list('listPrivateLinkConnections', path, MEDIA_TYPES.v2Streams, streamsPrivateLinkSchema);
  }

  async getStreamsPrivateLink(projectId: string, connectionId: string): Promise<StreamsPrivateLink> {
    return this.#get('getPrivateLinkConnection', this.#streamsPath(projectId, connectionId), MEDIA_TYPES.v2Streams, streamsPrivateLinkSchema);
  }

  async deleteStreamsPrivateLink(projectId: string, connectionId: string): Promise<void> {
    return this.#delete('deletePrivateLinkConnection', this.#streamsPath(projectId, connectionId), MEDIA_TYPES.v2Streams);
  }

  // Deprecated v1.0 routes (AWS private endpoints, peers).

  async v1ListPrivateEndpointConnections(projectId: string): Promise<V1PrivateEndpointConnection[]> {
    const path = `${V1}/groups/${segment(checkObjectId('projectId', projectId))}/privateEndpoint`;
    return this.#get('v1ListPrivateEndpointConnections', path, MEDIA_TYPES.v1, V1_CONNECTION_LIST);
  }

  async v1GetPrivateEndpointConnection(projectId: string, connectionId: string): Promise<V1PrivateEndpointConnection> {
    return this.#get('v1GetPrivateEndpointConnection', this.#v1ConnectionPath(projectId, connectionId), MEDIA_TYPES.v1, v1PrivateEndpointConnectionSchema);
  }

  async v1DeletePrivateEndpointConnection(projectId: string, connectionId: string): Promise<void> {
    return this.#delete('v1DeletePrivateEndpointConnection', this.#v1ConnectionPath(projectId, connectionId), MEDIA_TYPES.v1);
  }

  async v1GetInterfaceEndpoint(projectId: string, connectionId: string, endpointId: string): Promise<V1InterfaceEndpoint> {
    const path = this.#v1InterfacePath(projectId, connectionId, endpointId);
    return this.#get('v1GetInterfaceEndpoint', path, MEDIA_TYPES.v1, v1InterfaceEndpointSchema);
  }

  async v1DeleteInterfaceEndpoint(projectId: string, connectionId: string, endpointId: string): Promise<void> {
    return this.#delete('v1DeleteInterfaceEndpoint', this.#v1InterfacePath(projectId, connectionId, endpointId), MEDIA_TYPES.v1);
  }

  async v1ListPeers(projectId: string, provider: Provider): Promise<Peer[]> {
    const path = `${V1}/groups/${segment(checkObjectId('projectId', projectId))}/peers`;
    return this.#list('v1ListPeers', path, MEDIA_TYPES.v1, peerSchema, { providerName: checkProvider('provider', provider) });
  }

  async v1GetPeer(projectId: string, peerId: string): Promise<Peer> {
    return this.#get('v1GetPeer', this.#peerPath(V1, projectId, peerId), MEDIA_TYPES.v1, peerSchema);
  }

  async v1DeletePeer(projectId: string, peerId: string): Promise<void> {
    return this.#delete('v1DeletePeer', this.#peerPath(V1, projectId, peerId), MEDIA_TYPES.v1);
  }

  // A project's collection by path (v2): how a kind reaches routes that have no named method above. A new
  // kind can start here from its own module; the named methods add the spec's operation names and v1.0.

  /** Every item of a paginated collection under `/groups/{projectId}/`, e.g. `streams/privateLinkConnections`. */
  async listProjectCollection<S extends z.ZodType>(operationId: string, projectId: string, collection: string, item: S, accept: string = MEDIA_TYPES.v2): Promise<z.infer<S>[]> {
    return this.#list(operationId, this.#collectionPath(projectId, collection), accept, item);
  }

  async getProjectItem<S extends z.ZodType>(operationId: string, projectId: string, collection: string, id: string, schema: S, accept: string = MEDIA_TYPES.v2): Promise<z.infer<S>> {
    return this.#get(operationId, `${this.#collectionPath(projectId, collection)}/${segment(checkObjectId('id', id))}`, accept, schema);
  }

  async deleteProjectItem(operationId: string, projectId: string, collection: string, id: string, accept: string = MEDIA_TYPES.v2): Promise<void> {
    return this.#delete(operationId, `${this.#collectionPath(projectId, collection)}/${segment(checkObjectId('id', id))}`, accept);
  }

  // Paths: every id validated, every segment encoded.

  #collectionPath(projectId: string, collection: string): string {
    if (!/^[A-Za-z]+(\/[A-Za-z]+)*$/.test(collection)) throw new AtlasRequestError('collection', 'must be path segments of letters');
    return `${this.#project(projectId)}/${collection}`;
  }

  #project(projectId: string): string {
    return `${V2}/groups/${segment(checkObjectId('projectId', projectId))}`;
  }

  #servicePath(projectId: string, provider: Provider, serviceId: string): string {
    const p = checkProvider('provider', provider);
    return `${this.#project(projectId)}/privateEndpoint/${p}/endpointService/${segment(checkObjectId('endpointServiceId', serviceId))}`;
  }

  #endpointPath(projectId: string, provider: Provider, serviceId: string, endpointId: string): string {
    const id = checkEndpointId('endpointId', checkProvider('provider', provider), endpointId);
    return `${this.#servicePath(projectId, provider, serviceId)}/endpoint/${segment(id)}`;
  }

  #peerPath(root: string, projectId: string, peerId: string): string {
    const project = segment(checkObjectId('projectId', projectId));
    return `${root}/groups/${project}/peers/${segment(checkObjectId('peerId', peerId))}`;
  }

  #streamsPath(projectId: string, connectionId: string): string {
    return `${this.#project(projectId)}/streams/privateLinkConnections/${segment(checkObjectId('connectionId', connectionId))}`;
  }

  #v1ConnectionPath(projectId: string, connectionId: string): string {
    const project = segment(checkObjectId('projectId', projectId));
    return `${V1}/groups/${project}/privateEndpoint/${segment(checkObjectId('privateLinkId', connectionId))}`;
  }

  #v1InterfacePath(projectId: string, connectionId: string, endpointId: string): string {
    checkEndpointId('interfaceEndpointId', 'AWS', endpointId);
    return `${this.#v1ConnectionPath(projectId, connectionId)}/interfaceEndpoints/${segment(endpointId)}`;
  }

  // Request helpers.

  async #get<S extends z.ZodType>(operationId: string, path: string, accept: string, schema: S, query?: RequestSpec['query']): Promise<z.infer<S>> {
    const answer = await this.#transport.send({ operationId, method: 'GET', path, accept, query });
    return parseBody(schema, answer.body, `GET ${path}`);
  }

  async #delete(operationId: string, path: string, accept: string): Promise<void> {
    await this.#transport.send({ operationId, method: 'DELETE', path, accept });
  }

  /** Walks a paginated list at the largest page size, bounded whatever the answers say (readAllPages). */
  async #list<S extends z.ZodType>(
    operationId: string,
    path: string,
    accept: string,
    item: S,
    query: Record<string, string> = {},
  ): Promise<z.infer<S>[]> {
    const pageSchema = paginated(item);
    const itemsPerPage = this.#itemsPerPage;
    const fetchPage = async (pageNum: number): Promise<Page<z.infer<S>>> => {
      const answer = await this.#transport.send({
        operationId,
        method: 'GET',
        path,
        accept,
        query: { ...query, itemsPerPage, pageNum },
      });
      return parseBody(pageSchema, answer.body, `GET ${path} page ${pageNum}`) as Page<z.infer<S>>;
    };
    return readAllPages(fetchPage, itemsPerPage, `GET ${path}`);
  }
}

function parseBody<S extends z.ZodType>(schema: S, body: unknown, operation: string): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  throw new AtlasResponseError(operation, `${where}: ${issue?.message ?? 'unexpected shape'}`);
}
