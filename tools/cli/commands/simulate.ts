import { resolve } from 'node:path';
import { startSimulator } from '../../simulator';
import { loadScenario, type ParsedScenario } from '../../simulator/scenario';
import { CommandError, EXIT, UsageError, defineCommand, intFlag, type Flags } from '../args';
import { exportLine } from '../shell';
import { printLine } from '../terminal';

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

/** `--port N`: 0 (a free port) to 65535. */
export function portFlag(value: string | undefined): number {
  const port = intFlag('port', value) ?? 0;
  if (port > 65_535) throw new UsageError(`--port must be from 0 to 65535, got ${port}`);
  return port;
}

/** Starts a server on a port; a port that is taken or not ours to use is one clear line, exit 1. */
export async function listening<T>(port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new CommandError(EXIT.failed, `--port ${port}: the port is in use`);
    if (code === 'EACCES') throw new CommandError(EXIT.failed, `--port ${port}: not allowed to listen on it`);
    throw error;
  }
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
    const port = portFlag(values.port);
    const scenario = await loadScenario(scenarioPath);
    const sim = await listening(port, () => startSimulator({
      scenario,
      port,
      deleteDelayMs: intFlag('delete-delay-ms', values['delete-delay-ms']),
      latencyMs: intFlag('latency-ms', values['latency-ms']),
      seed: intFlag('seed', values.seed),
    }));
    // Listen for the stop signal before announcing the URL: whoever reads the URL may signal at once.
    const stopped = stopSignal();
    printLine(`Atlas simulator listening on ${sim.url}`);
    printLine(`scenario: ${scenarioPath}`);
    printLine(credentialsToPaste(sim.url, scenario));
    await stopped;
    await sim.stop();
    return 0;
  },
});
