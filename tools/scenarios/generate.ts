/**
 * Generates simulator scenarios of any size: a realistic mix of kinds, providers and states, each
 * resource annotated with `_janitor.expect` from this file's own reading of the rules (an oracle that
 * does not use lib/kinds). Deterministic under a seed. Used by property tests, the demo and benchmarks.
 */
import { mulberry32 } from '../simulator/faults';

export interface EstateOptions {
  projects: number;
  seed?: number;
  orgs?: number;
  /** Share of resources in a dead state (default 0.3). */
  staleShare?: number;
  /** Average resources per project (default 4); 0 gives empty projects. */
  density?: number;
  /** Resources already being deleted (default true); without them an estate's end state does not depend on timing. */
  includeDeleting?: boolean;
  /** API key that sees every org. */
  apiKey?: { publicKey: string; privateKey: string };
}

type Expect = 'delete' | 'keep';
type Json = Record<string, unknown>;

export const GENERATED_API_KEY = { publicKey: 'genkeyaa', privateKey: 'generated-private-key-0001' };
export const GENERATED_SERVICE_ACCOUNT = { clientId: 'mdb_sa_id_0123456789abcdef01234567', clientSecret: 'mdb_sa_sk_generated_secret_0001' };


// State pools: [state, expect]. Dead states per the rules; everything else is kept.
const AWS_ENDPOINT: [string, Expect][] = [['AVAILABLE', 'keep'], ['PENDING_ACCEPTANCE', 'keep'], ['PENDING', 'keep'], ['NONE', 'keep'], ['DELETING', 'keep'], ['REJECTED', 'delete']];
const AZURE_ENDPOINT: [string, Expect][] = [['AVAILABLE', 'keep'], ['INITIATING', 'keep'], ['DELETING', 'keep'], ['FAILED', 'delete']];
const GCP_ENDPOINT: [string, Expect][] = [...AZURE_ENDPOINT, ['VERIFIED', 'keep']];
const SERVICE: [string, Expect][] = [['AVAILABLE', 'keep'], ['INITIATING', 'keep'], ['WAITING_FOR_USER', 'keep'], ['DELETING', 'keep'], ['FAILED', 'delete']];
const AWS_PEER: [string, string | null, Expect][] = [
  ['AVAILABLE', null, 'keep'],
  ['PENDING_ACCEPTANCE', null, 'keep'],
  ['INITIATING', null, 'keep'],
  ['FINALIZING', null, 'keep'],
  ['TERMINATING', null, 'keep'],
  // An error state beside a live status is stale or transitional: statusName decides.
  ['AVAILABLE', 'REJECTED', 'keep'],
  ['PENDING_ACCEPTANCE', 'EXPIRED', 'keep'],
  ['FAILED', 'REJECTED', 'delete'],
  ['FAILED', 'EXPIRED', 'delete'],
  ['FAILED', 'INVALID_ARGUMENT', 'delete'],
];
const OTHER_PEER: [string, Expect][] = [['AVAILABLE', 'keep'], ['ADDING_PEER', 'keep'], ['WAITING_FOR_USER', 'keep'], ['DELETING', 'keep'], ['FAILED', 'delete']];
const STREAMS: [string, Expect][] = [['DONE', 'keep'], ['PENDING', 'keep'], ['IDLE', 'keep'], ['DELETE_REQUESTED', 'keep'], ['DELETING', 'keep'], ['FAILED', 'delete'], ['DELETE_FAILED', 'delete']];

/** States in which nothing may ever be planned (healthy, pending, or already going), whatever the kind. */
export const NEVER_PLANNED_STATES: ReadonlySet<string> = new Set([
  'AVAILABLE', 'PENDING_ACCEPTANCE', 'PENDING', 'NONE', 'INITIATING', 'VERIFIED', 'WAITING_FOR_USER', 'ADDING_PEER',
  'FINALIZING', 'DONE', 'IDLE', 'DELETING', 'TERMINATING', 'DELETE_REQUESTED', 'DELETED',
]);

