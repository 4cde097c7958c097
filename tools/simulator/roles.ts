import { z } from 'zod';
import { AtlasApiError } from './errors';

/**
 * What an API key or service account may read and delete, by role, as Atlas documents the roles its
 * network operations require: the private endpoint and peering deletes need Organization Owner or Project
 * Owner; a Stream Processing private link delete needs Project Owner or Project Stream Processing Owner
 * (an Organization Owner is owner of every project of its organization). Every role reads its projects
 * through v2; the deprecated v1.0 private endpoint routes need an owner role even to read. A read-only
 * role never deletes.
 */
export const ROLE_NAMES = ['ORG_OWNER', 'ORG_READ_ONLY', 'GROUP_OWNER', 'GROUP_READ_ONLY', 'GROUP_STREAM_PROCESSING_OWNER'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** An organization role names its organization; a project role its project. */
export interface RoleGrant {
  roleName: RoleName;
  orgId?: string | undefined;
  groupId?: string | undefined;
}

export const roleGrantSchema = z
  .object({ roleName: z.enum(ROLE_NAMES), orgId: z.string().regex(/^[a-f0-9]{24}$/, 'must be 24 hex').optional(), groupId: z.string().regex(/^[a-f0-9]{24}$/, 'must be 24 hex').optional() })
  .strict()
  .superRefine((grant, ctx) => {
    const orgRole = grant.roleName.startsWith('ORG_');
    if (orgRole && (grant.orgId === undefined || grant.groupId !== undefined)) ctx.addIssue({ code: 'custom', message: `${grant.roleName} names an orgId and no groupId` });
    if (!orgRole && (grant.groupId === undefined || grant.orgId !== undefined)) ctx.addIssue({ code: 'custom', message: `${grant.roleName} names a groupId and no orgId` });
  });

/** What a DELETE removes: the network plumbing (endpoints, services, peers) or a Stream Processing link. */
export type DeleteFamily = 'network' | 'streams';

const MAY_DELETE: Record<DeleteFamily, ReadonlySet<RoleName>> = {
  network: new Set(['ORG_OWNER', 'GROUP_OWNER']),
  streams: new Set(['ORG_OWNER', 'GROUP_OWNER', 'GROUP_STREAM_PROCESSING_OWNER']),
};

/** A key with no roles in the scenario owns the organizations it belongs to (the simulator's default). */
export function rolesOf(declared: readonly RoleGrant[] | undefined, orgIds: readonly string[]): readonly RoleGrant[] {
  return declared ?? orgIds.map((orgId) => ({ roleName: 'ORG_OWNER' as const, orgId }));
}

type ProjectRef = { id: string; orgId: string };

function grantsOn(roles: readonly RoleGrant[], project: ProjectRef): RoleGrant[] {
  return roles.filter((r) => (r.orgId !== undefined ? r.orgId === project.orgId : r.groupId === project.id));
}

/** Any role in the project, or in its organization, reads it. */
export function mayRead(roles: readonly RoleGrant[], project: ProjectRef): boolean {
  return grantsOn(roles, project).length > 0;
}

export function mayDelete(roles: readonly RoleGrant[], project: ProjectRef, family: DeleteFamily): boolean {
  return grantsOn(roles, project).some((r) => MAY_DELETE[family].has(r.roleName));
}

/** The family a DELETE operation belongs to. */
export function deleteFamilyOf(operationId: string): DeleteFamily {
  return /PrivateLinkConnection/.test(operationId) ? 'streams' : 'network';
}

/**
 * Atlas's answer to a call the caller's role does not allow: a 401 with an Atlas body. The key itself is
 * valid (it reads this same project), so only the role is missing: a client must not take it for
 * refused credentials.
 */
export function roleRefusal(groupId: string): AtlasApiError {
  return new AtlasApiError('USER_UNAUTHORIZED', 'Current user is not authorized to perform this action.', [groupId]);
}
