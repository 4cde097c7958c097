import { warnLine } from './terminal';

const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Runs deletions that a person started, so that whatever stops them (an exception, Ctrl-C, a SIGTERM)
 * first has `record` write down what is known: a page or a marker must not keep saying "awaiting
 * confirmation" or "nothing deleted" after some deletes may have run. `record` is synchronous, as a
 * signal handler's work must be; its own failure is reported and never hides the first one.
 */
export async function recordingInterruption<T>(record: (why: string) => void, run: () => Promise<T>): Promise<T> {
  const write = (why: string) => {
    try {
      record(why);
    } catch (error) {
      warnLine(`could not record the interruption (${why}): ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const handlers = Object.entries(EXIT_ON_SIGNAL).map(([signal, code]) => {
    const handler = () => {
      write(`stopped by ${signal}`);
      process.exit(code);
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await run();
  } catch (error) {
    write(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    throw error;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
}
