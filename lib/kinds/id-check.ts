import { ID_FORMATS, isEndpointId, type Provider } from '../atlas';
import { kindOf } from './registry';
import { INVALID_ID } from './states';
import type { IdField, Observation, ResourceRef } from './types';

/** Longest id shown for a malformed one: an answer may put anything there, megabytes included. */
const SHOWN_ID_CHARS = 80;

/** Whether `value` has the format an id field of a kind declares (an endpoint id's depends on its provider). */
export function hasIdFormat(format: IdField['format'], provider: Provider | undefined, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  return format === 'endpointId' ? isEndpointId(provider ?? 'AWS', value) : ID_FORMATS.objectId.test(value);
}

/** The name of the first id of a ref that is missing or lacks its kind's format; undefined when all have it. */
export function malformedIdOf(ref: ResourceRef): string | undefined {
  return kindOf(ref.kind).idFields.find((field) => !hasIdFormat(field.format, ref.provider, ref.ids[field.name]))?.name;
}

/** An id as it may be shown: JSON-quoted (control characters escaped) and cut to a readable length. */
export function shownId(value: string): string {
  const cut = value.length > SHOWN_ID_CHARS ? `${value.slice(0, SHOWN_ID_CHARS)}…` : value;
  return JSON.stringify(cut);
}

/**
 * Every id an observation carries, checked against its kind's formats before the observation may become
 * a candidate: one that does not match becomes `INVALID_ID`, with an error naming the field, and is kept.
 * Atlas's answers (or a proxy rewriting them) may hold anything; only ids a URL can safely carry and a
 * person can read are planned.
 */
export function screenIds(o: Observation): Observation {
  if (o.state === INVALID_ID && o.error) return o;
  const field = malformedIdOf(o.ref);
  if (field === undefined) return o;
  const value = o.ref.ids[field] ?? '';
  const message = `${o.ref.kind} ${field} ${shownId(value)} has an unexpected format; it is never sent to Atlas`;
  return { ...o, id: o.id.length > SHOWN_ID_CHARS ? `${o.id.slice(0, SHOWN_ID_CHARS)}…` : o.id, state: INVALID_ID, fields: {}, error: { message, errorCode: INVALID_ID } };
}
