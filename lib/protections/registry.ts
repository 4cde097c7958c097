import * as z from 'zod';
import { ID_FORMATS } from '../atlas';
import { globToRegExp } from '../config';
import { FieldValidationError } from '../errors/field-error';

/**
 * One entry of the protection registry: a resource id, a project id or a project name glob, with who
 * asked, why, and until when: a date (through the end of that day, UTC) or a date-time. After that the
 * entry no longer protects and reports say so.
 */
const entrySchema = z
  .object({
    resourceId: z.string().min(1).max(512).optional(),
    projectId: z.string().regex(ID_FORMATS.objectId, 'must be a 24-hex project id').optional(),
    projectName: z.string().min(1).max(256).optional(),
    owner: z.string().min(1, 'is required').max(256),
    reason: z.string().min(1, 'is required').max(1024),
    expires: z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
      error: (issue) => (issue.input === undefined ? 'is required (an ISO date, 2027-01-31, or date-time)' : 'must be an ISO date (2027-01-31) or date-time'),
    }),
  })
  .strict()
  .refine((e) => [e.resourceId, e.projectId, e.projectName].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of resourceId, projectId, projectName',
  });

const registrySchema = z.object({ protections: z.array(entrySchema).max(10_000) }).strict();

export interface Protection {
  /** How the entry names what it protects, for reports: `resource vpce-…`, `project 5f…`, `projects named prod-*`. */
  selector: string;
  resourceId?: string | undefined;
  projectId?: string | undefined;
  projectName?: RegExp | undefined;
  owner: string;
  reason: string;
  expiresAt: number;
}

/**
 * A protection registry that does not validate. A FieldValidationError (`field`: the first problem's
 * path) whose message also names the registry's source, since a sweep may read it from a file or a
 * parameter, and counts the other problems (`problems` lists them all).
 */
export class ProtectionRegistryError extends FieldValidationError {
  override readonly name = 'ProtectionRegistryError';
  /** Every problem found, each as `path: message`; the message names the first. */
  readonly problems: readonly string[];

  constructor(
    readonly source: string,
    field: string,
    detail: string,
    more: readonly string[] = [],
  ) {
    super(field, detail);
    this.message = `${source}: ${field} ${detail}${more.length > 0 ? ` (and ${more.length} more)` : ''}`;
    this.problems = [`${field}: ${detail}`, ...more];
  }
}

/** Parses and validates a registry document; every problem is reported with its path. */
export function parseRegistry(source: string, text: string): Protection[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtectionRegistryError(source, 'document', 'is not valid JSON');
  }
  const parsed = registrySchema.safeParse(json);
  if (!parsed.success) {
    const [first, ...more] = parsed.error.issues.map((issue) => [issue.path.join('.') || 'document', issue.message] as const);
    throw new ProtectionRegistryError(source, first![0], first![1], more.map(([field, message]) => `${field}: ${message}`));
  }
  return parsed.data.protections.map((e) => ({
    selector: e.resourceId ? `resource ${e.resourceId}` : e.projectId ? `project ${e.projectId}` : `projects named ${e.projectName}`,
    ...(e.resourceId ? { resourceId: e.resourceId.toLowerCase() } : {}),
    ...(e.projectId ? { projectId: e.projectId } : {}),
    ...(e.projectName ? { projectName: globToRegExp(e.projectName) } : {}),
    owner: e.owner,
    reason: e.reason,
    // A date protects through that whole day (UTC): the owner keeps the day they wrote.
    expiresAt: e.expires.length === 10 ? Date.parse(`${e.expires}T00:00:00Z`) + 86_400_000 : Date.parse(e.expires),
  }));
}

/** The registry as it applies to one project at one moment. */
export interface ProjectProtections {
  /** An active entry covering the whole project. */
  project?: Protection | undefined;
  /** Active entries by lowercased resource id. */
  resources: ReadonlyMap<string, Protection>;
  /** Entries that would cover this project or name a resource, but have expired. */
  expired: readonly Protection[];
}

export const NO_PROTECTIONS: ProjectProtections = { resources: new Map(), expired: [] };

export function protectionsFor(registry: readonly Protection[], project: { id: string; name?: string | undefined }, now: number): ProjectProtections {
  const resources = new Map<string, Protection>();
  const expired: Protection[] = [];
  let projectWide: Protection | undefined;
  for (const entry of registry) {
    const covers = entry.resourceId !== undefined || entry.projectId === project.id || (entry.projectName !== undefined && project.name !== undefined && entry.projectName.test(project.name));
    if (!covers) continue;
    if (entry.expiresAt <= now) expired.push(entry);
    else if (entry.resourceId) resources.set(entry.resourceId, entry);
    else projectWide ??= entry;
  }
  return { project: projectWide, resources, expired };
}

/** Whether any entry needs the project's name (name globs are checked against the name Atlas gives). */
export function needsProjectName(registry: readonly Protection[]): boolean {
  return registry.some((e) => e.projectName !== undefined);
}

export function describeProtection(p: Protection): string {
  return `${p.selector}, owner ${p.owner}: ${p.reason}; until ${new Date(p.expiresAt).toISOString()}`;
}
