import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator';
import { loadScenario } from '../simulator/scenario';

/**
 * atlas-janitor developer CLI. Commands are a small table so more can be added (one entry each);
 * a command returns its exit code. Usage errors print one line on stderr and exit 2.
 */

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const DEFAULT_SCENARIO = resolve(__dirname, '../scenarios/demo.json');

function intFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

async function simulate(args: string[]): Promise<number> {
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

const COMMANDS: Record<string, Command> = {
  simulate: { summary: 'run the stateful Atlas API simulator', run: simulate },
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  try {
    if (!command) {
      const known = Object.keys(COMMANDS).join(', ');
      throw new UsageError(name === undefined ? `missing command (one of: ${known})` : `unknown command ${JSON.stringify(name)} (one of: ${known})`);
    }
    return await command.run(rest);
  } catch (err) {
    // parseArgs reports bad flags with ERR_PARSE_ARGS_* codes: those are usage errors too.
    const code = (err as { code?: string }).code ?? '';
    if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`atlas-janitor: ${(err as Error).message.split('\n')[0]}`);
      return 2;
    }
    console.error(`atlas-janitor: ${(err as Error).message}`);
    return 1;
  }
}

// Run when executed directly (tsx tools/cli/main.ts ...); the package bin imports runCli instead.
if (/[\\/]cli[\\/]main\.ts$/.test(process.argv[1] ?? '')) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
