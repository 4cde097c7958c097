import {
  SERVICE_LIST_FIELD,
  endpointIdOf,
  serviceEndpointIds,
  type CloudProvider,
  type JanitorAnnotation,
  type ParsedScenario,
} from './scenario';

/**
 * The simulated Atlas state. Deletes are asynchronous: a DELETE records when it was requested, and every
 * read settles the state against the injectable clock (no timers), so tests move time by changing `now`.
 */

export type ResourceKind = 'endpointService' | 'privateEndpoint' | 'peer' | 'streamsPrivateLink';
type Json = Record<string, unknown>;

/** One resource as tests see it through `Simulator.store`. */
export interface StoreItem {
  kind: ResourceKind;
  orgId: string;
  projectId: string;
  provider: CloudProvider;
  id: string;
  /** For private endpoints: the endpoint service that lists it. */
  serviceId?: string;
  /** The served state field (status / connectionStatus / statusName / state); `null` for an orphan id. */
  state: string | null;
  /** A DELETE was accepted (or the scenario gave a deleting state). */
  deleting: boolean;
  /** Listed by its service without an endpoint object: GET answers 404. */
  orphan: boolean;
  janitor: JanitorAnnotation | null;
  /** Exactly what a v2 GET serves (undefined for an orphan). */
  served: Json | undefined;
}

/** Programmatic state access for tests. */
export interface SimulatorStore {
  /** Every resource that still exists, settled against the clock, in scenario order. */
  inventory(): StoreItem[];
  /** One resource by kind and id (endpoint ids are unique per service; the first match wins). */
  find(kind: ResourceKind, id: string): StoreItem | undefined;
  /** Merge fields into the served object of a resource (e.g. flip a status mid-test). */
  update(kind: ResourceKind, id: string, patch: Json): void;
  /** A project's IP access list as `GET …/accessList` serves it, settled against the clock (undefined: no such project). */
  accessList(projectId: string): Json[] | undefined;
}

/**
 * When the access list loses its AWS security groups (MongoDB's documentation: "if you delete the last network
 * peering connection associated with a project"). `lastAwsPeer` (default): when the project's last AWS peer is
 * gone, even if Azure or GCP peers remain; the stricter reading, since security groups only mean
 * something to AWS peers. `lastPeer`: only when no peer of any provider is left.
 */
export type SecurityGroupRemoval = 'lastAwsPeer' | 'lastPeer';

export type DeleteOutcome = 'accepted' | 'alreadyDeleting' | 'hasEndpoints';

export interface StoreOptions {
  deleteDelayMs: number;
  removeServiceWithLastEndpoint: boolean;
  /** Resources the scenario shows as deleting never finish (true), or finish deleteDelayMs after start (false). */
  stuckDeletes: boolean;
  securityGroupRemoval: SecurityGroupRemoval;
  now: () => number;
}

export interface OrgRecord {
  id: string;
  served: Json;
}
export interface ProjectRecord {
  id: string;
  orgId: string;
  served: Json;
  services: ServiceRecord[];
  peers: PeerRecord[];
  streams: StreamRecord[];
  /** IP access list entries, served with the project's groupId. */
  accessList: Json[];
}
interface Deletable {
  id: string;
  base: Json;
  janitor: JanitorAnnotation | null;
  deleteRequestedAt?: number;
}
export interface ServiceRecord extends Deletable {
  projectId: string;
  provider: CloudProvider;
  endpointIds: string[];
  endpoints: Map<string, EndpointRecord>;
}
export interface EndpointRecord {
  id: string;
  projectId: string;
  provider: CloudProvider;
  /** null for an orphan: listed by the service, no object behind it. */
  base: Json | null;
  janitor: JanitorAnnotation | null;
  deleteRequestedAt?: number;
}
export interface PeerRecord extends Deletable {
  projectId: string;
  provider: CloudProvider;
}
export interface StreamRecord extends Deletable {
  projectId: string;
  provider: CloudProvider;
}

/** States a scenario may give that already mean "being deleted": such resources stay as they are forever. */
function hasDeleteInFlight(project: ProjectRecord): boolean {
  const inFlight = (rec: { deleteRequestedAt?: number }) => rec.deleteRequestedAt !== undefined;
  return (
    project.services.some((s) => inFlight(s) || [...s.endpoints.values()].some(inFlight)) ||
    project.peers.some(inFlight) ||
    project.streams.some(inFlight)
  );
}

const SCENARIO_DELETING_STATES = new Set(['DELETING', 'TERMINATING', 'DELETE_REQUESTED']);

/** Drop `endpoints` and every `_janitor*` key: what remains is what Atlas serves. */
function servedFields(obj: Json, omit: readonly string[] = []): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) if (!k.startsWith('_janitor') && !omit.includes(k)) out[k] = structuredClone(v);
  return out;
}

