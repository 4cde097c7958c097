import * as z from 'zod';
import { ID_FORMATS } from '../atlas';
import { FieldValidationError } from '../errors/field-error';
import { MODES } from '../config';
import { KIND_NAMES } from '../kinds';
import { deleteJobSchema } from './job';
import { sweepIdSchema } from './sweep-id';

/** A request to scan one project, from the sweep or from another system. */
export const scanRequestSchema = z
  .object({
    type: z.literal('scan'),
    projectId: z.string().regex(ID_FORMATS.objectId, 'must be 24 lowercase hexadecimal characters'),
    /** For reports only; the id is what is scanned. */
    projectName: z.string().min(1).max(64).optional(),
    /**
     * The project's organization as the sweep read it: only for pacing (an ORGANIZATION-scope rate limit
     * is the org's bucket). A wrong one costs pace, never a wrong read: every path still names the project.
     */
    orgId: z.string().regex(ID_FORMATS.objectId, 'must be 24 lowercase hexadecimal characters').optional(),
    /** May lower the function's mode to dry-run, never raise it to enforce. */
    mode: z.enum(MODES).optional(),
    kinds: z.array(z.enum(KIND_NAMES)).min(1).optional(),
    requestedBy: z.string().min(1).max(256).optional(),
    sweepId: sweepIdSchema.optional(),
    secretId: z.string().min(1).max(2048).optional(),
  })
  .strict();

export type ScanRequest = z.output<typeof scanRequestSchema>;

/** A message that does not validate: `field` is the path of the first offending field. */
export class MessageValidationError extends FieldValidationError {
  override readonly name = 'MessageValidationError';
}

/**
 * Parses a message body: JSON, then the schema. The error names the first bad field and never echoes
 * the value (a body may hold anything, secrets included).
 */
export function parseMessage<S extends z.ZodType>(schema: S, body: string | unknown, describeAt: (path: readonly string[]) => string = () => describe(schema)): z.output<S> {
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      throw new MessageValidationError('body', 'is not valid JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    // Name the unknown field itself: "mode: is not a field of …" tells a console user what to remove.
    const field = [...issue.path.map(String), issue.keys[0]!].join('.');
    const others = issue.keys.length > 1 ? ` (nor are ${issue.keys.slice(1).join(', ')})` : '';
    throw new MessageValidationError(field, `is not a field of ${describeAt(issue.path.map(String))}${others}`);
  }
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  throw new MessageValidationError(field, issue.message);
}

/** What a schema accepts, for error messages: its description, else "this message". */
function describe(schema: z.ZodType): string {
  return schema.description ?? 'this message';
}

export const parseScanRequest = (body: string | unknown) => parseMessage(scanRequestSchema, body);
export const parseDeleteJob = (body: string | unknown) => parseMessage(deleteJobSchema, body);

/**
 * A sweep request: a manual (console) sweep event, or what the CLI asks for. A scheduled EventBridge
 * event means a plain queued sweep.
 */
export const sweepEventSchema = z
  .object({
    /** Scan in this invocation and return the whole report (console use), instead of queueing scans. */
    inline: z.boolean().optional(),
    /** Only these projects (still subject to the include/exclude configuration). */
    projectIds: z.array(z.string().regex(ID_FORMATS.objectId, 'must be 24 lowercase hexadecimal characters')).min(1).max(50).optional(),
    mode: z.enum(MODES).optional(),
    kinds: z.array(z.enum(KIND_NAMES)).min(1).optional(),
    requestedBy: z.string().min(1).max(256).optional(),
  })
  .strict()
  .describe('a console sweep event (inline, projectIds, mode, kinds, requestedBy)');

export type SweepEvent = z.output<typeof sweepEventSchema>;

/**
 * EventBridge's own scheduled event, exactly: its fields and an empty `detail`. It means "sweep
 * everything in the deployed mode", so nothing may ride along: a copy of it with `mode` or `projectIds`
 * added is refused, not half-read.
 */
export const scheduledEventSchema = z
  .object({
    'version': z.string().min(1).max(16),
    'id': z.string().min(1).max(128),
    'detail-type': z.literal('Scheduled Event'),
    'source': z.literal('aws.events'),
    'account': z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id'),
    'time': z.iso.datetime({ message: 'must be an ISO 8601 date-time' }),
    'region': z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region'),
    'resources': z.array(z.string().max(2048)).max(10),
    'detail': z.object({}).strict().describe('the detail of a scheduled event, which is empty'),
  })
  .strict()
  .describe('an EventBridge scheduled event');

/** An event that says it is EventBridge's (any of its two marker fields) is held to that shape. */
function claimsToBeScheduled(event: unknown): boolean {
  return typeof event === 'object' && event !== null && ('detail-type' in event || 'source' in event);
}

/**
 * A scheduled event (exactly EventBridge's shape) is a queued sweep of everything; anything else is a
 * console event, validated strictly. Neither can raise the mode: `effectiveMode` lowers it or refuses the event, naming `mode`.
 */
export function parseSweepEvent(event: unknown): SweepEvent {
  if (claimsToBeScheduled(event)) {
    parseMessage(scheduledEventSchema, event);
    return {};
  }
  return parseMessage(sweepEventSchema, event ?? {});
}
