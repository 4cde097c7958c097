import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the skipped tests by name, then one plain closing line, `tests: N passed, N failed, N skipped`,
 * which CI reads whatever the runner's own summary looks like.
 */
export default class ClosingLineReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipped: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else {
          counts.skipped++;
          skipped.push(test.fullName);
        }
      }
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) counts.failed++;
    }
    // A skip is never silent: each skipped test's name says why it did not run.
    for (const name of skipped) process.stdout.write(`\nskipped: ${name}`);
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
