import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from '../../demo/run-demo';
import { EXIT, UsageError, intFlag, rateFlag } from '../args';
import { renderDemoReport } from '../render';

const DEMO_GRACE_SECONDS = 5;

/** `atlas-janitor demo`: the whole pipeline locally on a scenario, checked against the simulator. */
export async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: { 'json': { type: 'boolean' }, 'html': { type: 'string' }, 'scenario': { type: 'string' }, 'fault-rate': { type: 'string' }, 'seed': { type: 'string' }, 'grace-seconds': { type: 'string' } },
  });
  if (values.scenario !== undefined && !existsSync(values.scenario)) throw new UsageError(`--scenario: no such file ${values.scenario}`);
  const report = await runDemo({
    scenario: values.scenario,
    faultRate: rateFlag('fault-rate', values['fault-rate']),
    seed: intFlag('seed', values.seed),
    // Mark, wait, then delete, on a demo's time scale.
    pagePath: values.html === undefined ? undefined : resolve(values.html),
    graceSeconds: intFlag('grace-seconds', values['grace-seconds']) ?? DEMO_GRACE_SECONDS,
    onStage: values.json ? undefined : (message) => process.stderr.write(`… ${message}\n`),
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderDemoReport(report)}\n`);
  return report.ok ? EXIT.ok : EXIT.failed;
}
