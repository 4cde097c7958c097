import { AtlasError } from '../errors';
import { RATE_LIMITS_PATH, endpointSetPageSchema, type EndpointSet } from './endpoint-sets';
import type { SetReader } from './pacer';

/** `/rateLimits` pages are asked for at Atlas's largest size, at most 20 of them (10,000 sets). */
const PAGE_SIZE = 500;
const MAX_PAGES = 20;

/**
 * Reads every page of `/rateLimits` through `fetchPage` (one attempt each: the page's URI in, its parsed
 * body out, an AtlasError thrown for a refusal or failure). Undefined when Atlas does not answer it, or
 * answers something that does not check: the fallback limits then, not a wait here.
 */
export function publishedSetReader(fetchPage: (uri: string) => Promise<unknown>): SetReader {
  return async () => {
    const sets: EndpointSet[] = [];
    try {
      for (let pageNum = 1; pageNum <= MAX_PAGES; pageNum++) {
        const page = endpointSetPageSchema.safeParse(await fetchPage(`${RATE_LIMITS_PATH}?itemsPerPage=${PAGE_SIZE}&pageNum=${pageNum}`));
        // A page longer than asked is not an answer to trust.
        if (!page.success || page.data.results.length > PAGE_SIZE) return undefined;
        for (const set of page.data.results) sets.push(set);
        if (!page.data.links?.some((l) => l.rel === 'next') || page.data.results.length === 0) return sets;
      }
      return sets;
    } catch (error) {
      if (error instanceof AtlasError) return undefined;
      throw error;
    }
  };
}
