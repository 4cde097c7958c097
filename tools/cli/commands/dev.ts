import { relative } from 'node:path';
import { readStack } from '../../demo/stack';
import { startConsumers, type RunningConsumers } from '../../local/consumers';
import { startLocalDynamo } from '../../local/dynamo';
import { startLocalSqs } from '../../local/sqs';
import { startSimulator } from '../../simulator';
import { loadScenario } from '../../simulator/scenario';
import { UsageError, defineCommand } from '../args';
import { exportLine } from '../shell';
import { DEFAULT_SCENARIO, SIMULATOR_FLAGS, credentialsToPaste, listening, portFlag, stopSignal } from './simulate';
import { printLine } from '../terminal';

/**
 * `atlas-janitor dev`: the local stack the functions run against with `sls invoke local`: the Atlas
 * simulator, fauxqs with the queues of serverless.yml, dynalite with the stage's ledger table, and the
 * scan and worker functions consuming their queues as Lambda would (so a queued sweep is carried
 * through, not left on the queue); then the `export` lines that point the functions, `history` and the
 * CLI at them. Runs until SIGINT/SIGTERM.
 */
export const dev = defineCommand({
  summary: 'the local stack for sls invoke local: simulator, SQS, DynamoDB, the queue consumers, and the exports to paste',
  usage: '[flags]',
  flags: {
    'stage': { type: 'string', arg: 'NAME', default: 'dev (sls invoke local\'s default)', help: 'the serverless.yml stage whose queue and table names to create' },
    'scenario': SIMULATOR_FLAGS.scenario,
    'port': { ...SIMULATOR_FLAGS.port, help: 'the simulator\'s port on 127.0.0.1' },
    'no-consumers': { type: 'boolean', help: 'leave the queues alone: scans and jobs wait until you invoke scan or worker yourself' },
  },
  env: [],
  example: 'atlas-janitor dev   # then, in another shell: paste the exports; npx sls invoke local -f sweep -p events/inline-scan.json',
  async run(values) {
    const stage = values.stage ?? 'dev';
    if (!/^[a-zA-Z0-9-]{1,32}$/.test(stage)) throw new UsageError(`--stage: ${JSON.stringify(stage)} is not a stage name (letters, digits, -)`);
    const scenarioPath = values.scenario ?? DEFAULT_SCENARIO;
    const scenario = await loadScenario(scenarioPath);
    const stack = readStack(stage, { LOCAL_ATLAS_SECRET_IDS: '', LOCAL_REPORT_BUCKET: '' });
    const stopped = stopSignal();
    const port = portFlag(values.port);
    const sim = await listening(port, () => startSimulator({ scenario, port }));
    const sqs = await startLocalSqs();
    let stopConsumers: RunningConsumers | undefined;
    const dynamo = await startLocalDynamo();
    try {
      const queues = await sqs.createQueues(stack.queues);
      await dynamo.createLedgerTable(stack.ledgerTable);
      const key = scenario.apiKeys[0];
      let consumers: RunningConsumers | undefined;
      if (!values['no-consumers']) {
        consumers = await startConsumers({
          stack,
          queues,
          sqs: sqs.sqs,
          env: {
            ATLAS_BASE_URL: sim.url,
            ...(key ? { MONGODB_ATLAS_PUBLIC_API_KEY: key.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: key.privateKey } : {}),
            AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local',
            AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
            // One line per batch here instead of the functions' own JSON logs; warnings still show.
            POWERTOOLS_LOG_LEVEL: 'WARN', POWERTOOLS_METRICS_DISABLED: 'true', NODE_OPTIONS: '',
          },
          say: (line) => process.stdout.write(`[consumer] ${line}\n`),
        });
      }
      stopConsumers = consumers;
      const mode = String(stack.functions['scan']?.environment['JANITOR_MODE'] ?? 'dry-run');
      const stageFlag = stage === 'dev' ? '' : ` --stage ${stage}`;
      const lines = [
        `local stack for stage ${stage} of serverless.yml (Ctrl-C stops it):`,
        `  Atlas simulator  ${sim.url}  scenario ${relative(process.cwd(), scenarioPath)}`,
        `  SQS (fauxqs)     ${sqs.endpoint}  ${[...queues.values()].map((q) => q.name).join(', ')}`,
        `  DynamoDB         ${dynamo.endpoint}  table ${stack.ledgerTable}`,
        consumers
          ? `  consumers        scan on the scan queue, worker on the delete queue (${mode}, the stage's mode); one [consumer] line per batch below`
          : '  consumers        none (--no-consumers): queued scans and jobs wait for npx sls invoke local -f scan / -f worker',
        '',
        'Credentials in the scenario:',
        credentialsToPaste(sim.url, scenario),
        '',
        '# Paste into another shell (from the repository root): the functions under sls invoke local, history and the CLI then use this stack.',
        ...(key ? [exportLine({ ATLAS_BASE_URL: sim.url, MONGODB_ATLAS_PUBLIC_API_KEY: key.publicKey, MONGODB_ATLAS_PRIVATE_API_KEY: key.privateKey })] : []),
        // Empty: the functions take the Atlas CLI variables above instead of Secrets Manager, and keep no
        // report pages (no S3 here; --html writes a page from the CLI).
        exportLine({ LOCAL_ATLAS_SECRET_IDS: '', LOCAL_REPORT_BUCKET: '' }),
        exportLine({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' }),
        exportLine({ AWS_ENDPOINT_URL_SQS: sqs.endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint }),
        exportLine(Object.fromEntries(stack.localQueueUrls.map((q) => [q.variable, queues.get(q.queueLogicalId)!.url]))),
        exportLine({ LEDGER_TABLE: stack.ledgerTable }),
        '',
        '# Then, for example (the nightly sweep queues one scan per project; the consumers above carry them out):',
        `npx sls invoke local${stageFlag} -f sweep -p events/scheduled-sweep.json`,
        `npx sls invoke local${stageFlag} -f sweep -p events/inline-scan.json`,
        'npx atlas-janitor scan --all',
        '',
        'ready',
      ];
      printLine(lines.join('\n'));
      await stopped;
    } finally {
      await stopConsumers?.stop();
      await Promise.all([sim.stop(), sqs.stop(), dynamo.stop()]);
    }
    return 0;
  },
});
