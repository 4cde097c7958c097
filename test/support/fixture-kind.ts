import { keep, type ResourceKind } from '../../lib/kinds';

/**
 * A resource kind for tests that register one: one object id, one rule, no Atlas calls (each rejects if
 * reached). `extra` sets what the test is about.
 */
export function fixtureKind(name: string, extra: Partial<ResourceKind> = {}): ResourceKind {
  return {
    name,
    atlasUiPage: 'x',
    idFields: [{ name: 'thingId', format: 'objectId' }],
    needsProvider: false,
    deleteAfter: [],
    rules: [{ name: `broken-${name}`, why: 'broken' }],
    deletingStates: new Set(),
    alreadyDeletingCodes: new Set(),
    goneCodes: new Set(),
    hasDependentsCodes: new Set(),
    list: () => Promise.reject(new Error('not called')),
    get: () => Promise.reject(new Error('not called')),
    delete: () => Promise.reject(new Error('not called')),
    classify: () => keep('not called'),
    ...extra,
  };
}
