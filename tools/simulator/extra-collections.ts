import { AtlasApiError, type ErrorCode } from './errors';
import { empty, page, project, single, type Route, type RouteContext } from './routes';
import { ID_FORMATS } from './scenario';

/**
 * A project-scoped collection served besides Atlas's own routes: list (paginated), get and delete under
 * `/api/atlas/v2/groups/{groupId}/<path>`. It exists for tests of a resource kind that lives only in a
 * test fixture (proof that a kind is one module): the simulator learns nothing about the kind, it only
 * holds its items. Auth, versioning, faults and pagination are the same as for every other route.
 */
export interface ExtraCollection {
  /** Path after `/groups/{groupId}/`, e.g. `widgets` (letters and slashes). */
  path: string;
  /** The errorCode a 404 for an unknown item carries, e.g. `RESOURCE_NOT_FOUND`. */
  notFoundCode: ErrorCode;
  /** Items per project id, served as given; each has an `id` of 24 hexadecimal characters. */
  items: Record<string, ({ id: string } & Record<string, unknown>)[]>;
}

const V2_GROUP = '/api/atlas/v2/groups/{groupId}';

/** The routes of each collection; a DELETE removes the item at once (202, no body). */
export function extraRoutes(collections: readonly ExtraCollection[]): Route[] {
  return collections.flatMap((collection) => {
    if (!/^[A-Za-z]+(\/[A-Za-z]+)*$/.test(collection.path)) throw new TypeError(`extra collection path ${collection.path}: letters and slashes only`);
    const items = new Map(Object.entries(collection.items).map(([projectId, list]) => [projectId, [...list]]));
    const listOf = (ctx: RouteContext) => {
      const list = items.get(project(ctx).id) ?? [];
      items.set(project(ctx).id, list);
      return list;
    };
    const itemOf = (ctx: RouteContext) => {
      const id = ctx.params['itemId']!;
      if (!ID_FORMATS.hex24.test(id)) throw new AtlasApiError('INVALID_ATTRIBUTE', 'Invalid attribute itemId specified: must be 24 hexadecimal characters.', ['itemId', id]);
      const list = listOf(ctx);
      const index = list.findIndex((item) => item.id === id);
      if (index < 0) throw new AtlasApiError(collection.notFoundCode, `No ${collection.path} item with ID ${id} exists.`, [id]);
      return { list, index };
    };
    const base = `${V2_GROUP}/${collection.path}`;
    const name = collection.path.replace(/\//g, '.');
    return [
      { operationId: `extra.${name}.list`, method: 'GET', path: base, version: '2023-01-01', handle: (ctx) => page(ctx, listOf(ctx)) },
      {
        operationId: `extra.${name}.get`,
        method: 'GET',
        path: `${base}/{itemId}`,
        version: '2023-01-01',
        handle: (ctx) => {
          const { list, index } = itemOf(ctx);
          return single(list[index]);
        },
      },
      {
        operationId: `extra.${name}.delete`,
        method: 'DELETE',
        path: `${base}/{itemId}`,
        version: '2023-01-01',
        handle: (ctx) => {
          const { list, index } = itemOf(ctx);
          list.splice(index, 1);
          return empty(202);
        },
      },
    ] satisfies Route[];
  });
}
