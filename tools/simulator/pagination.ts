import { AtlasApiError } from './errors';

/** The query parameters Atlas accepts on every operation, parsed and range-checked once per request. */
export interface CommonQuery {
  pretty: boolean;
  envelope: boolean;
  itemsPerPage: number;
  pageNum: number;
  includeCount: boolean;
}

export const MAX_ITEMS_PER_PAGE = 500;

export function parseCommonQuery(query: Record<string, string>): CommonQuery {
  const bool = (name: string, fallback: boolean): boolean => {
    const v = query[name];
    if (v === undefined) return fallback;
    if (v === 'true' || v === 'false') return v === 'true';
    throw new AtlasApiError('INVALID_QUERY_PARAMETER', `Query parameter ${name} must be true or false.`, [name, v]);
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = query[name];
    if (v === undefined) return fallback;
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new AtlasApiError('INVALID_QUERY_PARAMETER', `Query parameter ${name} must be an integer from ${min} to ${max}.`, [name, v]);
    }
    return n;
  };
  return {
    pretty: bool('pretty', false),
    envelope: bool('envelope', false),
    includeCount: bool('includeCount', true),
    itemsPerPage: int('itemsPerPage', 100, 1, MAX_ITEMS_PER_PAGE),
    pageNum: int('pageNum', 1, 1, Number.MAX_SAFE_INTEGER),
  };
}

export interface Page<T> {
  links: { href: string; rel: 'self' | 'next' | 'previous' }[];
  results: T[];
  totalCount?: number;
}

/**
 * One page of `items`. Links are absolute on the simulator's own URL and keep the request's other query
 * parameters, as Atlas does; `next` appears only while more pages exist.
 */
export function paginate<T>(items: readonly T[], q: CommonQuery, requestUrl: URL): Page<T> {
  const start = (q.pageNum - 1) * q.itemsPerPage;
  const href = (pageNum: number) => {
    const u = new URL(requestUrl);
    u.searchParams.set('pageNum', String(pageNum));
    u.searchParams.set('itemsPerPage', String(q.itemsPerPage));
    return u.toString();
  };
  const links: Page<T>['links'] = [];
  if (q.pageNum > 1) links.push({ href: href(q.pageNum - 1), rel: 'previous' });
  links.push({ href: href(q.pageNum), rel: 'self' });
  if (start + q.itemsPerPage < items.length) links.push({ href: href(q.pageNum + 1), rel: 'next' });
  const page: Page<T> = { links, results: items.slice(start, start + q.itemsPerPage) };
  if (q.includeCount) page.totalCount = items.length;
  return page;
}
