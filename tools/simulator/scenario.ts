import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { rateLimitsSchema } from './rate-limit-sets';
import { roleGrantSchema, type RoleGrant } from './roles';

/**
 * Scenario format: the initial state of the simulated Atlas. Resource objects are written exactly as
 * v2 serves them (extra keys pass through), plus `endpoints` under each endpoint service and an optional
 * `_janitor` annotation that is never served. The JSON Schema shipped as scenario.schema.json is
 * generated from these zod schemas (see scenario-json-schema.ts), so both stay one definition.
 */

export const ID_FORMATS = {
  hex24: /^[a-f0-9]{24}$/,
  awsEndpointId: /^vpce-[0-9a-f]{17}$/,
  azureEndpointId:
    // No `.` or `..` segment: Azure names cannot be those, and a path that walks elsewhere is not an id.
    /^\/subscriptions\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/resource[gG]roups\/(?!\.{1,2}\/)[-\w._()]+\/providers\/Microsoft\.Network\/privateEndpoints\/(?!\.{1,2}$)[-\w._()]+$/,
  gcpEndpointGroupName: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
} as const;

const hex24 = z.string().regex(ID_FORMATS.hex24, 'must be 24 hex');
const awsEndpointId = z.string().regex(ID_FORMATS.awsEndpointId, 'must be vpce- followed by 17 lowercase hex');
const azureEndpointId = z
  .string()
  .regex(ID_FORMATS.azureEndpointId, 'must be /subscriptions/<uuid>/resourceGroups/<rg>/providers/Microsoft.Network/privateEndpoints/<name>');
const gcpGroupName = z.string().regex(ID_FORMATS.gcpEndpointGroupName, 'must be a GCP resource name (lowercase, digits, hyphens)');
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase uuid');

export const janitorAnnotationSchema = z.object({
  expect: z.enum(['delete', 'keep']),
  note: z.string().optional(),
});
export type JanitorAnnotation = z.infer<typeof janitorAnnotationSchema>;
const janitor = { _janitor: janitorAnnotationSchema.optional() };

export const SERVICE_STATUSES = ['INITIATING', 'WAITING_FOR_USER', 'AVAILABLE', 'FAILED', 'DELETING'] as const;
export const AWS_ENDPOINT_STATUSES = ['NONE', 'PENDING_ACCEPTANCE', 'PENDING', 'AVAILABLE', 'REJECTED', 'DELETING'] as const;
export const AZURE_ENDPOINT_STATUSES = ['INITIATING', 'AVAILABLE', 'FAILED', 'DELETING'] as const;
export const GCP_ENDPOINT_STATUSES = ['INITIATING', 'VERIFIED', 'AVAILABLE', 'FAILED', 'DELETING'] as const;
export const AWS_PEER_STATUSES = ['INITIATING', 'PENDING_ACCEPTANCE', 'FAILED', 'FINALIZING', 'AVAILABLE', 'TERMINATING'] as const;
export const AZURE_GCP_PEER_STATUSES = ['ADDING_PEER', 'WAITING_FOR_USER', 'AVAILABLE', 'FAILED', 'DELETING'] as const;
export const STREAMS_STATES = ['IDLE', 'PENDING', 'DONE', 'FAILED', 'DELETE_REQUESTED', 'DELETING', 'DELETE_FAILED', 'DELETED'] as const;

const awsEndpointSchema = z.looseObject({
  cloudProvider: z.literal('AWS'),
  interfaceEndpointId: awsEndpointId,
  connectionStatus: z.enum(AWS_ENDPOINT_STATUSES),
  deleteRequested: z.boolean().optional(),
  errorMessage: z.string().optional(),
  ...janitor,
});
const azureEndpointSchema = z.looseObject({
  cloudProvider: z.literal('AZURE'),
  privateEndpointResourceId: azureEndpointId,
  privateEndpointIPAddress: z.string().optional(),
  privateEndpointConnectionName: z.string().optional(),
  status: z.enum(AZURE_ENDPOINT_STATUSES),
  deleteRequested: z.boolean().optional(),
  errorMessage: z.string().optional(),
  ...janitor,
});
const gcpEndpointSchema = z.looseObject({
  cloudProvider: z.literal('GCP'),
  endpointGroupName: gcpGroupName,
  endpoints: z.array(z.looseObject({ endpointName: z.string(), ipAddress: z.string(), status: z.string() })).optional(),
  gcpProjectId: z.string().optional(),
  status: z.enum(GCP_ENDPOINT_STATUSES),
  deleteRequested: z.boolean().optional(),
  errorMessage: z.string().optional(),
  ...janitor,
});

