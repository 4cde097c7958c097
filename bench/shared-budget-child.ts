import { DynamoBudgetLeases } from '../lib/ledger';
import { inlineSweep } from '../lib/run';
import { localDynamoClients } from '../tools/local/dynamo';
import { benchDeps } from './support';

/**
 * One "container" of the shared-budget measurement: a dry-run sweep of some projects in a process of
 * its own (its own client-side buckets, as a Lambda container has), counting the 429s it meets; with a
 * DynamoDB endpoint and table, sharing the bucket through leases there.
 */
async function main(): Promise<void> {
  const [url, sharedBy, ids, dynamoEndpoint, table] = process.argv.slice(2) as [string, string, string, string?, string?];
  // With a DynamoDB endpoint and table: the containers share the bucket through leases there.
  const leases = dynamoEndpoint && table ? new DynamoBudgetLeases(localDynamoClients(dynamoEndpoint).documents, table) : undefined;
  const deps = benchDeps(url, 8, { ATLAS_RATE_LIMIT_SHARED_BY: sharedBy }, { leases });
  let rateLimited = 0;
  const makeClient = deps.makeClient;
  deps.makeClient = (access, onExchange) =>
    makeClient(access, (event) => {
      if (event.status === 429) rateLimited++;
      onExchange?.(event);
    });
  const started = performance.now();
  const { report } = await inlineSweep(deps, { projectIds: ids.split(',') }, { enqueue: false });
  process.stdout.write(JSON.stringify({ wallMs: Math.round(performance.now() - started), rateLimited, requests: report.apiCalls.total + report.apiCalls.auth, errors: report.errors.length }));
}

void main();
