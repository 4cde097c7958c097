import * as z from 'zod';

/**
 * What a sweep id may be, wherever one comes in: the sweep makes them (`sweep-…`), a scan message may
 * carry its own, and the report store puts them into S3 object keys, so nothing that could leave a prefix.
 */
export const SWEEP_ID_FORMAT = /^[A-Za-z0-9._-]{1,128}$/;

export const sweepIdSchema = z.string().regex(SWEEP_ID_FORMAT, 'must be 1 to 128 letters, digits, . _ or -');
