import { createHash, randomBytes } from 'node:crypto';

/** One `Digest` challenge from a `WWW-Authenticate` header (RFC 7616 §3.3). */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** Offered qop values; Atlas offers `auth`. Empty for a legacy RFC 2069 server. */
  qop: string[];
  algorithm: DigestAlgorithm;
  stale: boolean;
  userhash: boolean;
}

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  'MD5': 'MD5',
  'MD5-SESS': 'MD5-sess',
  'SHA-256': 'SHA-256',
  'SHA-256-SESS': 'SHA-256-sess',
};

/**
 * Finds the Digest challenge in a `WWW-Authenticate` header value, which may hold several challenges
 * (`Basic realm="x", Digest realm="y", ...`). Returns null when there is none or it lacks realm/nonce,
 * or names an algorithm we do not speak.
 */
export function parseDigestChallenge(header: string | null | undefined): DigestChallenge | null {
  if (!header) return null;
  const start = header.search(/(^|[\s,])Digest\s/i);
  if (start < 0) return null;
  const params = parseAuthParams(header.slice(header.indexOf('igest', start) + 5));
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || !nonce) return null;
  const algorithm = ALGORITHMS[(params.get('algorithm') ?? 'MD5').toUpperCase()];
  if (!algorithm) return null;
  const opaque = params.get('opaque');
  return {
    realm,
    nonce,
    ...(opaque !== undefined ? { opaque } : {}),
    qop: (params.get('qop') ?? '').split(',').map((q) => q.trim()).filter(Boolean),
    algorithm,
    stale: (params.get('stale') ?? '').toLowerCase() === 'true',
    userhash: (params.get('userhash') ?? '').toLowerCase() === 'true',
  };
}

/**
 * Reads `name=token` and `name="quoted string"` pairs until a new auth scheme starts
 * (a bare token followed by a space, e.g. `, Basic realm=...`).
 */
function parseAuthParams(input: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /\s*,?\s*([A-Za-z0-9_-]+)\s*(=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))?/y;
  let match: RegExpExecArray | null;
  while ((match = re.exec(input)) !== null && match[0].length > 0) {
    const [, name, eq, quoted, token] = match;
    if (!name) break;
    if (eq === undefined) break; // next scheme name
    params.set(name.toLowerCase(), quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (token ?? ''));
  }
  return params;
}

function hashFor(algorithm: DigestAlgorithm): (s: string) => string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  return (s) => createHash(name).update(s, 'utf8').digest('hex');
}

export interface DigestInputs {
  username: string;
  password: string;
  method: string;
  /** The request-target exactly as sent: path plus query string. */
  uri: string;
  challenge: DigestChallenge;
  /** Nonce count, 1 for the first request with a nonce. */
  nc: number;
  cnonce: string;
}

/** The `response` value of RFC 7616 §3.4.1 for qop=auth (or RFC 2069 when the server offers no qop). */
export function digestResponse(inputs: DigestInputs): string {
  const { username, password, method, uri, challenge, cnonce } = inputs;
  const h = hashFor(challenge.algorithm);
  const nc = formatNc(inputs.nc);
  let ha1 = h(`${username}:${challenge.realm}:${password}`);
  if (challenge.algorithm.endsWith('-sess')) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = h(`${method}:${uri}`);
  if (!challenge.qop.includes('auth')) return h(`${ha1}:${challenge.nonce}:${ha2}`);
  return h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`);
}

/** The full `Authorization` header value for one request. */
export function digestAuthorization(inputs: DigestInputs): string {
  const { challenge } = inputs;
  const h = hashFor(challenge.algorithm);
  const username = challenge.userhash ? h(`${inputs.username}:${challenge.realm}`) : inputs.username;
  const parts = [
    `username="${quote(username)}"`,
    `realm="${quote(challenge.realm)}"`,
    `nonce="${quote(challenge.nonce)}"`,
    `uri="${quote(inputs.uri)}"`,
    `algorithm=${challenge.algorithm}`,
    `response="${digestResponse(inputs)}"`,
  ];
  if (challenge.qop.includes('auth')) {
    parts.push('qop=auth', `nc=${formatNc(inputs.nc)}`, `cnonce="${quote(inputs.cnonce)}"`);
  }
  if (challenge.opaque !== undefined) parts.push(`opaque="${quote(challenge.opaque)}"`);
  if (challenge.userhash) parts.push('userhash=true');
  return `Digest ${parts.join(', ')}`;
}

function formatNc(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

export function newCnonce(): string {
  return randomBytes(16).toString('hex');
}

function quote(value: string): string {
  return value.replace(/(["\\])/g, '\\$1');
}
