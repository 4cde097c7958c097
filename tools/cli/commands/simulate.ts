import { resolve } from 'node:path';
import { startSimulator } from '../../simulator';
import { loadScenario, type ParsedScenario } from '../../simulator/scenario';
import { defineCommand, intFlag, type Flags } from '../args';
import { exportLine } from '../shell';

export const DEFAULT_SCENARIO = resolve(__dirname, '../../scenarios/demo.json');

export const SIMULATOR_FLAGS = {
  'scenario': { type: 'string', arg: 'FILE', default: 'tools/scenarios/demo.json', help: 'the Atlas state to serve (see tools/simulator/scenario.schema.json)' },
  'port': { type: 'string', arg: 'N', default: '0 (a free port)', help: 'port on 127.0.0.1' },
  'delete-delay-ms': { type: 'string', arg: 'N', default: 'the scenario\'s, else 1000', help: 'how long a deleted resource stays DELETING' },
  'latency-ms': { type: 'string', arg: 'N', default: '0', help: 'delay before every answer' },
  'seed': { type: 'string', arg: 'N', default: '1', help: 'seed of the simulator\'s random choices' },
} as const satisfies Flags;

/**
 * The scenario's keys and service accounts, each with the line that points the CLI and the functions at
 * the simulator with it. They are the simulator's own test credentials, made up by the scenario.
 */
export function credentialsToPaste(url: string, scenario: ParsedScenario): string {
  const orgName = new Map(scenario.orgs.map((o) => [o.id, o.name]));
  const orgs = (ids: string[]) => ids.map((id) => `${orgName.get(id)} (${id})`).join(', ');
  const out: string[] = [];
  for (const k of scenario.apiKeys) {
    out.push(`API key ${k.publicKey} (HTTP Digest) sees: ${orgs(k.orgIds)}`);
    out.push(`  ${exportLine({ ATLAS_BASE_URL: url, MONGODB_ATLAS_PUBLIC_API_KEY: k.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: k.privateKey })}`);
  }
  for (const a of scenario.serviceAccounts) {
    out.push(`service account ${a.clientId} (OAuth, POST /api/oauth/token) sees: ${orgs(a.orgIds)}`);
    // An API key wins when both are set, so a service account line clears the key variables.
    out.push(`  ${exportLine({ ATLAS_BASE_URL: url, MONGODB_ATLAS_CLIENT_ID: a.clientId, MONGODB_ATLAS_CLIENT_SECRET: a.clientSecret })}; unset MONGODB_ATLAS_PUBLIC_API_KEY MONGODB_ATLAS_PRIVATE_API_KEY`);
  }
  return out.join('\n');
}

/** Resolves on SIGINT or SIGTERM: a long-running command's end. */
export function stopSignal(): Promise<void> {
  return new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

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
    const stopped = stopSignal();
    console.log(`Atlas simulator listening on ${sim.url}`);
    console.log(`scenario: ${scenarioPath}`);
    console.log(credentialsToPaste(sim.url, scenario));
    await stopped;
    await sim.stop();
    return 0;
  },
});
