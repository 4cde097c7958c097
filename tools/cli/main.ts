import { CommandError, EXIT, UsageError, ValidationError, didYouMean, parseCommandLine, type Command } from './args';
import { apply } from './commands/apply';
import { demo } from './commands/demo';
import { dev } from './commands/dev';
import { history } from './commands/history';
import { jobId } from './commands/job-id';
import { plan } from './commands/plan';
import { scan } from './commands/scan';
import { simulate } from './commands/simulate';
import { sweep } from './commands/sweep';
import { commandHelp, mainHelp, versionLine } from './help';
import { ScenarioError } from '../simulator/scenario';
import { printLine, warnLine } from './terminal';

/**
 * The atlas-janitor command line. Commands are a small table (one entry each, with its flag table); a
 * command returns its exit code. Every failure prints one line on stderr (a file that does not validate
 * adds one line per problem); exit codes are documented in docs/cli.md and in --help.
 */
const COMMANDS: Record<string, Command> = { scan, plan, apply, sweep, simulate, dev, demo, history, 'job-id': jobId };

const HELP = new Set(['--help', '-h']);

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined) throw new UsageError(`missing command (commands: ${Object.keys(COMMANDS).join(', ')}); see atlas-janitor --help`);
    if (HELP.has(name)) return print(mainHelp(COMMANDS));
    if (name === '--version' || name === '-v') return print(versionLine());
    if (name === 'help') {
      const topic = rest[0];
      // `help`, `help --help` and `help help` all mean the overview.
      if (topic === undefined || HELP.has(topic) || topic === 'help') return print(mainHelp(COMMANDS));
      return print(commandHelp(topic, commandNamed(topic)));
    }
    const command = commandNamed(name);
    if (rest.some((arg) => HELP.has(arg))) return print(commandHelp(name, command));
    const { values, positionals } = parseCommandLine(name, command.flags, rest, command.positional);
    return await command.run(values, positionals);
  } catch (err) {
    return fail(err);
  }
}

function commandNamed(name: string): Command {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    const what = name.startsWith('-') ? `unknown flag ${name}` : `unknown command ${JSON.stringify(name)}${didYouMean(name, [...Object.keys(COMMANDS), 'help'])}`;
    throw new UsageError(`${what} (commands: ${Object.keys(COMMANDS).join(', ')}); see atlas-janitor --help`);
  }
  return command;
}

function print(text: string): number {
  printLine(text);
  return EXIT.ok;
}

function fail(err: unknown): number {
  if (err instanceof ScenarioError) err = new ValidationError(`invalid scenario ${err.source}:`, err.issues);
  const message = (err as Error).message.split('\n')[0];
  warnLine(`atlas-janitor: ${message}`);
  if (err instanceof ValidationError) {
    for (const problem of err.problems) warnLine(`  ${problem}`);
    return EXIT.usage;
  }
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof CommandError) return err.exitCode;
  return EXIT.failed;
}

// Run when executed directly (tsx tools/cli/main.ts ...); the package bin imports runCli instead.
if (/[\\/]cli[\\/]main\.ts$/.test(process.argv[1] ?? '')) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
