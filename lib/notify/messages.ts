import type { ScanReport } from '../report';
import type { Notifier } from './notifier';

const FIRST_ITEMS = 10;
const DAY_MS = 86_400_000;

/** Where the sweep's report page is (or will be, when `pending`). */
export interface PageLink {
  s3Uri: string;
  consoleUrl: string;
  pending?: boolean | undefined;
}

/** Dead-lettered jobs as the worker reports them. */
export interface DeadLetterItem {
  jobId: string | undefined;
  projectId: string | undefined;
  kind: string | undefined;
  reason?: string | undefined;
  errorCode?: string | undefined;
}

/**
 * The sweep summary: counts, the first planned items, what becomes eligible in the next 24 hours, and
 * expired protections. Publishing is best effort: a failure is added to the report's errors, never
 * thrown, so a sweep is never lost for want of an e-mail.
 */
export async function notifySweep(notifier: Notifier, report: ScanReport, now: number, page?: PageLink): Promise<void> {
  // `kept` may be a sample (a large sweep): the count comes from keptByCause, the items from the sample.
  const waiting = report.kept.filter((k) => k.cause === 'grace');
  const alsoRemoving = report.candidates.filter((c) => c.alsoRemoves !== undefined);
  const sideEffectKept = report.kept.filter((k) => k.cause === 'sideEffect');
  const soon = waiting.filter((k) => k.eligibleAt !== undefined && Date.parse(k.eligibleAt) <= now + DAY_MS);
  const lines = [
    `Sweep ${report.sweepId} (${report.mode}): ${report.projects.length} projects, ${report.candidates.length} planned, ${report.enqueued} enqueued, ${report.keptByCause?.grace ?? waiting.length} marked and waiting, ${report.errors.length} errors.`,
    ...(report.mode === 'plan' ? ['', 'A plan: nothing was deleted or queued. Its page ends with the event that approves it; until then nothing in it is deleted.'] : []),
    ...(page ? ['', `${page.pending ? 'The sweep\'s report page, once all its scans are done' : 'Report page'}: ${page.consoleUrl}`, `  (${page.s3Uri}: open it from the console, or download it and open it in a browser)`] : []),
    ...section(`Planned for deletion (${report.candidates.length})`, report.candidates.map((c) => `${c.kind} ${c.provider ?? ''} ${c.id} in ${c.projectId}: ${c.rule} (${c.reason})`)),
    // Listed apart so none hides behind the first items: these deletes change more than the resource.
    ...section(`Planned deletes that also remove something else (${alsoRemoving.length})`, alsoRemoving.map((c) => `${c.kind} ${c.id} in ${c.projectId}: ${c.alsoRemoves}`)),
    ...section(`Kept for what their delete would also remove (${sideEffectKept.length})`, sideEffectKept.map((k) => `${k.kind} ${k.id} in ${k.projectId}: ${k.reason}`)),
    ...section(`Eligible within 24 hours (${soon.length})`, soon.map((k) => `${k.kind} ${k.provider ?? ''} ${k.id} in ${k.projectId}: at ${k.eligibleAt}`)),
    ...section(`Expired protections (${report.expiredProtections?.length ?? 0})`, (report.expiredProtections ?? []).map((p) => `${p.selector}, owner ${p.owner}: ${p.reason}; expired ${p.expiredAt}`)),
    ...section(`Errors (${report.errors.length})`, report.errors.map((e) => `${e.projectId ?? e.id ?? ''} ${e.kind ?? ''}: ${e.message}`)),
  ];
  try {
    await notifier.publish({ subject: `atlas-janitor ${report.mode}: ${report.candidates.length} planned, ${soon.length} due in 24h`, message: lines.join('\n') });
  } catch (error) {
    report.errors.push({ message: `the sweep summary could not be published: ${(error as { name?: string }).name ?? 'error'}` });
  }
}

/**
 * The list of dead-lettered jobs of one worker batch. Best effort: the jobs are in the DLQ with their
 * reasons whatever happens here, and its alarm fires anyway.
 */
export async function notifyDeadLetters(notifier: Notifier, items: readonly DeadLetterItem[]): Promise<void> {
  if (items.length === 0) return;
  const lines = items.map((d) => `${d.kind ?? 'unknown kind'} job ${d.jobId ?? '(unparsable)'} in ${d.projectId ?? '?'}: ${d.reason ?? ''}${d.errorCode ? ` [${d.errorCode}]` : ''}`);
  try {
    await notifier.publish({ subject: `atlas-janitor: ${items.length} delete job(s) dead-lettered`, message: lines.join('\n') });
  } catch {
    // see above
  }
}

function section(title: string, items: string[]): string[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, FIRST_ITEMS).map((line) => `  - ${line.replace(/\s+/g, ' ')}`);
  return ['', `${title}:`, ...shown, ...(items.length > FIRST_ITEMS ? [`  … and ${items.length - FIRST_ITEMS} more`] : [])];
}
