// @ts-check
/**
 * `npm run mutation`: how well the fast tests pin the decisions that can delete. Mutates the files that
 * decide (classify, evidence, gone codes, side effects, plan, breaker, and the worker's re-read before a
 * DELETE) and runs the unit and property tests against each mutant. A measured figure like the bench: not
 * part of `npm test` or CI (about half an hour on two cores).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.mts' },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: [
    'lib/worker/act.ts',
    'lib/kinds/common.ts',
    'lib/kinds/endpoint-services.ts',
    'lib/kinds/evidence.ts',
    'lib/kinds/network-peering.ts',
    'lib/kinds/private-endpoint-service.ts',
    'lib/kinds/private-endpoint.ts',
    'lib/kinds/registry.ts',
    'lib/kinds/states.ts',
    'lib/kinds/streams-private-link.ts',
    'lib/plan/breaker.ts',
    'lib/plan/plan.ts',
    // Decisions that moved out of these files: the run's deletion budget (the cap), and the check that
    // keeps an id of the wrong format from ever being planned.
    'lib/run/budget.ts',
    'lib/kinds/id-check.ts',
  ],
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, reportMutants: false, reportTests: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 10_000,
};
