import { AtlasClient, clearAuthCaches, type ApiGeneration } from '../../lib/atlas';
import type { HttpCall } from '../../lib/atlas/http';
import type { ReadContext } from '../../lib/kinds';
import { createReadContext } from '../../lib/scan';

/**
 * A small in-memory Atlas for unit tests of the code that reads and deletes: the real AtlasClient and scan
 * context, with the HTTP exchange answered from a table of routes. No server, no pipeline: every answer a
 * test relies on is written in the test, and every request the code sent is in `requests`.
 */

export const V2 = '/api/atlas/v2';
export const V1 = '/api/atlas/v1.0';

export interface Answer {
  status: number;
  body?: unknown;
  /** Sent as is (with content type text/html) instead of JSON: a page that is not Atlas's. */
  raw?: string;
}

/** An answer, or one chosen from the request's query (a list per provider). */
type Route = Answer | ((query: URLSearchParams) => Answer);

export const ok = (body: unknown = {}): Answer => ({ status: 200, body });
/** One page holding every item, as a paginated list answers. */
export const page = (results: readonly unknown[]): Answer => ok({ results, links: [], totalCount: results.length });
/** An Atlas error body: the only kind of 404 that can prove a resource gone. */
export const atlasError = (status: number, errorCode: string): Answer => ({
  status,
  body: { error: status, errorCode, reason: 'Error', detail: `${errorCode} (fake Atlas)`, parameters: [] },
});
/** A 404 from something in front of Atlas: no Atlas body. */
export const proxy404: Answer = { status: 404, raw: '<html><body>404 Not Found</body></html>' };

let fakes = 0;

export class FakeAtlas {
  /** Every request sent, as `METHOD path` (no query). */
  readonly requests: string[] = [];
  readonly #routes = new Map<string, Route[]>();

  /**
   * Answers `METHOD path` with the answers in turn, the last one again and again. A path nobody routed
   * answers 501, which no code under test treats as a decision.
   */
  on(method: 'GET' | 'DELETE', path: string, ...answers: Route[]): this {
    this.#routes.set(`${method} ${path}`, answers);
    return this;
  }

  /** How many requests went to `METHOD path`. */
  count(method: 'GET' | 'DELETE', path: string): number {
    return this.requests.filter((r) => r === `${method} ${path}`).length;
  }

  /** The DELETEs sent, paths only. */
  get deletes(): string[] {
    return this.requests.filter((r) => r.startsWith('DELETE ')).map((r) => r.slice('DELETE '.length));
  }

  readonly #fetch: HttpCall = async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    const key = `${init.method} ${pathname}`;
    this.requests.push(key);
    const routes = this.#routes.get(key);
    const route = routes?.length ? (routes.length > 1 ? routes.shift()! : routes[0]!) : { status: 501, raw: `no fake answer for ${key}` };
    const answer = typeof route === 'function' ? route(searchParams) : route;
    const text = answer.raw ?? JSON.stringify(answer.body ?? {});
    const contentType = answer.raw === undefined ? 'application/json' : 'text/html';
    return { status: answer.status, statusText: String(answer.status), ok: answer.status < 300, headers: new Headers({ 'content-type': contentType }), text: async () => text };
  };

  /**
   * A client on this fake: one attempt per request (a retryable answer surfaces at once), and a clock of
   * its own that a pacing wait moves on at once, so rate limits cost no time.
   */
  client(): AtlasClient {
    clearAuthCaches();
    let clock = Date.now();
    return new AtlasClient({
      baseUrl: 'https://atlas.invalid',
      // A server that never challenges: Digest is not what these tests are about. The key is this fake's
      // own, so no other test's client shares its rate-limit buckets.
      credentials: { type: 'apiKey', publicKey: `fake${++fakes}`, privateKey: 'fakeprivate' },
      fetch: this.#fetch,
      retry: { maxAttempts: 1 },
      rateLimits: { learn: false },
      now: () => clock,
      sleep: async (ms) => void (clock += ms),
    });
  }

  /** The scan context the worker and a scan use, on this fake. */
  context(apiGeneration: ApiGeneration = 'v2', projectsRead: readonly string[] = []): ReadContext {
    return createReadContext(this.client(), apiGeneration, projectsRead);
  }
}

/** Routes of the v2 and v1.0 API, as the client builds them. */
export const route = {
  project: (p: string) => `${V2}/groups/${p}`,
  peers: (p: string) => `${V2}/groups/${p}/peers`,
  peer: (p: string, id: string) => `${V2}/groups/${p}/peers/${id}`,
  v1Peers: (p: string) => `${V1}/groups/${p}/peers`,
  v1Peer: (p: string, id: string) => `${V1}/groups/${p}/peers/${id}`,
  accessList: (p: string) => `${V2}/groups/${p}/accessList`,
  services: (p: string, provider: string) => `${V2}/groups/${p}/privateEndpoint/${provider}/endpointService`,
  service: (p: string, provider: string, id: string) => `${V2}/groups/${p}/privateEndpoint/${provider}/endpointService/${id}`,
  endpoint: (p: string, provider: string, sid: string, eid: string) => `${V2}/groups/${p}/privateEndpoint/${provider}/endpointService/${sid}/endpoint/${encodeURIComponent(eid)}`,
  v1Connections: (p: string) => `${V1}/groups/${p}/privateEndpoint`,
  v1Connection: (p: string, id: string) => `${V1}/groups/${p}/privateEndpoint/${id}`,
  v1Interface: (p: string, sid: string, eid: string) => `${V1}/groups/${p}/privateEndpoint/${sid}/interfaceEndpoints/${eid}`,
  streamsLinks: (p: string) => `${V2}/groups/${p}/streams/privateLinkConnections`,
  streamsLink: (p: string, id: string) => `${V2}/groups/${p}/streams/privateLinkConnections/${id}`,
};