const serviceCommon = {
  id: hex24,
  regionName: z.string().min(1),
  status: z.enum(SERVICE_STATUSES),
  errorMessage: z.string().optional(),
  ...janitor,
  /** Annotations for orphan ids (listed, no endpoint object), which have no object of their own to carry `_janitor`. */
  _janitorOrphans: z.record(z.string(), janitorAnnotationSchema).optional(),
};
const awsServiceSchema = z.looseObject({
  cloudProvider: z.literal('AWS'),
  ...serviceCommon,
  endpointServiceName: z.string().optional(),
  interfaceEndpoints: z.array(awsEndpointId),
  endpoints: z.array(awsEndpointSchema).default([]),
});
const azureServiceSchema = z.looseObject({
  cloudProvider: z.literal('AZURE'),
  ...serviceCommon,
  privateLinkServiceName: z.string().optional(),
  privateEndpoints: z.array(azureEndpointId).default([]),
  endpoints: z.array(azureEndpointSchema).default([]),
});
const gcpServiceSchema = z.looseObject({
  cloudProvider: z.literal('GCP'),
  ...serviceCommon,
  endpointGroupNames: z.array(gcpGroupName).default([]),
  serviceAttachmentNames: z.array(z.string()).optional(),
  endpoints: z.array(gcpEndpointSchema).default([]),
});
export const endpointServiceSchema = z.discriminatedUnion('cloudProvider', [awsServiceSchema, azureServiceSchema, gcpServiceSchema]);

const peerCommon = { id: hex24, containerId: hex24, ...janitor };
const awsPeerSchema = z.looseObject({
  providerName: z.literal('AWS'),
  ...peerCommon,
  accepterRegionName: z.string().nullable(),
  awsAccountId: z.string().regex(/^[0-9]{12}$/, 'must be 12 digits'),
  routeTableCidrBlock: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR block'),
  vpcId: z.string().regex(/^vpc-[0-9a-f]{17}$/, 'must be vpc- followed by 17 lowercase hex'),
  connectionId: z.string().nullable().optional(),
  statusName: z.enum(AWS_PEER_STATUSES),
  errorStateName: z.enum(['REJECTED', 'EXPIRED', 'INVALID_ARGUMENT']).nullable().optional(),
});
const azurePeerSchema = z.looseObject({
  providerName: z.literal('AZURE'),
  ...peerCommon,
  azureDirectoryId: uuid,
  azureSubscriptionId: uuid,
  resourceGroupName: z.string().min(1),
  vnetName: z.string().min(1),
  status: z.enum(AZURE_GCP_PEER_STATUSES),
  errorState: z.string().nullable().optional(),
});
const gcpPeerSchema = z.looseObject({
  providerName: z.literal('GCP'),
  ...peerCommon,
  gcpProjectId: z.string().min(1),
  networkName: z.string().min(1),
  status: z.enum(AZURE_GCP_PEER_STATUSES),
  errorMessage: z.string().nullable().optional(),
});
export const peerSchema = z.discriminatedUnion('providerName', [awsPeerSchema, azurePeerSchema, gcpPeerSchema]);

export const streamsPrivateLinkSchema = z.looseObject({
  _id: hex24,
  provider: z.enum(['AWS', 'AZURE', 'GCP']),
  vendor: z.string().optional(),
  region: z.string().optional(),
  state: z.enum(STREAMS_STATES),
  errorMessage: z.string().optional(),
  ...janitor,
});

/** One IP access list entry (`GET /groups/{groupId}/accessList`): exactly one of the three addresses. */
export const accessListEntrySchema = z
  .object({
    awsSecurityGroup: z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be sg- followed by 8 to 17 lowercase hex').optional(),
    cidrBlock: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'must be an IPv4 CIDR block').optional(),
    ipAddress: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}$/, 'must be an IPv4 address').optional(),
    comment: z.string().max(80).optional(),
  })
  .strict()
  .refine((e) => [e.awsSecurityGroup, e.cidrBlock, e.ipAddress].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of awsSecurityGroup, cidrBlock, ipAddress',
  });

