import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { table } from '../tools/cli/table';
import { startLocalDynamo } from '../tools/local/dynamo';
import { generateEstate } from '../tools/scenarios/generate';
import { ROOT, round, startSimulatorProcess } from './support';

const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');

/**
 * How concurrent invocations should share a USER bucket: `containers` processes,
 * each with its own client-side buckets as Lambda containers have, sweep a share of the projects at
 * once against one simulator whose list calls share one USER bucket. Run with each invocation taking
 * the whole bucket (sharedBy 1), with the refill divided among them (sharedBy = containers), and through
 * leases in a ledger table (dynalite).
 * npx tsx bench/shared-budget.ts [containers] [projects]
 */
async function main(): Promise<void> {
  const containers = Number(process.argv[2] ?? 4);
  const projects = Number(process.argv[3] ?? 120);
  const estate = generateEstate({ projects, seed: 3, density: 0 });
  const listCalls = projects * 7;
  const capacity = 20;
  const refill = 40;
  const bucketBoundMs = Math.round(((listCalls - capacity) / refill) * 1000);
  const V2 = '/api/atlas/v2';
  const sets = [
    { endpointSetId: 'networkLists', endpointSetName: 'Lists', scope: 'USER', endpoints: [`GET ${V2}/groups/{groupId}/privateEndpoint/{cloudProvider}/endpointService`, `GET ${V2}/groups/{groupId}/peers`, `GET ${V2}/groups/{groupId}/streams/privateLinkConnections`], capacity, refillRate: refill, refillDurationSeconds: 1 },
  ];
  const ids = ((estate['orgs'] as { projects: { id: string }[] }[]).flatMap((o) => o.projects)).map((p) => p.id);
  const rows: (string | number)[][] = [];
  const dynamo = await startLocalDynamo();
  const modes = [
    { name: 'each takes the whole bucket', sharedBy: 1, leased: false },
    { name: `the refill divided by ${containers}`, sharedBy: containers, leased: false },
    { name: 'leases in the ledger table', sharedBy: containers, leased: true },
  ];
  for (const [run, { name, sharedBy, leased }] of modes.entries()) {
    // A fresh simulator (its bucket starts full) and a fresh table per run.
    const sim = await startSimulatorProcess({ ...estate, rateLimits: { sets } });
    const tableName = `leases-${run}`;
    if (leased) await dynamo.createLedgerTable(tableName);
    try {
      const started = performance.now();
      const outs = await Promise.all(
        Array.from({ length: containers }, (_, i) => {
          const share = ids.filter((_, j) => j % containers === i).join(',');
          return new Promise<{ wallMs: number; rateLimited: number; requests: number; errors: number }>((ok, fail) =>
            execFile(process.execPath, [TSX, 'bench/shared-budget-child.ts', sim.url, String(sharedBy), share, ...(leased ? [dynamo.endpoint, tableName] : [])], { cwd: ROOT, maxBuffer: 1 << 20 }, (error, stdout) => (error ? fail(error) : ok(JSON.parse(stdout)))),
          );
        }),
      );
      const wallMs = Math.round(performance.now() - started);
      const requests = outs.reduce((s, o) => s + o.requests, 0);
      const rateLimited = outs.reduce((s, o) => s + o.rateLimited, 0);
      rows.push([name, wallMs, bucketBoundMs, round(wallMs / bucketBoundMs), requests, rateLimited, outs.reduce((s, o) => s + o.errors, 0)]);
    } finally {
      await sim.stop();
    }
  }
  process.stdout.write(`${containers} containers, ${projects} projects, ${listCalls} list calls through one USER bucket (${capacity} tokens, ${refill}/s)\n`);
  await dynamo.stop();
  process.stdout.write(`${table(['how they share', 'wall ms (incl. process start)', 'bucket bound ms', 'ratio', 'requests', '429s', 'errors'], rows)}\n`);
}

void main();
