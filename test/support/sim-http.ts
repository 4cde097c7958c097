import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { digestAuthorization, parseChallenge } from './sim-digest';

/** HTTP helpers for simulator tests: plain fetch, a nonce-reusing digest session, and a Bearer session. */

export const DEMO_SCENARIO_PATH = resolve(__dirname, '../../tools/scenarios/demo.json');
export const V2_ACCEPT = 'application/vnd.atlas.2023-01-01+json';
export const V2_STREAMS_ACCEPT = 'application/vnd.atlas.2023-02-01+json';

export interface SimResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: any;
  text: string;
}

export async function simFetch(url: string, init: RequestInit = {}): Promise<SimResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
}

export interface RequestOptions {
  method?: string;
  accept?: string | null;
  headers?: Record<string, string>;
}

function headersFor(opts: RequestOptions, path: string): Record<string, string> {
  const accept = opts.accept === undefined ? (path.includes('/streams/') ? V2_STREAMS_ACCEPT : V2_ACCEPT) : opts.accept;
  return { ...(accept === null ? {} : { Accept: accept }), ...opts.headers };
}

/** Digest session that reuses its nonce with increasing nc, and re-challenges on stale=true. */
export class DigestSession {
  private challenge: Record<string, string> | undefined;
  private nc = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  async request(path: string, opts: RequestOptions = {}): Promise<SimResponse> {
    const method = opts.method ?? 'GET';
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!this.challenge) {
        const first = await simFetch(this.baseUrl + path, { method, headers: headersFor(opts, path) });
        if (first.status !== 401) return first;
        this.challenge = parseChallenge(first.headers.get('www-authenticate'));
        this.nc = 0;
      }
      const authorization = digestAuthorization({
        username: this.username,
        password: this.password,
        method,
        uri: path,
        realm: this.challenge.realm!,
        nonce: this.challenge.nonce!,
        nc: ++this.nc,
      });
      const res = await simFetch(this.baseUrl + path, { method, headers: { ...headersFor(opts, path), Authorization: authorization } });
      const wwwAuth = res.headers.get('www-authenticate');
      if (res.status === 401 && wwwAuth && parseChallenge(wwwAuth).stale === 'true') {
        this.challenge = parseChallenge(wwwAuth);
        this.nc = 0;
        continue;
      }
      return res;
    }
    throw new Error('digest session: too many stale nonces');
  }
}

export async function fetchToken(baseUrl: string, clientId: string, secret: string): Promise<SimResponse> {
  return simFetch(`${baseUrl}/api/oauth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
}

export class BearerSession {
  constructor(
    private readonly baseUrl: string,
    readonly token: string,
  ) {}

  request(path: string, opts: RequestOptions = {}): Promise<SimResponse> {
    return simFetch(this.baseUrl + path, { method: opts.method ?? 'GET', headers: { ...headersFor(opts, path), Authorization: `Bearer ${this.token}` } });
  }
}

/** The demo scenario as data, with lookups by name so tests do not hard-code ids. */
export const demo = JSON.parse(readFileSync(DEMO_SCENARIO_PATH, 'utf8'));

export const demoKeys = {
  allOrgs: demo.apiKeys[0] as { publicKey: string; privateKey: string; orgIds: string[] },
  analyticsOnly: demo.apiKeys[1] as { publicKey: string; privateKey: string; orgIds: string[] },
  serviceAccount: demo.serviceAccounts[0] as { clientId: string; clientSecret: string; orgIds: string[] },
};

export function demoProject(name: string): any {
  for (const org of demo.orgs) for (const p of org.projects) if (p.name === name) return { ...p, orgId: org.id };
  throw new Error(`no demo project ${name}`);
}

export function allDigest(baseUrl: string): DigestSession {
  return new DigestSession(baseUrl, demoKeys.allOrgs.publicKey, demoKeys.allOrgs.privateKey);
}
