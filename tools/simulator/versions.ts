/**
 * v2 version negotiation. Seed 002's own curl example asks `2025-02-19` of an operation whose only version
 * is `2023-02-01`, so Atlas serves later dates than an operation's own: the reading that fits is "the
 * newest version not newer than the date asked for", answered in that version's media type (facts file,
 * "Version negotiation"). Only a malformed date, or one older than every version, is refused (406).
 */

const VERSIONED = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/;

/** A real calendar date in YYYY-MM-DD (rejects 2024-02-30, which Date.parse would roll over). */
function isCalendarDate(date: string): boolean {
  const parsed = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date;
}

/** The dates an Accept header asks for, in its order; `null` for a versioned media type with a malformed date. */
function askedDates(accept: string | undefined): (string | null)[] {
  const dates: (string | null)[] = [];
  for (const part of (accept ?? '').split(',')) {
    const mediaType = part.split(';')[0]!.trim().toLowerCase();
    if (!mediaType.startsWith('application/vnd.atlas.')) continue;
    const m = VERSIONED.exec(mediaType);
    dates.push(m && isCalendarDate(m[1]!) ? m[1]! : null);
  }
  return dates;
}

/**
 * The version to serve for this Accept header, or undefined when it must be refused. ISO dates compare
 * as strings. The first acceptable date in the header wins.
 */
export function negotiateVersion(accept: string | undefined, versions: readonly string[]): string | undefined {
  const sorted = [...versions].sort();
  for (const date of askedDates(accept)) {
    if (date === null) continue;
    const served = sorted.filter((v) => v <= date).pop();
    if (served) return served;
  }
  return undefined;
}