export function generateEstate(options: EstateOptions): Json {
  const random = mulberry32(options.seed ?? 1);
  const staleShare = options.staleShare ?? 0.3;
  const density = options.density ?? 4;
  const orgCount = Math.max(1, options.orgs ?? Math.ceil(options.projects / 250));
  let counter = 0;
  const hex = (n: number) => {
    counter++;
    let s = counter.toString(16);
    while (s.length < n) s = Math.floor(random() * 16).toString(16) + s;
    return s.slice(-n);
  };
  const oid = () => hex(24);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  // Dead states with probability staleShare, otherwise a healthy or pending one.
  const deletingStates = new Set(['DELETING', 'TERMINATING', 'DELETE_REQUESTED']);
  const choose = <T extends readonly unknown[]>(pool: readonly T[]): T => {
    const dead = pool.filter((p) => p[p.length - 1] === 'delete');
    const alive = pool.filter((p) => p[p.length - 1] === 'keep' && (options.includeDeleting !== false || !deletingStates.has(p[0] as string)));
    return random() < staleShare ? pick(dead) : pick(alive);
  };
  const count = () => (density === 0 ? 0 : Math.floor(random() * (density / 2 + 1)));

  const orgs = Array.from({ length: orgCount }, (_, i) => ({ id: oid(), name: `org-${i + 1}`, isDeleted: false, projects: [] as Json[] }));
  for (let p = 0; p < options.projects; p++) {
    const org = orgs[p % orgCount]!;
    const project: Json = {
      id: oid(),
      name: `project-${String(p + 1).padStart(5, '0')}`,
      created: '2024-01-01T00:00:00Z',
      clusterCount: Math.floor(random() * 4),
      tags: [],
      endpointServices: [] as Json[],
      peers: [] as Json[],
      streamsPrivateLinks: [] as Json[],
    };
    for (let s = count() > 1 ? 1 : 0; s > 0; s--) (project['endpointServices'] as Json[]).push(endpointService('AWS'));
    if (random() < density / 12) (project['endpointServices'] as Json[]).push(endpointService('AZURE'));
    if (random() < density / 12) (project['endpointServices'] as Json[]).push(endpointService('GCP'));
    for (let i = count(); i > 0; i--) (project['peers'] as Json[]).push(peer(pick(['AWS', 'AWS', 'AZURE', 'GCP'] as const)));
    if (random() < density / 10) (project['streamsPrivateLinks'] as Json[]).push(streams());
    org.projects.push(project);
  }

  function endpointService(provider: 'AWS' | 'AZURE' | 'GCP'): Json {
    const [status, expect] = choose(SERVICE);
    const id = oid();
    const endpoints: Json[] = [];
    const ids: string[] = [];
    for (let i = count(); i > 0; i--) {
      const e = endpoint(provider, status === 'FAILED' || status === 'DELETING');
      endpoints.push(e);
      ids.push(endpointIdOf(provider, e));
    }
    // Now and then an orphan: an id the service lists with no endpoint behind it.
    const orphans: Record<string, Json> = {};
    if (random() < staleShare / 3) {
      const id = provider === 'AWS' ? `vpce-${hex(17)}` : provider === 'AZURE' ? azureEndpointId(`pe-orphan-${hex(6)}`) : `atlas-psc-orphan-${hex(6)}`;
      ids.push(id);
      orphans[id] = { expect: 'delete', note: 'listed by its service, 404 when read' };
    }
    const base: Json = { id, cloudProvider: provider, regionName: provider === 'AWS' ? 'us-east-1' : provider === 'AZURE' ? 'eastus2' : 'us-central1', status, _janitor: { expect } };
    if (Object.keys(orphans).length > 0) base['_janitorOrphans'] = orphans;
    if (status === 'FAILED') base['errorMessage'] = 'provisioning failed';
    if (provider === 'AWS') return { ...base, endpointServiceName: `com.amazonaws.vpce.us-east-1.vpce-svc-${hex(17)}`, interfaceEndpoints: ids, endpoints };
    if (provider === 'AZURE') return { ...base, privateLinkServiceName: `pls_${oid()}`, privateEndpoints: ids, endpoints };
    return { ...base, endpointGroupNames: ids, serviceAttachmentNames: [], endpoints };
  }

  function azureEndpointId(name: string): string {
    return `/subscriptions/${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}/resourceGroups/rg-janitor/providers/Microsoft.Network/privateEndpoints/${name}`;
  }

  /** An endpoint of a dead (FAILED or DELETING) service is an orphan unless it is itself being deleted. */
  function endpoint(provider: 'AWS' | 'AZURE' | 'GCP', serviceDead: boolean): Json {
    const [state, ownExpect] = choose(provider === 'AWS' ? AWS_ENDPOINT : provider === 'AZURE' ? AZURE_ENDPOINT : GCP_ENDPOINT);
    const deleting = state === 'DELETING';
    const janitor = { expect: deleting ? 'keep' : serviceDead ? 'delete' : ownExpect };
    if (provider === 'AWS') {
      return { cloudProvider: 'AWS', interfaceEndpointId: `vpce-${hex(17)}`, connectionStatus: state, deleteRequested: deleting, _janitor: janitor };
    }
    if (provider === 'AZURE') {
      return {
        cloudProvider: 'AZURE',
        privateEndpointResourceId: azureEndpointId(`pe-${hex(8)}`),
        privateEndpointIPAddress: `10.0.${Math.floor(random() * 250)}.${Math.floor(random() * 250) + 1}`,
        status: state,
        deleteRequested: deleting,
        _janitor: janitor,
      };
    }
    return { cloudProvider: 'GCP', endpointGroupName: `atlas-psc-${hex(8)}`, endpoints: [], gcpProjectId: 'janitor-gcp-project', status: state, deleteRequested: deleting, _janitor: janitor };
  }

  function peer(provider: 'AWS' | 'AZURE' | 'GCP'): Json {
    const containerId = oid();
    if (provider === 'AWS') {
      const [statusName, errorStateName, expect] = choose(AWS_PEER);
      return {
        id: oid(), containerId, providerName: 'AWS', vpcId: `vpc-${hex(17)}`, awsAccountId: String(100000000000 + Math.floor(random() * 899999999999)),
        routeTableCidrBlock: `10.${Math.floor(random() * 250)}.0.0/16`, accepterRegionName: 'us-east-1', connectionId: statusName === 'AVAILABLE' ? `pcx-${hex(17)}` : null,
        statusName, errorStateName, _janitor: { expect },
      };
    }
    const [status, expect] = choose(OTHER_PEER);
    if (provider === 'AZURE') {
      return {
        id: oid(), containerId, providerName: 'AZURE', azureDirectoryId: `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
        azureSubscriptionId: `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`, resourceGroupName: 'rg-network', vnetName: `vnet-${hex(6)}`,
        status, errorState: status === 'FAILED' ? 'VNET_NOT_FOUND' : null, _janitor: { expect },
      };
    }
    return { id: oid(), containerId, providerName: 'GCP', gcpProjectId: 'janitor-gcp-project', networkName: `net-${hex(6)}`, status, errorMessage: status === 'FAILED' ? 'peering failed' : null, _janitor: { expect } };
  }

  function streams(): Json {
    const [state, expect] = choose(STREAMS);
    return { _id: oid(), provider: 'AWS', vendor: 'MSK', region: 'us-east-1', arn: `arn:aws:kafka:us-east-1:123456789012:cluster/c-${hex(6)}`, state, _janitor: { expect } };
  }

  const key = options.apiKey ?? GENERATED_API_KEY;
  return {
    description: `generated estate: ${options.projects} projects, seed ${options.seed ?? 1}`,
    settings: { deleteDelayMs: 200, tokenTtlSeconds: 3600 },
    apiKeys: [{ ...key, orgIds: orgs.map((o) => o.id) }],
    serviceAccounts: [{ ...GENERATED_SERVICE_ACCOUNT, orgIds: orgs.map((o) => o.id) }],
    orgs,
  };
}

function endpointIdOf(provider: 'AWS' | 'AZURE' | 'GCP', endpoint: Json): string {
  if (provider === 'AWS') return endpoint['interfaceEndpointId'] as string;
  if (provider === 'AZURE') return endpoint['privateEndpointResourceId'] as string;
  return endpoint['endpointGroupName'] as string;
}

export interface ExpectedDeletion {
  kind: 'privateEndpoint' | 'privateEndpointService' | 'networkPeering' | 'streamsPrivateLink';
  id: string;
  /** The rule that should match, read from the resource as docs/rules.md states the rules. */
  rule: string;
}

const annotated = (value: unknown): boolean => ((value as Json | undefined)?.['_janitor'] as Json | undefined)?.['expect'] === 'delete';

/** Every resource of a scenario annotated `expect: delete`, sorted by kind and id. */
export function expectedDeletions(scenario: Json): ExpectedDeletion[] {
  const out: ExpectedDeletion[] = [];
  for (const org of scenario['orgs'] as Json[]) {
    for (const project of org['projects'] as Json[]) {
      for (const service of (project['endpointServices'] as Json[] | undefined) ?? []) {
        const provider = service['cloudProvider'] as 'AWS' | 'AZURE' | 'GCP';
        const serviceDead = service['status'] === 'FAILED' || service['status'] === 'DELETING';
        if (annotated(service)) out.push({ kind: 'privateEndpointService', id: service['id'] as string, rule: 'failed-endpoint-service' });
        for (const endpoint of (service['endpoints'] as Json[] | undefined) ?? []) {
          if (!annotated(endpoint)) continue;
          const rule = serviceDead ? 'orphaned-endpoint' : provider === 'AWS' ? 'rejected-aws-endpoint' : 'failed-endpoint';
          out.push({ kind: 'privateEndpoint', id: endpointIdOf(provider, endpoint), rule });
        }
        for (const [id, note] of Object.entries((service['_janitorOrphans'] as Record<string, Json> | undefined) ?? {})) {
          if (note['expect'] === 'delete') out.push({ kind: 'privateEndpoint', id, rule: 'orphaned-endpoint' });
        }
      }
      for (const peer of (project['peers'] as Json[] | undefined) ?? []) {
        if (annotated(peer)) out.push({ kind: 'networkPeering', id: peer['id'] as string, rule: peer['providerName'] === 'AWS' ? 'failed-aws-peer' : 'failed-peer' });
      }
      for (const link of (project['streamsPrivateLinks'] as Json[] | undefined) ?? []) {
        if (annotated(link)) out.push({ kind: 'streamsPrivateLink', id: link['_id'] as string, rule: 'failed-streams-private-link' });
      }
    }
  }
  return out.sort((a, b) => `${a.kind}:${a.id}`.localeCompare(`${b.kind}:${b.id}`));
}

/**
 * The fewest Atlas calls a v2 scan of one project can make, as docs/report.md states it: one endpoint
 * service list per provider (3), one read per endpoint a service lists, one peer list page per
 * provider (3, at up to 500 peers a page), one streams page (1), and the IP access list's pages when the
 * planned AWS peers are all the AWS peers the project keeps (deleting the last one removes its security
 * groups). Planned is read from the `expect: delete` notes, failure rules acting on first sight.
 */
export function minimumScanCalls(project: Json): number {
  const pages = (n: number) => Math.max(1, Math.ceil(n / 500));
  let endpointReads = 0;
  for (const service of (project['endpointServices'] as Json[] | undefined) ?? []) {
    const ids = (service['interfaceEndpoints'] ?? service['privateEndpoints'] ?? service['endpointGroupNames'] ?? []) as string[];
    endpointReads += ids.length;
  }
  const peers = ((project['peers'] as Json[] | undefined) ?? []).reduce<Record<string, number>>((acc, p) => {
    const provider = p['providerName'] as string;
    acc[provider] = (acc[provider] ?? 0) + 1;
    return acc;
  }, {});
  const peerPages = ['AWS', 'AZURE', 'GCP'].reduce((sum, provider) => sum + pages(peers[provider] ?? 0), 0);
  const awsPeers = ((project['peers'] as Json[] | undefined) ?? []).filter((p) => p['providerName'] === 'AWS' && p['statusName'] !== 'TERMINATING');
  const lastAwsPeersPlanned = awsPeers.some(annotated) && awsPeers.every(annotated);
  const accessListPages = lastAwsPeersPlanned ? pages(((project['accessList'] as Json[] | undefined) ?? []).length) : 0;
  return 3 + endpointReads + peerPages + pages(((project['streamsPrivateLinks'] as Json[] | undefined) ?? []).length) + accessListPages;
}
