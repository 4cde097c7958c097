import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo, type DemoReport, type SweepRound } from '../tools/demo/run-demo';
import { generateEstate } from '../tools/scenarios/generate';
import type { FaultRule } from '../tools/simulator';
import { table } from '../tools/cli/table';

/** Every kind of trouble at once: errors, throttling, resets, slow answers, and deletes that happen but answer 500. */
const CHAOS: FaultRule[] = [
  { status: 500, rate: 0.15 },
  { status: 503, rate: 0.05, retryAfterSeconds: 1 },
  { status: 429, rate: 0.05, retryAfterSeconds: 1 },
  { reset: true, rate: 0.05 },
  { latencyMs: 300, rate: 0.05 },
  { match: { method: 'DELETE' }, status: 500, rate: 0.1, phase: 'after' },
  // Deletes that happen, but the connection drops before the answer.
  { match: { method: 'DELETE' }, reset: true, rate: 0.03, phase: 'after' },
  // A DELETE a proxy answers with a bare 404: it never reached Atlas.
  { match: { method: 'DELETE' }, status: 404, bare: true, rate: 0.03 },
];

/** Reads of one resource: where a 404 could be taken for "gone". */
const RESOURCE_READS = ['getPrivateEndpoint', 'v1GetInterfaceEndpoint', 'getPrivateEndpointService', 'getGroupPeer', 'getPrivateLinkConnection'];

/**
 * 404s that prove nothing (a proxy's bare page, a code the client cannot know, GROUP_NOT_FOUND) on every
 * resource read, and permission refusals about one project of the estate (Atlas's NOT_ORG_GROUP_CREATOR,
 * a 403): none may make the janitor delete, count a job done, or drop the other projects.
 */
function refusingProjectOf(estate: Record<string, unknown>): string {
  const projects = (estate['orgs'] as { projects: { id: string }[] }[]).flatMap((o) => o.projects);
  return projects[projects.length - 1]!.id;
}

function evidenceFaults(estate: Record<string, unknown>): FaultRule[] {
  const refusing = refusingProjectOf(estate);
  return [
    ...RESOURCE_READS.flatMap((operationId): FaultRule[] => [
      { match: { operationId }, status: 404, bare: true, rate: 0.08 },
      { match: { operationId }, status: 404, errorCode: 'SOME_NEW_CODE', rate: 0.03 },
      { match: { operationId }, status: 404, errorCode: 'GROUP_NOT_FOUND', rate: 0.03 },
    ]),
    { match: { projectIds: [refusing] }, status: 401, errorCode: 'NOT_ORG_GROUP_CREATOR', rate: 0.1 },
    { match: { projectIds: [refusing] }, status: 403, errorCode: 'CANNOT_ACCESS_GROUP', rate: 0.03 },
  ];
}

export interface ChaosRow {
  seed: number;
  stale: number;
  deleted: number;
  skipped: number;
  wronglyTouched: number;
  /** Stale, yet not deleted in this run: never planned (e.g. its read failed after every retry) or dead-lettered. The next sweep tries again. */
  missed: number;
  lost: number;
  deadLettered: number;
  deadLetterReasons: string[];
  scanErrors: string[];
  faults: number;
  wallMs: number;
  /** Each nightly sweep of the run: stale before and after, kept by cause. */
  rounds: SweepRound[];
  /** The project whose requests are refused at random with 401/403: what stays there needs a person. */
  refusingProject: string;
}

/**
 * npm run chaos: the whole pipeline (simulator, fauxqs, local poller, the functions' bundles) over many
 * seeds, each on its own generated estate, with random faults. Exits non-zero if any run lost a job or
 * touched a resource it should not have.
 */
export async function chaos(seeds: number, projects: number, firstSeed = 1, sweeps = 1): Promise<ChaosRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'janitor-chaos-'));
  const rows: ChaosRow[] = [];
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    const file = join(dir, `estate-${seed}.json`);
    const estate = generateEstate({ projects, seed, staleShare: 0.4, includeDeleting: false });
    writeFileSync(file, JSON.stringify(estate));
    const r: DemoReport = await runDemo({ scenario: file, seed, faults: [...CHAOS, ...evidenceFaults(estate)], deleteDelayMs: 200, timeoutMs: 300_000, pagePath: false, sweeps });
    rows.push({
      seed,
      stale: r.expected?.stale ?? r.totals.found,
      deleted: r.totals.deleted,
      skipped: r.totals.skipped,
      // Touched outside the plan, or planned though not stale.
      wronglyTouched: r.totals.touchedOutsidePlan + (r.expected?.unexpected.length ?? 0),
      missed: (r.expected?.missed.length ?? 0) + r.totals.deadLettered,
      lost: r.totals.lost,
      deadLettered: r.totals.deadLettered,
      deadLetterReasons: r.deadLettered.map((d) => d.reason),
      scanErrors: r.scanErrors,
      faults: r.apiCalls.faultsInjected,
      wallMs: r.wallTimeMs,
      rounds: r.rounds,
      refusingProject: refusingProjectOf(estate),
    });
    const left = r.rounds.map((round) => round.staleAfter).join(' → ');
    process.stderr.write(`… seed ${seed}: ${r.totals.deleted}/${r.totals.found} deleted, stale left after each sweep ${left}, ${r.apiCalls.faultsInjected} faults\n`);
  }
  return rows;
}

