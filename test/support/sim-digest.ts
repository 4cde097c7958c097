import { createHash, randomBytes } from 'node:crypto';

/**
 * A tiny RFC 7616 (MD5, qop=auth) digest client for the simulator tests. Deliberately independent of
 * lib/atlas: the simulator is the oracle for that client, so its tests must not lean on it.
 */

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Parameters of a `WWW-Authenticate: Digest ...` challenge. */
export function parseChallenge(header: string | null): Record<string, string> {
  if (!header?.startsWith('Digest ')) throw new Error(`not a Digest challenge: ${header}`);
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([a-zA-Z]+)=(?:"([^"]*)"|([^\s,]*))/g)) out[m[1]!] = m[2] ?? m[3] ?? '';
  return out;
}

export interface DigestInput {
  username: string;
  password: string;
  method: string;
  /** The request target: path plus query, exactly as sent. */
  uri: string;
  realm: string;
  nonce: string;
  nc: number;
  cnonce?: string;
}

/** The Authorization header value for one request. */
export function digestAuthorization(d: DigestInput): string {
  const nc = d.nc.toString(16).padStart(8, '0');
  const cnonce = d.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = md5(`${d.username}:${d.realm}:${d.password}`);
  const ha2 = md5(`${d.method}:${d.uri}`);
  const response = md5(`${ha1}:${d.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${d.username}", realm="${d.realm}", nonce="${d.nonce}", uri="${d.uri}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`;
}
