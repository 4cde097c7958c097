import { CommandError, EXIT, UsageError } from './args';
import { demo } from './commands/demo';
import { history } from './commands/history';
import { scan } from './commands/scan';
import { simulate } from './commands/simulate';
import { sweep } from './commands/sweep';

/**
 * The atlas-janitor command line. Commands are a small table (one entry each); a command returns its
 * exit code. Every failure prints one line on stderr; exit codes are documented in the README.
 */

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Record<string, Command> = {
  scan: { summary: 'dry-run scan of Atlas projects (--project ID | --all)', run: scan },
  sweep: { summary: 'plan and, with --enforce, delete directly (no AWS needed)', run: sweep },
  simulate: { summary: 'run the stateful Atlas API simulator', run: simulate },
  demo: { summary: 'run the whole pipeline locally on the demo scenario', run: demo },
  history: { summary: 'the run history in the ledger (--project ID | --sweep ID)', run: history },
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
    const message = (err as Error).message.split('\n')[0];
    if (err instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`atlas-janitor: ${message}`);
      return EXIT.usage;
    }
    if (err instanceof CommandError) {
      console.error(`atlas-janitor: ${message}`);
      return err.exitCode;
    }
    console.error(`atlas-janitor: ${message}`);
    return EXIT.failed;
  }
}

// Run when executed directly (tsx tools/cli/main.ts ...); the package bin imports runCli instead.
if (/[\\/]cli[\\/]main\.ts$/.test(process.argv[1] ?? '')) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
