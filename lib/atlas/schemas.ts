import * as z from 'zod';
import { MAX_BARE_LIST_ITEMS } from './pagination';

// Response shapes we rely on. Objects are loose: Atlas adds fields over time and we keep what it sends
// (evidence for reports), but every field a rule or a URL reads is typed here. Atlas answers `null` for
// several "no value" strings, hence nullish.
const optionalText = z.string().nullish();
/** Ids a service lists (its endpoints): each becomes a read, so their number is bounded. */
const idList = z.array(z.string()).max(MAX_BARE_LIST_ITEMS).nullish();

export const linkSchema = z.looseObject({ href: z.string(), rel: z.string() });

function pageOf<T extends z.ZodType>(item: T) {
  return z.looseObject({
    results: z.array(item),
    links: z.array(linkSchema).optional(),
    totalCount: z.number().int().nonnegative().optional(),
  });
}

// Built once per item schema: zod compiles a schema on first use, and a fresh one per list call cost
// about a third of the client's CPU in a 1,000-project sweep.
const pages = new WeakMap<z.ZodType, z.ZodType>();

export function paginated<T extends z.ZodType>(item: T): ReturnType<typeof pageOf<T>> {
  let page = pages.get(item);
  if (!page) pages.set(item, (page = pageOf(item)));
  return page as ReturnType<typeof pageOf<T>>;
}

export const organizationSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  isDeleted: z.boolean().optional(),
});

export const projectSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  orgId: z.string(),
  created: z.string().optional(),
  clusterCount: z.number().optional(),
  tags: z.array(z.looseObject({ key: z.string(), value: z.string() })).optional(),
});

export const endpointServiceSchema = z.looseObject({
  id: z.string(),
  cloudProvider: z.string(),
  regionName: optionalText,
  status: z.string(),
  errorMessage: optionalText,
  endpointServiceName: optionalText,
  interfaceEndpoints: idList,
  privateEndpoints: idList,
  privateLinkServiceName: optionalText,
  endpointGroupNames: idList,
  serviceAttachmentNames: idList,
});

export const privateEndpointSchema = z.looseObject({
  cloudProvider: z.string(),
  deleteRequested: z.boolean().nullish(),
  errorMessage: optionalText,
  // AWS
  interfaceEndpointId: optionalText,
  connectionStatus: optionalText,
  // Azure and GCP
  status: optionalText,
  privateEndpointResourceId: optionalText,
  privateEndpointIPAddress: optionalText,
  privateEndpointConnectionName: optionalText,
  endpointGroupName: optionalText,
  gcpProjectId: optionalText,
});

export const peerSchema = z.looseObject({
  id: z.string(),
  containerId: z.string(),
  providerName: optionalText,
  // AWS
  statusName: optionalText,
  errorStateName: optionalText,
  vpcId: optionalText,
  awsAccountId: optionalText,
  routeTableCidrBlock: optionalText,
  accepterRegionName: optionalText,
  connectionId: optionalText,
  // Azure and GCP
  status: optionalText,
  errorState: optionalText,
  errorMessage: optionalText,
  azureSubscriptionId: optionalText,
  vnetName: optionalText,
  gcpProjectId: optionalText,
  networkName: optionalText,
});

export const streamsPrivateLinkSchema = z.looseObject({
  _id: z.string(),
  provider: z.string(),
  vendor: optionalText,
  region: optionalText,
  state: optionalText,
  errorMessage: optionalText,
});

/** v1.0 `privateEndpoint` connection (AWS only): the v1 name for an endpoint service. */
export const v1PrivateEndpointConnectionSchema = z.looseObject({
  id: z.string(),
  endpointServiceName: optionalText,
  errorMessage: optionalText,
  interfaceEndpoints: idList,
  status: z.string(),
});

/** v1.0 interface endpoint of a connection. */
export const v1InterfaceEndpointSchema = z.looseObject({
  interfaceEndpointId: z.string(),
  connectionStatus: z.string(),
  deleteRequested: z.boolean().nullish(),
  errorMessage: optionalText,
});

/**
 * One entry of a project's IP access list (`GET /groups/{groupId}/accessList`): deleting a project's
 * last peering connection also removes the list's AWS security groups. Exactly what the last-peer check reads: which entries are AWS
 * security groups. An `awsSecurityGroup` is checked against its format, since it ends up in reports.
 */
export const accessListEntrySchema = z.looseObject({
  awsSecurityGroup: z.string().regex(/^sg-[0-9a-f]{8,17}$/).optional(),
  cidrBlock: z.string().optional(),
  ipAddress: z.string().optional(),
  comment: z.string().nullish(),
  groupId: z.string().optional(),
});

export const errorBodySchema = z.looseObject({
  error: z.number().optional(),
  errorCode: z.string().optional(),
  reason: z.string().optional(),
  detail: z.string().nullish(),
  parameters: z.array(z.unknown()).nullish(),
});

export const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string(),
  expires_in: z.number().positive(),
});

export type AccessListEntry = z.infer<typeof accessListEntrySchema>;
export type Organization = z.infer<typeof organizationSchema>;
export type Project = z.infer<typeof projectSchema>;
export type EndpointService = z.infer<typeof endpointServiceSchema>;
export type PrivateEndpoint = z.infer<typeof privateEndpointSchema>;
export type Peer = z.infer<typeof peerSchema>;
export type StreamsPrivateLink = z.infer<typeof streamsPrivateLinkSchema>;
export type V1PrivateEndpointConnection = z.infer<typeof v1PrivateEndpointConnectionSchema>;
export type V1InterfaceEndpoint = z.infer<typeof v1InterfaceEndpointSchema>;
