import { createHash, randomBytes } from 'node:crypto';
import { AtlasApiError } from './errors';

/**
 * HTTP Digest (RFC 7616 with MD5 and qop=auth, the variant Atlas speaks).
 *
 * Nonce policy: a nonce lives `nonceTtlMs` from issue. A nonce may be reused with nonce counts the
 * server has not seen with it; counts may arrive out of order because clients send concurrently, so
 * we remember the set of used counts rather than the highest. `stale=true` is answered only when the
 * response hash is right for the nonce the client sent but that nonce is expired or not ours (e.g. from
 * before a restart): RFC 7616 reserves stale for "credentials fine, nonce not". A wrong hash is always
 * stale=false.
 */

export const DIGEST_REALM = 'MMS Public API';

interface NonceState {
  issuedAt: number;
  usedCounts: Set<number>;
}

export interface DigestOutcome {
  principal: string | null;
  /** The WWW-Authenticate value to send with a 401. */
  challenge?: string;
  error?: AtlasApiError;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Parse `k=v, k2="v 2"` pairs of a Digest Authorization header (without the scheme). */
export function parseDigestParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const m of header.matchAll(re)) params.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  return params;
}

export class DigestAuth {
  private readonly nonces = new Map<string, NonceState>();

  constructor(
    private readonly keys: ReadonlyMap<string, string>,
    private readonly nonceTtlMs: number,
    private readonly now: () => number,
  ) {}

  challenge(stale: boolean): string {
    const nonce = this.issueNonce();
    return `Digest realm="${DIGEST_REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
  }

  private issueNonce(): string {
    const now = this.now();
    // Forget long-expired nonces so a long-running simulator does not grow without bound.
    for (const [n, st] of this.nonces) if (now - st.issuedAt > this.nonceTtlMs * 2) this.nonces.delete(n);
    const nonce = randomBytes(24).toString('base64url');
    this.nonces.set(nonce, { issuedAt: now, usedCounts: new Set() });
    return nonce;
  }

  /** Verify the parameters of a `Digest ...` header for this request. */
  verify(params: string, method: string, requestTarget: string): DigestOutcome {
    const p = parseDigestParams(params);
    const deny = (detail: string, stale = false): DigestOutcome => ({
      principal: null,
      challenge: this.challenge(stale),
      error: new AtlasApiError('UNAUTHORIZED', stale ? `${detail} Retry with the new nonce.` : detail),
    });
    const username = p.get('username');
    const nonce = p.get('nonce');
    const response = p.get('response');
    const ncHex = p.get('nc');
    const cnonce = p.get('cnonce');
    if (!username || !nonce || !response || !ncHex || !cnonce || !p.has('uri')) {
      return deny('Digest authorization is missing username, nonce, uri, nc, cnonce or response.');
    }
    if (p.get('realm') !== DIGEST_REALM) return deny(`Digest realm must be "${DIGEST_REALM}".`);
    if (p.get('qop') !== 'auth') return deny('Digest qop must be "auth".');
    const algorithm = p.get('algorithm');
    if (algorithm !== undefined && algorithm.toUpperCase() !== 'MD5') return deny('Digest algorithm must be MD5.');
    if (p.get('uri') !== requestTarget) return deny('Digest uri does not match the request target.');
    if (!/^[0-9a-fA-F]{8}$/.test(ncHex)) return deny('Digest nc must be 8 hex digits.');

    const password = this.keys.get(username);
    if (password === undefined) return deny('You are not authorized for this resource.');
    const ha1 = md5(`${username}:${DIGEST_REALM}:${password}`);
    const ha2 = md5(`${method}:${requestTarget}`);
    const expected = md5(`${ha1}:${nonce}:${ncHex}:${cnonce}:auth:${ha2}`);
    if (expected !== response.toLowerCase()) return deny('You are not authorized for this resource.');

    const state = this.nonces.get(nonce);
    if (!state) return deny('Unknown nonce.', true);
    if (this.now() - state.issuedAt >= this.nonceTtlMs) return deny('Nonce expired.', true);
    const nc = Number.parseInt(ncHex, 16);
    if (state.usedCounts.has(nc)) return deny(`Nonce count ${ncHex} was already used with this nonce (replay).`);
    state.usedCounts.add(nc);
    return { principal: username };
  }
}
