import * as z from 'zod';
import type { BudgetLease, BudgetLeaseStore } from '../atlas';
import type { DocumentSender } from '../aws/clients';
import { LEDGER_TTL_ATTRIBUTE } from './table';

/** Lease items outlive their holders by this much before DynamoDB's TTL removes them. */
const LEASE_ITEM_RETENTION_S = 3_600;
/** Old leases removed per renewal at most (each is one more write). */
const FORGET_PER_RENEWAL = 3;
/** Each holder is one attribute of the budget's item: `L_<holder>` = { until, demand, claim }. */
const LEASE_PREFIX = 'L_';

const untilSchema = z.looseObject({ until: z.number().finite() });
const leaseSchema = z.object({ until: z.number().finite(), demand: z.number().finite().nonnegative(), claim: z.number().min(0).max(1) });

/**
 * Rate-limit leases in the ledger table: one item per shared Atlas bucket, one attribute per holder,
 * written with one UpdateItem that also returns everybody's leases (DynamoDB applies the updates of one
 * item one after another, so of two holders starting at once the second sees the first).
 */
export class DynamoBudgetLeases implements BudgetLeaseStore {
  constructor(
    private readonly db: DocumentSender,
    private readonly table: string,
  ) {}

  async renew(budget: string, lease: BudgetLease, forget: readonly BudgetLease[]): Promise<BudgetLease[]> {
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const Key = { pk: `RATE#${budget}`, sk: 'LEASES' };
    const answer = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key,
        UpdateExpression: 'SET #me = :lease, #ttl = :ttl',
        // A late copy of an older write (a renewal given up as stuck, an SDK retry) must not move the
        // lease back in time: the others would count it lapsed while its holder uses its share.
        ConditionExpression: 'attribute_not_exists(#me) OR #me.#until <= :until',
        ExpressionAttributeNames: { '#me': `${LEASE_PREFIX}${lease.holder}`, '#ttl': LEDGER_TTL_ATTRIBUTE, '#until': 'until' },
        ExpressionAttributeValues: {
          ':until': lease.until, ':lease': { until: lease.until, demand: lease.demand, claim: lease.claim }, ':ttl': Math.floor(lease.until / 1000) + LEASE_ITEM_RETENTION_S },
        ReturnValues: 'ALL_NEW',
      }),
    );
    // Containers that stopped long ago: one conditional removal each, so the item does not grow with
    // every container a busy day starts. A holder that renewed meanwhile fails the condition and stays.
    for (const gone of forget.filter((l) => l.holder !== lease.holder).slice(0, FORGET_PER_RENEWAL)) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'REMOVE #gone',
            ConditionExpression: '#gone.#until = :until',
            ExpressionAttributeNames: { '#gone': `${LEASE_PREFIX}${gone.holder}`, '#until': 'until' },
            ExpressionAttributeValues: { ':until': gone.until },
          }),
        );
      } catch {
        // Tidying only: a holder that renewed meanwhile fails the condition, and any other failure
        // leaves an old attribute for a later renewal (the lease written above stands either way).
      }
    }
    return leasesOf(answer.Attributes ?? {});
  }
}

/**
 * Every lease of an item. A lease that does not read but still says until when it counts is taken as
 * claiming the whole bucket until then (left out, it would count as claiming nothing and the others
 * would take its share); after that it is forgotten like any lapsed lease. An attribute without even
 * that is not a lease anybody holds, and is left out.
 */
export function leasesOf(item: Record<string, unknown>): BudgetLease[] {
  const leases: BudgetLease[] = [];
  for (const [name, value] of Object.entries(item)) {
    if (!name.startsWith(LEASE_PREFIX)) continue;
    const holder = name.slice(LEASE_PREFIX.length);
    const parsed = leaseSchema.safeParse(value);
    if (parsed.success) leases.push({ holder, ...parsed.data });
    else {
      const until = untilSchema.safeParse(value);
      if (until.success) leases.push({ holder, until: until.data.until, demand: 0, claim: 1 });
    }
  }
  return leases;
}
