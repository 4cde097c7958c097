import type { ApiGeneration, AtlasClient, EndpointService, Provider } from '../atlas';
import { backoff } from '../concurrency/backoff';
import { v1AsEndpointService, type ReadContext } from '../kinds';

/**
 * The reads of one pass (a scan, or the worker before one delete): endpoint-service lists read once per
 * project and provider, however many kinds need them. `projectsRead`: projects already read in this pass
 * (a sweep listed them). In v1 mode the AWS list comes from the v1.0 `privateEndpoint` route.
 */
export function createReadContext(atlas: AtlasClient, apiGeneration: ApiGeneration, projectsRead: readonly string[] = []): ReadContext {
  const services = new Map<string, Promise<EndpointService[]>>();
  const projects = new Map<string, Promise<void>>(projectsRead.map((id) => [id, Promise.resolve()]));
  return {
    atlas,
    apiGeneration,
    // The client's own backoff (200 ms, then 400 ms by default), jittered by half: soon enough for a
    // passing proxy fault, never a tight loop.
    pauseBeforeRereading: (attempt) => new Promise((resolve) => setTimeout(resolve, backoff(attempt, { base: atlas.retry.baseDelayMs, max: atlas.retry.maxDelayMs, jitter: 'half' }))),
    projectRead(projectId: string) {
      let read = projects.get(projectId);
      if (!read) projects.set(projectId, (read = atlas.getProject(projectId).then(() => undefined)));
      return read;
    },
    endpointServices(projectId: string, provider: Provider) {
      const key = `${projectId}/${provider}`;
      let list = services.get(key);
      if (!list) {
        list =
          apiGeneration === 'v1' && provider === 'AWS'
            ? atlas.v1ListPrivateEndpointConnections(projectId).then((cs) => cs.map(v1AsEndpointService))
            : atlas.listEndpointServices(projectId, provider);
        services.set(key, list);
      }
      return list;
    },
  };
}
