import { existsSync } from 'node:fs';
import { runPlanDemo } from '../../demo/plan-demo';
import { runDemo } from '../../demo/run-demo';
import { loadScenario } from '../../simulator/scenario';
import { EXIT, UsageError, defineCommand, intFlag, rateFlag } from '../args';
import { HTML_FLAG, reportPagePath } from '../html-page';
import { renderDemoReport, renderPlanDemoReport } from '../render';
import { printLine, warnLine } from '../terminal';

const DEMO_GRACE_SECONDS = 5;

/** `atlas-janitor demo`: the whole pipeline locally on a scenario, checked against the simulator. */
export const demo = defineCommand({
  summary: 'run the whole pipeline locally (simulator, queues, ledger, worker) on a scenario and check it',
  usage: '[flags]',
  flags: {
    'json': { type: 'boolean', help: 'print the demo report as JSON' },
    'plan': { type: 'boolean', help: 'the plan → approve → apply path instead: plan, a row left out, a drifted row, a second apply refused (takes --scenario, --html, --json)' },
    'scenario': { type: 'string', arg: 'FILE', default: 'tools/scenarios/demo.json', help: 'the Atlas state to clean' },
    'fault-rate': { type: 'string', arg: 'R', default: '0', help: 'share of Atlas answers (0 to 1) replaced by injected faults' },
    'seed': { type: 'string', arg: 'N', default: '1', help: 'seed of the injected faults' },
    'grace-seconds': { type: 'string', arg: 'N', default: String(DEMO_GRACE_SECONDS), help: 'grace period between the marking sweep and the deleting one' },
    // The demo always writes a page (with --plan: the plan's page); --html only says where.
    html: { ...HTML_FLAG.html, default: 'a new file in the temp folder, named at the end' },
  },
  env: [],
  example: 'atlas-janitor demo --fault-rate 0.3 --seed 7',
  async run(values) {
    if (values.scenario !== undefined && !existsSync(values.scenario)) throw new UsageError(`--scenario: no such file ${values.scenario}`);
    // Checked before anything starts: a file that is not a valid scenario (truncated JSON among others)
    // is a bad argument, exit 2, with one line per problem.
    if (values.scenario !== undefined) await loadScenario(values.scenario);
    if (values.plan) {
      // The plan demo injects no faults and has no grace period to wait out: those flags would be ignored.
      const ignored = (['fault-rate', 'seed', 'grace-seconds'] as const).filter((flag) => values[flag] !== undefined);
      if (ignored.length > 0) throw new UsageError(`${ignored.map((f) => `--${f}`).join(', ')}: not used by --plan, which takes --scenario, --html and --json`);
      const report = await runPlanDemo({ scenario: values.scenario, planPage: reportPagePath(values.html), onStage: values.json ? undefined : (message) => warnLine(`… ${message}`) });
      printLine(values.json ? JSON.stringify(report, null, 2) : renderPlanDemoReport(report));
      return report.ok ? EXIT.ok : EXIT.failed;
    }
    const pagePath = reportPagePath(values.html);
    const report = await runDemo({
      scenario: values.scenario,
      faultRate: rateFlag('fault-rate', values['fault-rate']),
      seed: intFlag('seed', values.seed),
      pagePath,
      // Mark, wait, then delete, on a demo's time scale.
      graceSeconds: intFlag('grace-seconds', values['grace-seconds']) ?? DEMO_GRACE_SECONDS,
      onStage: values.json ? undefined : (message) => warnLine(`… ${message}`),
    });
    printLine(values.json ? JSON.stringify(report, null, 2) : renderDemoReport(report));
    return report.ok ? EXIT.ok : EXIT.failed;
  },
});
