import { resolve } from 'node:path';
import { startSimulator } from '../../simulator';
import { loadScenario } from '../../simulator/scenario';
import { defineCommand, intFlag, type Flags } from '../args';

const DEFAULT_SCENARIO = resolve(__dirname, '../../scenarios/demo.json');

export const SIMULATOR_FLAGS = {
  'scenario': { type: 'string', arg: 'FILE', default: 'tools/scenarios/demo.json', help: 'the Atlas state to serve (see tools/simulator/scenario.schema.json)' },
  'port': { type: 'string', arg: 'N', default: '0 (a free port)', help: 'port on 127.0.0.1' },
  'delete-delay-ms': { type: 'string', arg: 'N', default: 'the scenario\'s, else 1000', help: 'how long a deleted resource stays DELETING' },
  'latency-ms': { type: 'string', arg: 'N', default: '0', help: 'delay before every answer' },
  'seed': { type: 'string', arg: 'N', default: '1', help: 'seed of the simulator\'s random choices' },
} as const satisfies Flags;

/** `atlas-janitor simulate`: the Atlas simulator on a scenario, until SIGINT/SIGTERM. */
export const simulate = defineCommand({
  summary: 'run the stateful Atlas API simulator until Ctrl-C',
  usage: '[flags]',
  flags: SIMULATOR_FLAGS,
  env: [],
  example: 'atlas-janitor simulate --port 8089',
  async run(values) {
    const scenarioPath = values.scenario ?? DEFAULT_SCENARIO;
    const scenario = await loadScenario(scenarioPath);
    const sim = await startSimulator({
      scenario,
      port: intFlag('port', values.port) ?? 0,
      deleteDelayMs: intFlag('delete-delay-ms', values['delete-delay-ms']),
      latencyMs: intFlag('latency-ms', values['latency-ms']),
      seed: intFlag('seed', values.seed),
    });
    // Listen for the stop signal before announcing the URL: whoever reads the URL may signal at once.
    const stopped = new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    const orgName = new Map(scenario.orgs.map((o) => [o.id, o.name]));
    const orgs = (ids: string[]) => ids.map((id) => `${orgName.get(id)} (${id})`).join(', ');
    console.log(`Atlas simulator listening on ${sim.url}`);
    console.log(`scenario: ${scenarioPath}`);
    for (const k of scenario.apiKeys) console.log(`API key ${k.publicKey} (digest) sees: ${orgs(k.orgIds)}`);
    for (const a of scenario.serviceAccounts) console.log(`service account ${a.clientId} (POST /api/oauth/token) sees: ${orgs(a.orgIds)}`);
    await stopped;
    await sim.stop();
    return 0;
  },
});
