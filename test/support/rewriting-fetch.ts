import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeHttp, type HttpAnswer, type HttpCall } from '../../lib/atlas/http';

/** One answer to rewrite: which requests, and what their body becomes (an object is sent as JSON). */
export interface Rewrite {
  match: (request: { method: string; path: string; query: URLSearchParams }) => boolean;
  body: (original: unknown, query: URLSearchParams) => unknown;
}

export interface RewritingFetch {
  fetch: HttpCall;
  /** Every request that went through, in order. */
  requests: { method: string; path: string; query: URLSearchParams }[];
}

/**
 * A rewriting proxy in front of the simulator, in process: every request goes to the simulator as usual
 * (Digest and all), and the 2xx answers of matching requests come back with another body, as a broken or
 * hostile proxy would send them.
 */
export function rewritingFetch(rewrites: Rewrite[]): RewritingFetch {
  const requests: RewritingFetch['requests'] = [];
  const fetch: HttpCall = async (url, init) => {
    const target = new URL(url);
    const request = { method: init.method, path: target.pathname, query: target.searchParams };
    requests.push(request);
    const answer = await nodeHttp(url, init);
    const rewrite = rewrites.find((r) => r.match(request));
    if (!rewrite || !answer.ok) return answer;
    const original = JSON.parse(await answer.text()) as unknown;
    const body = rewrite.body(original, target.searchParams);
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    return { ...answer, text: () => Promise.resolve(text) } satisfies HttpAnswer;
  };
  return { fetch, requests };
}

/**
 * The same rewriting as an HTTP server on 127.0.0.1 in front of `target`, for what takes a base URL
 * rather than a fetch (the CLI in its own process). Stop it with `close()`.
 */
export async function startRewritingProxy(target: string, rewrites: Rewrite[]): Promise<{ url: string; close: () => Promise<void> }> {
  const { fetch } = rewritingFetch(rewrites);
  const server = createServer(async (req, res) => {
    try {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers[name] = value;
      const body = await new Promise<string>((done) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(Buffer.concat(chunks).toString('utf8')));
      });
      const answer = await fetch(target + req.url, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}), signal: AbortSignal.timeout(10_000) });
      const out: Record<string, string> = {};
      for (const name of ['content-type', 'www-authenticate', 'retry-after', 'ratelimit-limit', 'ratelimit-remaining']) {
        const value = answer.headers.get(name);
        if (value !== null) out[name] = value;
      }
      res.writeHead(answer.status, out).end(await answer.text());
    } catch {
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))),
  };
}