export class Store implements SimulatorStore {
  readonly orgs: OrgRecord[] = [];
  readonly projects: ProjectRecord[] = [];

  constructor(
    scenario: ParsedScenario,
    private readonly opts: StoreOptions,
  ) {
    for (const org of scenario.orgs) {
      this.orgs.push({ id: org.id, served: servedFields(org, ['projects']) });
      for (const p of org.projects) {
        this.projects.push({
          id: p.id,
          orgId: org.id,
          served: { ...servedFields(p, ['endpointServices', 'peers', 'streamsPrivateLinks', 'accessList']), orgId: org.id },
          accessList: p.accessList.map((entry) => ({ groupId: p.id, ...structuredClone(entry) })),
          services: p.endpointServices.map((svc) => {
            const endpoints = new Map<string, EndpointRecord>();
            for (const id of serviceEndpointIds(svc)) {
              endpoints.set(id, { id, projectId: p.id, provider: svc.cloudProvider, base: null, janitor: svc._janitorOrphans?.[id] ?? null });
            }
            for (const ep of svc.endpoints) {
              const id = endpointIdOf(ep);
              endpoints.set(id, { id, projectId: p.id, provider: svc.cloudProvider, base: servedFields(ep), janitor: ep._janitor ?? null });
            }
            return {
              id: svc.id,
              projectId: p.id,
              provider: svc.cloudProvider,
              base: servedFields(svc, ['endpoints', SERVICE_LIST_FIELD[svc.cloudProvider]]),
              janitor: svc._janitor ?? null,
              endpointIds: [...serviceEndpointIds(svc)],
              endpoints,
            };
          }),
          peers: p.peers.map((peer) => ({
            id: peer.id,
            projectId: p.id,
            provider: peer.providerName,
            base: servedFields(peer),
            janitor: peer._janitor ?? null,
          })),
          streams: p.streamsPrivateLinks.map((link) => ({
            id: link._id,
            projectId: p.id,
            provider: link.provider,
            base: servedFields(link),
            janitor: link._janitor ?? null,
          })),
        });
      }
    }
    this.projectIndex = new Map(this.projects.map((p) => [p.id, p]));
    if (!opts.stuckDeletes) this.startScenarioDeletes();
  }

  /** Projects never come or go: an index keeps lookups O(1) in estates of thousands. */
  private readonly projectIndex: Map<string, ProjectRecord>;
  /** Projects with a delete in flight: settling visits only these, so a request costs the same at any estate size. */
  private readonly settling = new Set<ProjectRecord>();
  /**
   * The earliest moment a delete in flight finishes: before it, settling has nothing to do. Without it a
   * scenario with resources shown deleting (which stay so for the whole run at a long delete delay) made
   * every request walk all their projects: most of the simulator's time in a 1,000-project sweep.
   */
  private nextSettleAt = Number.NEGATIVE_INFINITY;

  private requestDelete(rec: { projectId: string; deleteRequestedAt?: number }, at: number): void {
    rec.deleteRequestedAt = at;
    this.nextSettleAt = Math.min(this.nextSettleAt, at + this.opts.deleteDelayMs);
    this.settling.add(this.projectIndex.get(rec.projectId) as ProjectRecord);
  }

  /** A resource the scenario shows mid-delete finishes like any other delete, counted from start. */
  private startScenarioDeletes(): void {
    const now = this.opts.now();
    const start = (rec: Deletable & { projectId: string }, field: string) => {
      if (SCENARIO_DELETING_STATES.has(String(rec.base[field]))) this.requestDelete(rec, now);
    };
    for (const project of this.projects) {
      for (const svc of project.services) {
        start(svc, 'status');
        for (const ep of svc.endpoints.values()) if (ep.base) start(ep as Deletable & EndpointRecord, ep.provider === 'AWS' ? 'connectionStatus' : 'status');
      }
      for (const peer of project.peers) start(peer, peer.provider === 'AWS' ? 'statusName' : 'status');
      for (const link of project.streams) start(link, 'state');
    }
  }

  // --- lookups used by the routes (each settles first) ---

  org(id: string): OrgRecord | undefined {
    return this.orgs.find((o) => o.id === id);
  }

  project(id: string): ProjectRecord | undefined {
    this.settle();
    return this.projectIndex.get(id);
  }

  services(project: ProjectRecord, provider: CloudProvider): ServiceRecord[] {
    this.settle();
    return project.services.filter((s) => s.provider === provider);
  }

  service(project: ProjectRecord, provider: CloudProvider, id: string): ServiceRecord | undefined {
    return this.services(project, provider).find((s) => s.id === id);
  }

