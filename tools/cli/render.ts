import { relative } from 'node:path';
import { AGE_RULES, type RuleName } from '../../lib/kinds';
import type { KeptCause } from '../../lib/plan';
import type { ScanReport } from '../../lib/report';
import type { PlanDemoReport } from '../demo/plan-demo';
import type { DemoReport } from '../demo/run-demo';
import { table } from './table';

/** The scan report as a person reads it: projects, then what would be deleted and why. */
export function renderScanReport(report: ScanReport): string {
  const out: string[] = [`${report.mode === 'plan' ? 'plan' : 'sweep'} ${report.sweepId} (${report.mode})`, ''];
  const toDelete = report.mode === 'enforce' ? 'to delete' : report.mode === 'plan' ? 'planned' : 'would delete';
  // Stale is what a rule matched: planned now, or marked and waiting for its grace period. Without a
  // ledger everything stale waits, so "planned" alone would read as "nothing stale".
  const waitingIn = new Map<string, number>();
  for (const k of report.kept) if (k.cause === 'grace') waitingIn.set(k.projectId, (waitingIn.get(k.projectId) ?? 0) + 1);
  out.push(
    table(
      ['project', 'seen', toDelete, 'waiting', 'other kept', 'errors', 'API calls', 'ms'],
      report.projects.map((p) => {
        const waiting = waitingIn.get(p.projectId) ?? 0;
        return [p.projectName ?? p.projectId, p.seen, p.candidates, waiting, p.kept - waiting, p.errors, p.apiCalls, p.durationMs];
      }),
    ),
  );
  if (report.candidates.length > 0) {
    out.push('', `${toDelete} (${report.candidates.length}):`);
    out.push(table(['project', 'kind', 'provider', 'id', 'state', 'rule'], report.candidates.map((c) => [c.projectId, c.kind, c.provider ?? '', c.id, c.state, c.rule])));
  }
  const waiting = report.kept.filter((k) => k.cause === 'grace');
  if (waiting.length > 0) {
    const all = report.keptByCause.grace ?? waiting.length;
    out.push('', `marked, waiting for their grace period (${all}${all > waiting.length ? `, ${waiting.length} shown; the log has every one` : ''}):`);
    out.push(
      table(
        ['project', 'kind', 'id', 'state', 'rule', 'first seen stale', 'eligible at', 'reason'],
        waiting.map((k) => [k.projectId, k.kind, k.id, k.state, k.rule ?? '-', k.firstSeenAt ?? '-', k.eligibleAt ?? withoutLedger(k.rule), k.reason]),
      ),
    );
  }
  for (const p of report.expiredProtections ?? []) out.push('', `expired protection (no longer protects): ${p.selector}, owner ${p.owner}: ${p.reason}; expired ${p.expiredAt}`);
  if (report.capExceeded) {
    const { found, held, cap } = report.capExceeded;
    out.push('', `the cap of ${cap} deletions per run held ${held} of ${found} candidates, whole projects at a time:`);
    for (const p of report.projects.filter((x) => x.capExceeded)) out.push(`  ${p.projectName ?? p.projectId}: ${p.capExceeded!.found} held`);
  }
  if (report.errors.length > 0) {
    out.push('', `errors (${report.errors.length}):`);
    for (const e of report.errors) out.push(`  ${[e.projectId, e.kind, e.id].filter(Boolean).join(' ')}: ${e.message}`);
  }
  out.push('', `${report.apiCalls.total} Atlas calls (+${report.apiCalls.auth} auth), ${report.durationMs} ms`);
  return out.join('\n');
}

/**
 * What a resource waiting without a ledger needs before it can act. An age rule needs the ledger's
 * memory whatever its grace (it has a minimum); a failure rule can also be told to act on first sight.
 */
function withoutLedger(rule: RuleName | undefined): string {
  if (rule === undefined || AGE_RULES.has(rule)) return 'needs a ledger (--ledger-table)';
  return `needs a ledger (--ledger-table) or --grace ${rule}=0`;
}

const HELD_BECAUSE: Partial<Record<KeptCause, string>> = {
  grace: 'waiting for their grace period',
  cap: 'held by the cap (MAX_DELETIONS_PER_RUN)',
  protected: 'protected',
  blocked: 'endpoint services whose endpoints stay',
  ruleDisabled: 'matched a switched-off rule (DISABLED_RULES)',
};

/** Why an enforcing run planned nothing: the stale resources it kept, counted by cause. */
export function renderNothingPlanned(report: ScanReport): string {
  const counts = new Map<string, number>();
  for (const k of report.kept) {
    const because = HELD_BECAUSE[k.cause];
    if (because) counts.set(because, (counts.get(because) ?? 0) + 1);
  }
  if (report.errors.length > 0) counts.set('errors (see above)', report.errors.length);
  const why = [...counts].map(([because, n]) => `${n} ${because}`).join(', ');
  return `nothing planned, so nothing deleted: ${why || 'no stale resource found'}`;
}

