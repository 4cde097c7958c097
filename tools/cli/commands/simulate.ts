import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../../simulator';
import { loadScenario } from '../../simulator/scenario';
import { intFlag } from '../args';

const DEFAULT_SCENARIO = resolve(__dirname, '../../scenarios/demo.json');

/** `atlas-janitor simulate`: the Atlas simulator on a scenario, until SIGINT/SIGTERM. */
export async function simulate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      scenario: { type: 'string' },
      port: { type: 'string' },
      'delete-delay-ms': { type: 'string' },
      'latency-ms': { type: 'string' },
      seed: { type: 'string' },
    },
  });
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
}