  endpoint(service: ServiceRecord, id: string): EndpointRecord | undefined {
    this.settle();
    return service.endpoints.get(id);
  }

  peers(project: ProjectRecord, provider: CloudProvider): PeerRecord[] {
    this.settle();
    return project.peers.filter((p) => p.provider === provider);
  }

  peer(project: ProjectRecord, id: string): PeerRecord | undefined {
    this.settle();
    return project.peers.find((p) => p.id === id);
  }

  streams(project: ProjectRecord): StreamRecord[] {
    this.settle();
    return project.streams;
  }

  stream(project: ProjectRecord, id: string): StreamRecord | undefined {
    return this.streams(project).find((s) => s.id === id);
  }

  // --- served views ---

  serviceView(svc: ServiceRecord): Json {
    const view: Json = { ...structuredClone(svc.base), [SERVICE_LIST_FIELD[svc.provider]]: [...svc.endpointIds] };
    if (svc.deleteRequestedAt !== undefined) view.status = 'DELETING';
    return view;
  }

  /** undefined for an orphan id. */
  endpointView(ep: EndpointRecord): Json | undefined {
    if (!ep.base) return undefined;
    const view = structuredClone(ep.base);
    if (ep.deleteRequestedAt !== undefined) {
      view[ep.provider === 'AWS' ? 'connectionStatus' : 'status'] = 'DELETING';
      view.deleteRequested = true;
    }
    return view;
  }

  peerView(peer: PeerRecord): Json {
    const view = structuredClone(peer.base);
    if (peer.deleteRequestedAt !== undefined) {
      if (peer.provider === 'AWS') view.statusName = 'TERMINATING';
      else view.status = 'DELETING';
    }
    return view;
  }

  streamView(link: StreamRecord): Json {
    const view = structuredClone(link.base);
    if (link.deleteRequestedAt !== undefined) {
      // Atlas reports DELETE_REQUESTED first and DELETING once the work has started.
      const elapsed = this.opts.now() - link.deleteRequestedAt;
      view.state = elapsed < this.opts.deleteDelayMs / 2 ? 'DELETE_REQUESTED' : 'DELETING';
    }
    return view;
  }

  // --- deletes ---

  deleteService(svc: ServiceRecord): DeleteOutcome {
    this.settle();
    if (this.isDeleting(svc, 'status')) return 'alreadyDeleting';
    if (svc.endpointIds.length > 0) return 'hasEndpoints';
    this.requestDelete(svc, this.opts.now());
    this.settle();
    return 'accepted';
  }

  deleteEndpoint(ep: EndpointRecord): DeleteOutcome {
    this.settle();
    if (ep.deleteRequestedAt !== undefined) return 'alreadyDeleting';
    const stateField = ep.provider === 'AWS' ? 'connectionStatus' : 'status';
    if (ep.base && SCENARIO_DELETING_STATES.has(String(ep.base[stateField]))) return 'alreadyDeleting';
    this.requestDelete(ep, this.opts.now());
    this.settle();
    return 'accepted';
  }

  deletePeer(peer: PeerRecord): DeleteOutcome {
    this.settle();
    if (this.isDeleting(peer, peer.provider === 'AWS' ? 'statusName' : 'status')) return 'alreadyDeleting';
    this.requestDelete(peer, this.opts.now());
    this.settle();
    return 'accepted';
  }

  deleteStream(link: StreamRecord): DeleteOutcome {
    this.settle();
    if (this.isDeleting(link, 'state')) return 'alreadyDeleting';
    this.requestDelete(link, this.opts.now());
    this.settle();
    return 'accepted';
  }

  private isDeleting(rec: Deletable, stateField: string): boolean {
    return rec.deleteRequestedAt !== undefined || SCENARIO_DELETING_STATES.has(String(rec.base[stateField]));
  }