export function renderDemoReport(report: DemoReport): string {
  const rows: (string | number)[][] = [];
  for (const p of report.projects) {
    const kinds = Object.entries(p.kinds);
    if (kinds.length === 0) rows.push([p.projectName, '-', 0, 0, 0, 0, p.apiCalls]);
    kinds.forEach(([kind, c], i) => rows.push([i === 0 ? p.projectName : '', kind, c.found, c.deleted, c.skipped, c.deadLettered, i === 0 ? p.apiCalls : '']));
  }
  const t = report.totals;
  rows.push(['total', '', t.found, t.deleted, t.skipped, t.deadLettered, report.apiCalls.total]);
  const out = [
    `atlas-janitor demo: ${relative(process.cwd(), report.scenario)}${report.faultRate > 0 ? ` (faults ${report.faultRate}, seed ${report.seed})` : ''}`,
    '',
    table(['project', 'kind', 'found', 'deleted', 'skipped', 'dead-lettered', 'API calls'], rows),
    '',
  ];
  for (const s of report.skipped) out.push(`skipped ${s.kind} ${s.id}: ${s.reason}`);
  for (const d of report.deadLettered) out.push(`dead-lettered ${d.kind ?? 'job'} ${d.jobId ?? ''}: ${d.reason}`);
  for (const r of report.removedByAtlas) out.push(`removed by Atlas with its last endpoint: ${r}`);
  if (report.expected) {
    out.push(`scenario: ${report.expected.stale} stale resources annotated; missed ${report.expected.missed.length}, unexpected ${report.expected.unexpected.length}`);
  }
  const l = report.ledger;
  if (l.graceSeconds > 0) {
    out.push(
      `mark, wait, then delete: the first sweep marked ${l.markedByFirstSweep} resources (age rules among them, which wait days) and sent ${l.deletesBeforeGraceEnded} DELETEs; after ${(l.waitedMs / 1000).toFixed(1)} s (grace ${l.graceSeconds} s) the second sweep deleted what was still stale`,
    );
  }
  out.push(`run history: ${l.historyEntries} jobs recorded, ${l.historyFinal} with a final outcome`);
  if (report.page) out.push(`report page of the plan (${report.page.candidates} to delete; rules ${report.page.rules.join(', ')}): ${report.page.path}`);
  out.push(
    `jobs lost: ${t.lost}; resources touched outside the plan: ${t.touchedOutsidePlan}`,
    `${report.apiCalls.total} Atlas requests (${report.apiCalls.deletes} DELETEs, ${report.apiCalls.faultsInjected} faults injected), ${(report.wallTimeMs / 1000).toFixed(1)} s`,
    report.ok ? 'OK: every stale resource handled, nothing else touched, nothing lost' : 'FAILED: see lost / touched outside the plan above',
  );
  for (const l of report.lost) out.push(`lost: ${l.kind} ${l.id} (job ${l.jobId})`);
  for (const x of report.touchedOutsidePlan) out.push(`touched outside the plan: ${x}`);
  return out.join('\n');
}

export function renderPlanDemoReport(report: PlanDemoReport): string {
  const out = [
    `atlas-janitor demo --plan: ${relative(process.cwd(), report.scenario)}`,
    '',
    `plan ${report.plan.planId}: ${report.plan.items} deletion(s), digest ${report.plan.digest}, expires ${report.plan.expiresAt}`,
    `  file ${report.plan.file}`,
    `  page ${report.plan.page}`,
    `DELETEs before approval: ${report.deletesBeforeApproval}`,
    `left out by the approval: ${report.excluded}`,
    ...(report.drifted ? [`changed between plan and apply: ${report.drifted} (now AVAILABLE)`] : []),
    '',
    table(['kind', 'id', 'outcome', 'reason'], report.outcomes.map((o) => [o.kind, o.id, o.outcome, o.reason])),
    '',
    `page with the outcomes: ${report.appliedPage}`,
    `second apply: ${report.secondApply}`,
    `changed copy of the plan: ${report.changedCopy}`,
    `resources touched outside the approved plan: ${report.touchedOutsidePlan.length === 0 ? 'none' : report.touchedOutsidePlan.join(', ')}`,
    `${(report.wallTimeMs / 1000).toFixed(1)} s`,
    report.ok ? 'OK: nothing deleted before approval, exactly the approved rows deleted, the drifted one and the one left out untouched, a second apply and a changed plan refused' : 'FAILED: see above',
  ];
  return out.join('\n');
}
