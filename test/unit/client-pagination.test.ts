import { describe, expect, it } from 'vitest';
import { AtlasClient, AtlasResponseError } from '../../lib/atlas';

const project = (n: number) => ({ id: n.toString(16).padStart(24, '0'), name: `p${n}`, orgId: 'a'.repeat(24) });

/** A fetch that serves pages of `items` by pageNum, like a server that omits totalCount. */
function pagedFetch(items: object[], pageSize: number, seen: number[]): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    const pageNum = Number(url.searchParams.get('pageNum'));
    seen.push(pageNum);
    const results = items.slice((pageNum - 1) * pageSize, pageNum * pageSize);
    const links = [{ rel: 'self', href: url.href }, ...(pageNum * pageSize < items.length ? [{ rel: 'next', href: 'x' }] : [])];
    return new Response(JSON.stringify({ results, links }), { status: 200 });
  }) as typeof fetch;
}

// Digest is irrelevant here: a server that never challenges.
const credentials = { type: 'apiKey' as const, publicKey: 'pub', privateKey: 'priv' };
// Nor are rate limits: these servers answer every path with a page of projects.
const rateLimits = { learn: false };

describe('AtlasClient lists', () => {
  it('follows rel=next links to the end when no totalCount is given', async () => {
    const items = Array.from({ length: 23 }, (_, i) => project(i));
    const seen: number[] = [];
    const atlas = new AtlasClient({ baseUrl: 'http://atlas.test', credentials, itemsPerPage: 5, fetch: pagedFetch(items, 5, seen), rateLimits });

    const projects = await atlas.listProjects();

    expect(projects.map((p) => p.name)).toEqual(items.map((p) => p.name));
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('returns an item that moved between pages once', async () => {
    const seen: number[] = [];
    const pages = [[project(1), project(2)], [project(2), project(3)]];
    const fetchStub = (async (input: string | URL | Request) => {
      const pageNum = Number(new URL(String(input)).searchParams.get('pageNum'));
      seen.push(pageNum);
      return new Response(JSON.stringify({ results: pages[pageNum - 1] ?? [], links: pageNum < 2 ? [{ rel: 'next', href: 'x' }] : [] }));
    }) as typeof fetch;
    const atlas = new AtlasClient({ baseUrl: 'http://atlas.test', credentials, itemsPerPage: 2, fetch: fetchStub, rateLimits });

    expect((await atlas.listProjects()).map((p) => p.name)).toEqual(['p1', 'p2', 'p3']);
  });

  it('rejects an answer without the fields it relies on, naming the field', async () => {
    const fetchStub = (async () => new Response(JSON.stringify({ results: [{ id: 'x', orgId: 'y' }] }))) as unknown as typeof fetch;
    const atlas = new AtlasClient({ baseUrl: 'http://atlas.test', credentials, fetch: fetchStub, rateLimits });

    const error = await atlas.listProjects().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AtlasResponseError);
    expect((error as Error).message).toMatch(/results\.0\.name/);
  });
});