  /**
   * Remove what has finished deleting. A service emptied by endpoint deletes starts its own delete at the
   * moment its last endpoint went away (not at the moment we notice), so the outcome does not depend on
   * when anyone looked.
   */
  private settle(): void {
    if (this.settling.size === 0) return;
    const now = this.opts.now();
    if (now < this.nextSettleAt) return;
    const delay = this.opts.deleteDelayMs;
    const done = (rec: { deleteRequestedAt?: number }) => rec.deleteRequestedAt !== undefined && rec.deleteRequestedAt + delay <= now;
    for (const project of this.settling) {
      for (const svc of project.services) {
        let lastGoneAt: number | undefined;
        for (const ep of svc.endpoints.values()) {
          if (!done(ep)) continue;
          const goneAt = (ep.deleteRequestedAt as number) + delay;
          lastGoneAt = Math.max(lastGoneAt ?? goneAt, goneAt);
          svc.endpoints.delete(ep.id);
          svc.endpointIds = svc.endpointIds.filter((id) => id !== ep.id);
        }
        if (lastGoneAt !== undefined && svc.endpointIds.length === 0 && this.opts.removeServiceWithLastEndpoint && !this.isDeleting(svc, 'status')) {
          svc.deleteRequestedAt = lastGoneAt;
        }
      }
      project.services = project.services.filter((s) => !done(s));
      const peersGone = project.peers.filter(done);
      project.peers = project.peers.filter((p) => !done(p));
      if (peersGone.length > 0) this.afterPeersGone(project, peersGone);
      project.streams = project.streams.filter((s) => !done(s));
      if (!hasDeleteInFlight(project)) this.settling.delete(project);
    }
    let next = Number.POSITIVE_INFINITY;
    const pending = (rec: { deleteRequestedAt?: number }) => {
      if (rec.deleteRequestedAt !== undefined) next = Math.min(next, rec.deleteRequestedAt + delay);
    };
    for (const project of this.settling) {
      for (const svc of project.services) {
        pending(svc);
        for (const ep of svc.endpoints.values()) pending(ep);
      }
      project.peers.forEach(pending);
      project.streams.forEach(pending);
    }
    this.nextSettleAt = next;
  }

  /** Seed 003's side effect: the project's last peer takes the access list's AWS security groups with it. */
  private afterPeersGone(project: ProjectRecord, gone: PeerRecord[]): void {
    const last =
      this.opts.securityGroupRemoval === 'lastAwsPeer'
        ? gone.some((p) => p.provider === 'AWS') && !project.peers.some((p) => p.provider === 'AWS')
        : project.peers.length === 0;
    if (last) project.accessList = project.accessList.filter((entry) => entry['awsSecurityGroup'] === undefined);
  }

  accessList(projectId: string): Json[] | undefined {
    const project = this.project(projectId);
    return project ? structuredClone(project.accessList) : undefined;
  }

  // --- SimulatorStore ---

  inventory(): StoreItem[] {
    this.settle();
    const items: StoreItem[] = [];
    for (const p of this.projects) {
      const where = { orgId: p.orgId, projectId: p.id };
      for (const svc of p.services) {
        const served = this.serviceView(svc);
        items.push({
          ...where,
          kind: 'endpointService',
          provider: svc.provider,
          id: svc.id,
          state: String(served.status),
          deleting: this.isDeleting(svc, 'status'),
          orphan: false,
          janitor: svc.janitor,
          served,
        });
        for (const id of svc.endpointIds) {
          const ep = svc.endpoints.get(id) as EndpointRecord;
          const epServed = this.endpointView(ep);
          const stateField = ep.provider === 'AWS' ? 'connectionStatus' : 'status';
          items.push({
            ...where,
            kind: 'privateEndpoint',
            provider: ep.provider,
            id,
            serviceId: svc.id,
            state: epServed ? String(epServed[stateField]) : null,
            deleting: ep.deleteRequestedAt !== undefined || SCENARIO_DELETING_STATES.has(String(epServed?.[stateField])),
            orphan: ep.base === null,
            janitor: ep.janitor,
            served: epServed,
          });
        }
      }
      for (const peer of p.peers) {
        const served = this.peerView(peer);
        const stateField = peer.provider === 'AWS' ? 'statusName' : 'status';
        items.push({
          ...where,
          kind: 'peer',
          provider: peer.provider,
          id: peer.id,
          state: String(served[stateField]),
          deleting: this.isDeleting(peer, stateField),
          orphan: false,
          janitor: peer.janitor,
          served,
        });
      }
      for (const link of p.streams) {
        const served = this.streamView(link);
        items.push({
          ...where,
          kind: 'streamsPrivateLink',
          provider: link.provider,
          id: link.id,
          state: String(served.state),
          deleting: this.isDeleting(link, 'state'),
          orphan: false,
          janitor: link.janitor,
          served,
        });
      }
    }
    return items;
  }

  find(kind: ResourceKind, id: string): StoreItem | undefined {
    return this.inventory().find((i) => i.kind === kind && i.id === id);
  }

  update(kind: ResourceKind, id: string, patch: Json): void {
    this.settle();
    for (const p of this.projects) {
      const target =
        kind === 'endpointService'
          ? p.services.find((s) => s.id === id)
          : kind === 'peer'
            ? p.peers.find((x) => x.id === id)
            : kind === 'streamsPrivateLink'
              ? p.streams.find((x) => x.id === id)
              : p.services.map((s) => s.endpoints.get(id)).find((e) => e?.base);
      if (target?.base) {
        Object.assign(target.base, structuredClone(patch));
        return;
      }
    }
    throw new Error(`no ${kind} ${id} in the simulator store`);
  }
}