/** A fault rule as scenario JSON gives it (the same shape as `SimulatorOptions.faults`, see types.ts). */
export const faultRuleSchema = z
  .object({
    match: z
      .object({
        method: z.string().min(1).optional(),
        operationId: z.string().min(1).optional(),
        pathIncludes: z.string().min(1).optional(),
        projectIds: z.array(hex24).min(1).optional(),
      })
      .strict()
      .optional(),
    status: z.number().int().min(100).max(599).optional(),
    errorCode: z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an upper-case Atlas error code').optional(),
    bare: z.boolean().optional(),
    retryAfterSeconds: z.number().int().nonnegative().optional(),
    reset: z.boolean().optional(),
    latencyMs: z.number().int().nonnegative().optional(),
    rate: z.number().min(0).max(1).optional(),
    times: z.number().int().positive().optional(),
    phase: z.enum(['before', 'after']).optional(),
  })
  .strict()
  .refine((r) => r.status !== undefined || (r.errorCode === undefined && !r.bare), { message: 'errorCode and bare need a status' });

const projectSchema = z.looseObject({
  id: hex24,
  name: z.string().regex(/^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u, 'must be 1-64 letters, digits or -_.(),:&@+\''),
  created: z.iso.datetime({ message: 'must be an ISO 8601 date-time' }),
  clusterCount: z.number().int().nonnegative(),
  tags: z.array(z.object({ key: z.string().min(1), value: z.string().min(1) })).default([]),
  endpointServices: z.array(endpointServiceSchema).default([]),
  peers: z.array(peerSchema).default([]),
  streamsPrivateLinks: z.array(streamsPrivateLinkSchema).default([]),
  accessList: z.array(accessListEntrySchema).default([]),
});

const orgSchema = z.looseObject({
  id: hex24,
  name: z.string().min(1),
  isDeleted: z.boolean().default(false),
  projects: z.array(projectSchema).default([]),
});

export const scenarioSchema = z.object({
  $schema: z.string().optional(),
  description: z.string().optional(),
  settings: z
    .object({
      deleteDelayMs: z.number().int().nonnegative().optional(),
      tokenTtlSeconds: z.number().int().positive().optional(),
      securityGroupRemoval: z.enum(['lastAwsPeer', 'lastPeer']).optional(),
    })
    .optional(),
  /** Fault rules active from the start (added before `SimulatorOptions.faults`). */
  faults: z.array(faultRuleSchema).default([]),
  apiKeys: z
    .array(z.object({ publicKey: z.string().regex(/^[a-z]{8}$/, 'must be 8 lowercase letters'), privateKey: z.string().min(1), orgIds: z.array(hex24), roles: z.array(roleGrantSchema).optional() }))
    .default([]),
  serviceAccounts: z
    .array(
      z.object({
        clientId: z.string().regex(/^mdb_sa_id_[a-fA-F\d]{24}$/, 'must be mdb_sa_id_ followed by 24 hex'),
        clientSecret: z.string().min(1),
        orgIds: z.array(hex24),
        /** Absent: Organization Owner of each of orgIds. */
        roles: z.array(roleGrantSchema).optional(),
      }),
    )
    .default([]),
  orgs: z.array(orgSchema),
  /** Token buckets per endpoint set and scope; absent = the documented default sets (README, Rate limits). */
  rateLimits: rateLimitsSchema.optional(),
});

export type Scenario = z.input<typeof scenarioSchema>;
export type ParsedScenario = z.output<typeof scenarioSchema>;
export type ParsedEndpointService = z.output<typeof endpointServiceSchema>;
export type ParsedPeer = z.output<typeof peerSchema>;
export type ParsedStreamsPrivateLink = z.output<typeof streamsPrivateLinkSchema>;

/** A scenario that does not validate; `issues` lists every problem as `path: message`. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly issues: string[],
    readonly source: string,
  ) {
    super(`invalid scenario ${source}:\n  ${issues.join('\n  ')}`);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
  return out || '(root)';
}

/** Parse and cross-check a scenario object or JSON file path. Throws ScenarioError. */
export async function loadScenario(input: Scenario | string): Promise<ParsedScenario> {
  if (typeof input !== 'string') return parseScenario(input, 'object');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(input, 'utf8'));
  } catch (err) {
    throw new ScenarioError([`(root): cannot read JSON: ${(err as Error).message}`], input);
  }
  return parseScenario(raw, input);
}