/**
 * Per sweep, over every seed: the stale resources still there before it, those it removed, what its scans
 * kept by cause; then the share of all stale resources gone after the last sweep.
 */
export function convergence(rows: readonly ChaosRow[]): string {
  const sweeps = Math.max(...rows.map((r) => r.rounds.length));
  const stale = rows.reduce((n, r) => n + r.stale, 0);
  const causes = [...new Set(rows.flatMap((r) => r.rounds.flatMap((round) => Object.keys(round.keptByCause))))].sort();
  const lines = Array.from({ length: sweeps }, (_, i) => {
    const rounds = rows.map((r) => r.rounds[i]).filter((round): round is SweepRound => round !== undefined);
    const sum = (f: (round: SweepRound) => number) => rounds.reduce((n, round) => n + f(round), 0);
    return [i + 1, sum((round) => round.staleBefore), sum((round) => round.staleBefore - round.staleAfter), sum((round) => round.staleAfter), sum((round) => round.deadLettered), ...causes.map((c) => sum((round) => round.keptByCause[c] ?? 0))];
  });
  const left = rows.reduce((n, r) => n + (r.rounds.at(-1)?.staleAfter ?? r.stale), 0);
  const leftWhereRefused = rows.reduce((n, r) => n + (r.rounds.at(-1)?.staleAfterByProject[r.refusingProject] ?? 0), 0);
  const leftElsewhere = left - leftWhereRefused;
  const wrong = rows.reduce((n, r) => n + r.wronglyTouched, 0);
  const lost = rows.reduce((n, r) => n + r.lost, 0);
  return [
    table(['sweep', 'stale before', 'deleted', 'stale after', 'dead-lettered', ...causes.map((c) => `kept: ${c}`)], lines),
    '',
    `after ${sweeps} sweep(s): ${stale - left} of ${stale} stale resources deleted (${percent(stale - left, stale)}), ${left} left; wrongly touched ${wrong}, lost ${lost}`,
    `left in the project that refuses 13% of requests with 401/403 (a person must give the key its role): ${leftWhereRefused}; left elsewhere: ${leftElsewhere}`,
  ].join('\n');
}

function percent(part: number, whole: number): string {
  return `${((100 * part) / Math.max(1, whole)).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'seeds': { type: 'string' }, 'first-seed': { type: 'string' }, 'projects': { type: 'string' }, 'sweeps': { type: 'string' }, 'json': { type: 'boolean' } } });
  const sweeps = Number(values.sweeps ?? 3);
  if (!Number.isInteger(sweeps) || sweeps < 1 || sweeps > 20) throw new Error(`--sweeps must be a whole number from 1 to 20, got ${values.sweeps}`);
  const rows = await chaos(Number(values.seeds ?? 20), Number(values.projects ?? 8), Number(values['first-seed'] ?? 1), sweeps);
  if (values.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    process.stdout.write(
      `${table(
        ['seed', 'stale', 'deleted', 'skipped', 'missed', 'wrongly touched', 'lost', 'dead-lettered', 'faults', 'wall ms'],
        rows.map((r) => [r.seed, r.stale, r.deleted, r.skipped, r.missed, r.wronglyTouched, r.lost, r.deadLettered, r.faults, r.wallMs]),
      )}\n`,
    );
    process.stdout.write(`\n${convergence(rows)}\n`);
    for (const r of rows) for (const reason of r.deadLetterReasons) process.stdout.write(`seed ${r.seed} dead-lettered: ${reason}\n`);
    for (const r of rows) if (r.missed > 0) for (const e of r.scanErrors) process.stdout.write(`seed ${r.seed} scan error (a missed resource waits for the next sweep): ${e}\n`);
    const bad = rows.filter((r) => r.lost > 0 || r.wronglyTouched > 0);
    process.stdout.write(bad.length === 0 ? `OK: ${rows.length} seeds, nothing lost, nothing wrongly touched\n` : `FAILED seeds: ${bad.map((r) => r.seed).join(', ')}\n`);
  }
  if (rows.some((r) => r.lost > 0 || r.wronglyTouched > 0)) process.exitCode = 1;
}

if (/chaos\.ts$/.test(process.argv[1] ?? '')) {
  main().catch((error: unknown) => {
    process.stderr.write(`chaos failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
