import { describe, expect, it } from 'vitest';
import { ConfigError, globToRegExp, loadConfig } from '../../lib/config';
import { selectProjects } from '../../lib/plan';

const project = (id: string, name: string) => ({ id: id.repeat(24), name, orgId: 'f'.repeat(24) });

describe('loadConfig', () => {
  it('defaults to dry-run, v2, every kind, a cap of 25', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ mode: 'dry-run', apiGeneration: 'v2', maxDeletionsPerRun: 25, concurrency: 8, secretIds: [] });
    expect(config.kinds).toEqual(['privateEndpoint', 'privateEndpointService', 'networkPeering', 'streamsPrivateLink']);
  });

  it('reads lists, trimming blanks', () => {
    const config = loadConfig({ ATLAS_SECRET_IDS: ' a , b,,', EXCLUDE_PROJECT_IDS: 'a'.repeat(24), DISABLED_RULES: 'failed-peer', JANITOR_MODE: 'enforce' });
    expect(config.secretIds).toEqual(['a', 'b']);
    expect([...config.projects.excludeIds]).toEqual(['a'.repeat(24)]);
    expect([...config.disabledRules]).toEqual(['failed-peer']);
    expect(config.mode).toBe('enforce');
  });

  it.each([
    [{ JANITOR_MODE: 'yes' }, 'JANITOR_MODE'],
    [{ ATLAS_API_GENERATION: 'v3' }, 'ATLAS_API_GENERATION'],
    [{ ATLAS_BASE_URL: 'cloud.mongodb.com' }, 'ATLAS_BASE_URL'],
    [{ INCLUDE_PROJECT_IDS: 'abc' }, 'INCLUDE_PROJECT_IDS'],
    [{ MAX_DELETIONS_PER_RUN: '-1' }, 'MAX_DELETIONS_PER_RUN'],
    [{ ATLAS_CONCURRENCY: '0' }, 'ATLAS_CONCURRENCY'],
    [{ ATLAS_RATE_LIMIT_SHARED_BY: '0' }, 'ATLAS_RATE_LIMIT_SHARED_BY'],
    [{ DISABLED_RULES: 'delete-everything' }, 'DISABLED_RULES'],
    [{ JANITOR_KINDS: 'clusters' }, 'JANITOR_KINDS'],
  ])('names the bad variable in %j', (env, field) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
  });

  it.each(['https://janitor:hunter2-secret@cloud.mongodb.com', 'http://hunter2-secret@127.0.0.1:8089'])('refuses a base URL with userinfo (%s) without echoing it', (url) => {
    expect(() => loadConfig({ ATLAS_BASE_URL: url })).toThrow(new ConfigError('ATLAS_BASE_URL', 'must not contain user:password@ (credentials go in the secret)'));
    try {
      loadConfig({ ATLAS_BASE_URL: url });
    } catch (error) {
      expect(JSON.stringify(error) + String(error)).not.toContain('hunter2');
    }
  });
});

describe('project selection', () => {
  const projects = [project('a', 'payments-prod'), project('b', 'payments-staging'), project('c', 'analytics-prod')];
  const filter = (env: Record<string, string>) => loadConfig(env).projects;

  it('selects every project when nothing is configured', () => {
    expect(selectProjects(projects, filter({})).selected).toHaveLength(3);
  });

  it('includes by name glob and id, and an exclusion always wins', () => {
    const selection = selectProjects(projects, filter({ INCLUDE_PROJECT_NAMES: 'payments-*', INCLUDE_PROJECT_IDS: 'c'.repeat(24), EXCLUDE_PROJECT_NAMES: '*-staging' }));
    expect(selection.selected.map((p) => p.name)).toEqual(['payments-prod', 'analytics-prod']);
    expect(selection.skipped).toEqual([{ projectId: 'b'.repeat(24), name: 'payments-staging', reason: 'excluded by name' }]);
  });

  it('treats glob metacharacters other than * and ? literally', () => {
    expect(globToRegExp('prod.(eu)?').test('prod.(eu)1')).toBe(true);
    expect(globToRegExp('prod.(eu)?').test('prodX(eu)1')).toBe(false);
  });
});