export function parseScenario(raw: unknown, source = 'object'): ParsedScenario {
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) {
    throw new ScenarioError(
      result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`),
      source,
    );
  }
  const issues = crossCheck(result.data);
  if (issues.length > 0) throw new ScenarioError(issues, source);
  return result.data;
}

/** What zod cannot see field by field: uniqueness, references, and the service/endpoint pairing. */
function crossCheck(s: ParsedScenario): string[] {
  const issues: string[] = [];
  const seen = new Map<string, string>();
  const unique = (scope: string, id: string, path: string) => {
    const key = `${scope}:${id}`;
    const first = seen.get(key);
    if (first) issues.push(`${path}: duplicate ${scope} id ${id} (first at ${first})`);
    else seen.set(key, path);
  };
  const orgIds = new Set(s.orgs.map((o) => o.id));

  // A role is held in an organization the key belongs to, or in one of that organization's projects.
  const orgOfProject = new Map(s.orgs.flatMap((o) => o.projects.map((p) => [p.id, o.id] as const)));
  const checkRoles = (path: string, member: readonly string[], roles: readonly RoleGrant[] | undefined) =>
    roles?.forEach((r, j) => {
      const org = r.orgId ?? orgOfProject.get(r.groupId ?? '');
      if (org === undefined) issues.push(`${path}.roles[${j}].groupId: unknown project ${r.groupId}`);
      else if (!member.includes(org)) issues.push(`${path}.roles[${j}]: ${r.roleName} in ${r.orgId ? 'org' : 'project'} ${r.orgId ?? r.groupId}, outside the orgs the key belongs to (orgIds)`);
    });
  s.apiKeys.forEach((k, i) => {
    unique('apiKey', k.publicKey, `apiKeys[${i}].publicKey`);
    k.orgIds.forEach((id, j) => orgIds.has(id) || issues.push(`apiKeys[${i}].orgIds[${j}]: unknown org ${id}`));
    checkRoles(`apiKeys[${i}]`, k.orgIds, k.roles);
  });
  s.serviceAccounts.forEach((a, i) => {
    unique('serviceAccount', a.clientId, `serviceAccounts[${i}].clientId`);
    a.orgIds.forEach((id, j) => orgIds.has(id) || issues.push(`serviceAccounts[${i}].orgIds[${j}]: unknown org ${id}`));
    checkRoles(`serviceAccounts[${i}]`, a.orgIds, a.roles);
  });

  s.orgs.forEach((org, oi) => {
    unique('org', org.id, `orgs[${oi}].id`);
    org.projects.forEach((p, pi) => {
      const pp = `orgs[${oi}].projects[${pi}]`;
      unique('project', p.id, `${pp}.id`);
      p.endpointServices.forEach((svc, si) => {
        const sp = `${pp}.endpointServices[${si}]`;
        unique('endpointService', svc.id, `${sp}.id`);
        const listed = serviceEndpointIds(svc);
        const listField = SERVICE_LIST_FIELD[svc.cloudProvider];
        const listedSeen = new Set<string>();
        listed.forEach((id, li) => {
          if (listedSeen.has(id)) issues.push(`${sp}.${listField}[${li}]: duplicate endpoint id ${id}`);
          listedSeen.add(id);
        });
        const objectSeen = new Set<string>();
        svc.endpoints.forEach((ep, ei) => {
          const id = endpointIdOf(ep);
          const epPath = `${sp}.endpoints[${ei}]`;
          if (objectSeen.has(id)) issues.push(`${epPath}: duplicate endpoint ${id}`);
          objectSeen.add(id);
          if (!listedSeen.has(id)) issues.push(`${epPath}: endpoint ${id} is not listed in ${sp}.${listField}`);
        });
        for (const id of Object.keys(svc._janitorOrphans ?? {})) {
          if (!listedSeen.has(id) || objectSeen.has(id)) issues.push(`${sp}._janitorOrphans.${id}: not an orphan id of this service (listed, without an endpoint object)`);
        }
      });
      p.peers.forEach((peer, i) => unique('peer', peer.id, `${pp}.peers[${i}].id`));
      p.streamsPrivateLinks.forEach((link, i) => unique('streamsPrivateLink', link._id, `${pp}.streamsPrivateLinks[${i}]._id`));
    });
  });
  return issues;
}

export type CloudProvider = 'AWS' | 'AZURE' | 'GCP';

/** The field that lists a service's endpoint ids, per provider. */
export const SERVICE_LIST_FIELD = {
  AWS: 'interfaceEndpoints',
  AZURE: 'privateEndpoints',
  GCP: 'endpointGroupNames',
} as const satisfies Record<CloudProvider, string>;

export function serviceEndpointIds(svc: ParsedEndpointService): string[] {
  switch (svc.cloudProvider) {
    case 'AWS':
      return svc.interfaceEndpoints;
    case 'AZURE':
      return svc.privateEndpoints;
    case 'GCP':
      return svc.endpointGroupNames;
  }
}

export function endpointIdOf(ep: ParsedEndpointService['endpoints'][number]): string {
  switch (ep.cloudProvider) {
    case 'AWS':
      return ep.interfaceEndpointId;
    case 'AZURE':
      return ep.privateEndpointResourceId;
    case 'GCP':
      return ep.endpointGroupName;
  }
}
