import { AtlasResponseError } from './errors';

/**
 * The most items one list may hold. The largest list read is the projects a key sees: Atlas allows 250
 * projects per organization by default (more on request), and a project's network resources number in
 * the tens (an IP access list holds at most 200 entries). 50,000 items is 200 organizations of projects
 * at the default limit, past any estate we know of, and still small enough to hold in a Lambda (about
 * 50 MB at 1 KB an item). A list that goes on past it is not one that will end.
 */
export const MAX_LIST_ITEMS = 50_000;

/**
 * Items accepted in an answer that is a bare array rather than a page (endpoint services of one
 * provider: one per region), and ids a service may list (its endpoints, each read one by one). Atlas
 * holds tens of either; a thousand is a broken or hostile answer, and a fan-out we will not make.
 */
export const MAX_BARE_LIST_ITEMS = 1_000;

/**
 * Pages fetched at once on the word of `totalCount`. The count is an estimate, and a wrong one must not
 * fan out: past this window, the pages already read must show the list is still going.
 */
export const PAGE_WINDOW = 8;

/** Atlas's paginated envelope, as the client reads it. */
export interface Page<T> {
  results: T[];
  links?: { rel: string }[] | undefined;
  totalCount?: number | undefined;
}

/** A list whose pages do not end: endless `next` links, pages that bring nothing new, or too many items. */
export class AtlasPaginationError extends AtlasResponseError {
  override readonly name = 'AtlasPaginationError';
}

function hasNext(page: Page<unknown>): boolean {
  return page.links?.some((link) => link.rel === 'next') ?? false;
}

/** How an item is told apart from the others: its id, else its whole content. */
function keyOf(item: unknown): string {
  const record = item as { id?: unknown; _id?: unknown };
  if (typeof record?.id === 'string') return `id:${record.id}`;
  if (typeof record?._id === 'string') return `id:${record._id}`;
  return `json:${JSON.stringify(item)}`;
}

/**
 * Reads every page of a list, bounded whatever the answers say. Pages are fetched concurrently in
 * windows when the first page gives `totalCount`, then `rel: next` links are followed to the end. Items
 * are returned once each even if the list shifts between pages. Throws `AtlasPaginationError` (nothing of
 * the list is returned) when a page holds more items than asked for, when a page that links to a next
 * one brings nothing new, or when the list passes MAX_LIST_ITEMS.
 */
export async function readAllPages<T>(fetchPage: (pageNum: number) => Promise<Page<T>>, itemsPerPage: number, operation: string): Promise<T[]> {
  const maxPages = Math.ceil(MAX_LIST_ITEMS / itemsPerPage);
  const items: T[] = [];
  const seen = new Set<string>();
  const take = (page: Page<T>, pageNum: number): void => {
    if (page.results.length > itemsPerPage) {
      throw new AtlasPaginationError(operation, `page ${pageNum} holds ${page.results.length} items, more than the ${itemsPerPage} asked for`);
    }
    let fresh = 0;
    for (const item of page.results) {
      const key = keyOf(item);
      if (seen.has(key)) continue;
      seen.add(key);
      items.push(item);
      fresh++;
    }
    if (pageNum > 1 && fresh === 0 && page.results.length > 0 && hasNext(page)) {
      throw new AtlasPaginationError(operation, `pagination did not end: page ${pageNum} brought nothing new and links to another`);
    }
    if (items.length > MAX_LIST_ITEMS) {
      throw new AtlasPaginationError(operation, `pagination did not end after ${pageNum} pages: more than the ${MAX_LIST_ITEMS} items a list may hold`);
    }
  };

  let pageNum = 1;
  let page = await fetchPage(pageNum);
  take(page, pageNum);
  if (page.totalCount !== undefined && page.results.length === itemsPerPage && hasNext(page)) {
    const promised = Math.min(Math.ceil(page.totalCount / itemsPerPage), maxPages);
    while (pageNum < promised) {
      const window = Array.from({ length: Math.min(PAGE_WINDOW, promised - pageNum) }, (_, i) => pageNum + 1 + i);
      const pages = await Promise.all(window.map(fetchPage));
      pages.forEach((p, i) => take(p, window[i]!));
      pageNum = window.at(-1)!;
      page = pages.at(-1)!;
      // The list ended sooner than the count said (or says it did): stop fanning out on the count's word.
      if (pages.some((p) => p.results.length < itemsPerPage || !hasNext(p))) break;
    }
  }
  // Follow links past what totalCount promised (it is an estimate, and lists grow while we read).
  while (hasNext(page) && page.results.length > 0) {
    if (pageNum >= maxPages) {
      throw new AtlasPaginationError(operation, `pagination did not end after ${pageNum} pages: more than the ${MAX_LIST_ITEMS} items a list may hold`);
    }
    page = await fetchPage(++pageNum);
    take(page, pageNum);
  }
  return items;
}
