/** A structured log line one of the functions printed. */
export interface LogLine {
  message: string;
  [field: string]: unknown;
}

export interface ScannedLine {
  sweepId: string;
  projectId: string;
  candidates: { projectId: string; kind: string; provider?: string; id: string; state: string; rule: string; reason: string; jobId: string }[];
  errors?: { kind?: string; id?: string; message: string }[];
  /** What the scan kept, counted by cause (`grace`, `state`, `suspectedApiFault`, …). */
  keptByCause?: Record<string, number>;
  apiCalls: number;
}

export interface JobLine {
  jobId?: string;
  projectId?: string;
  kind?: string;
  outcome: string;
  reason?: string;
  ack: boolean;
}

export interface Observations {
  scanned: ScannedLine[];
  jobs: JobLine[];
  /** Every other line (warnings, errors, sweep summaries). */
  other: LogLine[];
  stop(): void;
}

/**
 * Reads the functions' structured log lines (`project scanned`, `delete job`) from this process's
 * stdout — the same lines CloudWatch receives in AWS — instead of printing them.
 */
export function observeFunctionLogs(): Observations {
  const write = process.stdout.write;
  let pending = '';
  const observations: Observations = {
    scanned: [],
    jobs: [],
    other: [],
    stop: () => {
      process.stdout.write = write;
    },
  };
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    pending += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const parsed = parseLine(line);
      if (!parsed) write.call(process.stdout, `${line}\n`);
      else if (parsed.message === 'project scanned') observations.scanned.push(parsed as unknown as ScannedLine);
      else if (parsed.message === 'delete job') observations.jobs.push(parsed as unknown as JobLine);
      else observations.other.push(parsed);
    }
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return observations;
}

function parseLine(line: string): LogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as LogLine;
    return typeof value.message === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
