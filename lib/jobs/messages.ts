import * as z from 'zod';
import { ID_FORMATS } from '../atlas';
import { FieldValidationError } from '../errors/field-error';
import { MODES } from '../config';
import { KIND_NAMES } from '../kinds';
import { deleteJobSchema } from './job';

/** A request to scan one project, from the sweep or from another system. */
const scanRequestSchema = z
  .object({
    type: z.literal('scan'),
    projectId: z.string().regex(ID_FORMATS.objectId, 'must be 24 lowercase hexadecimal characters'),
    /** For reports only; the id is what is scanned. */
    projectName: z.string().min(1).max(64).optional(),
    /** May lower the function's mode to dry-run, never raise it to enforce. */
    mode: z.enum(MODES).optional(),
    kinds: z.array(z.enum(KIND_NAMES)).min(1).optional(),
    requestedBy: z.string().min(1).max(256).optional(),
    sweepId: z.string().min(1).max(128).optional(),
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
function parseMessage<S extends z.ZodType>(schema: S, body: string | unknown): z.output<S> {
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
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  const message = issue.code === 'unrecognized_keys' ? `has unknown field(s) ${issue.keys.join(', ')}` : issue.message;
  throw new MessageValidationError(field, message);
}

export const parseScanRequest = (body: string | unknown) => parseMessage(scanRequestSchema, body);
export const parseDeleteJob = (body: string | unknown) => parseMessage(deleteJobSchema, body);

/**
 * A sweep request: a manual (console) sweep event, or what the CLI asks for. A scheduled EventBridge
 * event means a plain queued sweep.
 */
const sweepEventSchema = z
  .object({
    /** Scan in this invocation and return the whole report (console use), instead of queueing scans. */
    inline: z.boolean().optional(),
    /** Only these projects (still subject to the include/exclude configuration). */
    projectIds: z.array(z.string().regex(ID_FORMATS.objectId, 'must be 24 lowercase hexadecimal characters')).min(1).max(50).optional(),
    mode: z.enum(MODES).optional(),
    kinds: z.array(z.enum(KIND_NAMES)).min(1).optional(),
    requestedBy: z.string().min(1).max(256).optional(),
  })
  .strict();

export type SweepEvent = z.output<typeof sweepEventSchema>;

/** EventBridge scheduled events carry these; their content is not ours to validate further. */
function isScheduledEvent(event: unknown): boolean {
  const e = event as Record<string, unknown> | null;
  return typeof e === 'object' && e !== null && e['detail-type'] === 'Scheduled Event' && e['source'] === 'aws.events';
}

export function parseSweepEvent(event: unknown): SweepEvent {
  if (isScheduledEvent(event)) return {};
  return parseMessage(sweepEventSchema, event ?? {});
}
