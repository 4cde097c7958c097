import type { DocumentSender } from '../aws/clients';
import type { KindName, RuleName } from '../kinds';
import type { Attempt, JobHistory, Ledger, Mark, PlanApprovalRecord, StaleSighting } from './ledger';
import { LEDGER_INDEX, LEDGER_TTL_ATTRIBUTE } from './table';

/** A conditional write whose condition fails is an answer (undefined), not an error. */
async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

const DAY_S = 86_400;
/** A mark nobody has seen for this long is forgotten (TTL): the resource went away unseen. */
const MARK_RETENTION_S = 30 * DAY_S;
/** Run history is kept for forensics this long. */
const HISTORY_RETENTION_S = 180 * DAY_S;

/** Room for an approval item under DynamoDB's 400 KB item limit, keys and attribute names included. */
const MAX_APPROVAL_BYTES = 380 * 1024;

const projectKey = (projectId: string) => `P#${projectId}`;
const markKey = (key: string) => `M#${key}`;
const historyKey = (sweepId: string, jobId: string) => `H#${sweepId}#${jobId}`;
const refusalKey = (projectId: string) => `DELETE_REFUSED#${projectId}`;
const ttl = (at: number, seconds: number) => Math.floor(at / 1000) + seconds;

type Item = Record<string, unknown>;

/**
 * The ledger in one DynamoDB table: marks and history under the project's partition, history also
 * indexed by sweep. Every write is conditional or idempotent, so scans of the same project at the same
 * time, or an SQS message delivered twice, never count a sweep twice or move a clock backwards.
 */
export class DynamoLedger implements Ledger {
  readonly #lib: () => Promise<typeof import('@aws-sdk/lib-dynamodb')>;

  constructor(
    private readonly db: DocumentSender,
    private readonly table: string,
  ) {
    this.#lib = () => import('@aws-sdk/lib-dynamodb');
  }

  async markStale(projectId: string, sweepId: string, stale: readonly StaleSighting[], at: number): Promise<Mark[]> {
    return Promise.all(stale.map((s) => this.#mark(projectId, sweepId, s, at)));
  }

  /**
   * One stale sighting. The usual case is one conditional update; when the condition fails, the item is
   * read and the sighting is placed: older than the last (a slow scan finishing late: its sweep counts,
   * the clock stays), under another rule (the clock starts again), or older than a healthy sighting
   * (nothing is written; the grace period starts again). Races are retried a few times, then the
   * sighting counts as new, which can only make the wait longer.
   */
  async #mark(projectId: string, sweepId: string, s: StaleSighting, at: number): Promise<Mark> {
    const { UpdateCommand, GetCommand } = await this.#lib();
    const Key = { pk: projectKey(projectId), sk: markKey(s.key) };
    const fresh: Mark = { projectId, key: s.key, kind: s.kind, id: s.id, rule: s.rule, state: s.state, firstSeenAt: at, lastSeenAt: at, sweeps: 1 };
    const names = { '#kind': 'kind', '#rule': 'rule', '#state': 'state', '#ttl': LEDGER_TTL_ATTRIBUTE };
    const values = { ':at': at, ':kind': s.kind, ':id': s.id, ':rule': s.rule, ':state': s.state, ':ttl': ttl(at, MARK_RETENTION_S), ':sweep': new Set([sweepId]) };
    const update = async (UpdateExpression: string, ConditionExpression: string, extra: Record<string, unknown> = {}): Promise<Mark | undefined> => {
      // DynamoDB refuses names and values an expression does not use.
      const used = <T>(all: Record<string, T>) => Object.fromEntries(Object.entries(all).filter(([k]) => new RegExp(`${k}\\b`).test(`${UpdateExpression} ${ConditionExpression}`)));
      const answer = await unlessConditionFails(
        this.db.send(
          new UpdateCommand({ TableName: this.table, Key, UpdateExpression, ConditionExpression, ExpressionAttributeNames: used(names), ExpressionAttributeValues: used({ ...values, ...extra }), ReturnValues: 'ALL_NEW' }),
        ),
      );
      return answer && toMark(projectId, answer.Attributes as Item);
    };
    const notBeforeHealthy = '(attribute_not_exists(healthyAt) OR healthyAt <= :at)';
    const fields = '#kind = :kind, resourceId = :id, #rule = :rule, #state = :state, #ttl = :ttl';
    for (let attempt = 0; attempt < 3; attempt++) {
      // The set makes a sweep count once however often its scan runs; if_not_exists keeps the first sighting.
      const marked = await update(
        `SET firstSeenAt = if_not_exists(firstSeenAt, :at), lastSeenAt = :at, ${fields} ADD sweepIds :sweep`,
        `(attribute_not_exists(firstSeenAt) OR (#rule = :rule AND lastSeenAt <= :at)) AND ${notBeforeHealthy}`,
      );
      if (marked) return marked;
      const current = (await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }))).Item as Item | undefined;
      if (!current) continue;
      if (Number(current['healthyAt'] ?? 0) > at) return fresh;
      const older = Number(current['lastSeenAt']) > at;
      if (current['rule'] === s.rule && older) {
        const late = await update('ADD sweepIds :sweep', `attribute_exists(firstSeenAt) AND #rule = :rule AND lastSeenAt > :at AND ${notBeforeHealthy}`);
        if (late) return late;
      } else if (current['rule'] !== s.rule && !older) {
        // Another rule now matches (a pending peer that failed): its own grace period starts now.
        const restarted = await update(`SET firstSeenAt = :at, lastSeenAt = :at, ${fields}, sweepIds = :sweep`, '#rule = :old AND lastSeenAt <= :at', { ':old': current['rule'] });
        if (restarted) return restarted;
      } else if (current['rule'] !== s.rule && older) {
        return toMark(projectId, current);
      }
    }
    return fresh;
  }

  async marks(projectId: string): Promise<Mark[]> {
    const items = await this.#query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
      // An unmarked resource keeps a short-lived record of its healthy sighting: not a mark.
      FilterExpression: 'attribute_exists(firstSeenAt)',
      ExpressionAttributeValues: { ':pk': projectKey(projectId), ':m': 'M#' },
    });
    return items.map((item) => toMark(projectId, item));
  }

  async unmark(projectId: string, keys: readonly string[], at: number): Promise<void> {
    const { UpdateCommand } = await this.#lib();
    // Not a delete: the healthy sighting is kept a day, so a slower scan's older stale sighting cannot
    // bring the old clock back. A failed condition means it was seen stale again since: that wins.
    await Promise.all(
      keys.map((key) =>
        unlessConditionFails(
          this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: projectKey(projectId), sk: markKey(key) },
              UpdateExpression: 'SET healthyAt = :at, #ttl = :ttl REMOVE firstSeenAt, sweepIds, #rule',
              ConditionExpression: 'attribute_exists(firstSeenAt) AND lastSeenAt <= :at',
              ExpressionAttributeNames: { '#rule': 'rule', '#ttl': LEDGER_TTL_ATTRIBUTE },
              ExpressionAttributeValues: { ':at': at, ':ttl': ttl(at, DAY_S) },
            }),
          ),
        ),
      ),
    );
  }

  async recordPlanned(entries: readonly Omit<JobHistory, 'attempts' | 'outcome' | 'final'>[]): Promise<void> {
    const { PutCommand } = await this.#lib();
    // A scan message delivered twice must not wipe attempts already recorded.
    await Promise.all(
      entries.map((entry) =>
        unlessConditionFails(
          this.db.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...historyItem(entry), attempts: [], outcome: 'planned', final: false },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          ),
        ),
      ),
    );
  }

  async recordAttempt(job: Omit<JobHistory, 'attempts' | 'outcome' | 'final'>, attempt: Attempt, final: boolean): Promise<void> {
    const { UpdateCommand } = await this.#lib();
    const base = historyItem(job);
    const { pk, sk, ...rest } = base;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':attempt': [attempt], ':empty': [], ':outcome': attempt.outcome, ':final': final };
    const keep = Object.keys(rest).map((field, i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = rest[field];
      return `#f${i} = if_not_exists(#f${i}, :f${i})`;
    });
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk, sk },
        UpdateExpression: `SET #attempts = list_append(if_not_exists(#attempts, :empty), :attempt), #outcome = :outcome, #final = :final, ${keep.join(', ')}`,
        ExpressionAttributeNames: { ...names, '#attempts': 'attempts', '#outcome': 'outcome', '#final': 'final' },
        ExpressionAttributeValues: values,
      }),
    );
  }

  async reserveDeletions(sweepId: string, count: number, cap: number, at: number): Promise<boolean> {
    if (count > cap) return false;
    const { UpdateCommand } = await this.#lib();
    const reserved = await unlessConditionFails(
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `S#${sweepId}`, sk: 'BUDGET' },
          UpdateExpression: 'ADD planned :n SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(planned) OR planned <= :room',
          ExpressionAttributeNames: { '#ttl': LEDGER_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':n': count, ':room': cap - count, ':ttl': ttl(at, 7 * DAY_S) },
        }),
      ),
    );
    return reserved !== undefined;
  }

  async recordDeleteRefusal(sweepId: string, projectId: string, reason: string, at: number): Promise<boolean> {
    const { PutCommand } = await this.#lib();
    const put = await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `S#${sweepId}`, sk: refusalKey(projectId), reason, at, [LEDGER_TTL_ATTRIBUTE]: ttl(at, 7 * DAY_S) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    return put !== undefined;
  }

  async deleteRefusal(sweepId: string, projectId: string): Promise<string | undefined> {
    const { GetCommand } = await this.#lib();
    const answer = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: `S#${sweepId}`, sk: refusalKey(projectId) }, ConsistentRead: true }));
    const reason = (answer.Item as Item | undefined)?.['reason'];
    return typeof reason === 'string' ? reason : undefined;
  }

  async historyByProject(projectId: string): Promise<JobHistory[]> {
    const items = await this.#query({ KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)', ExpressionAttributeValues: { ':pk': projectKey(projectId), ':h': 'H#' } });
    return items.map(toHistory);
  }

  async historyBySweep(sweepId: string): Promise<JobHistory[]> {
    const items = await this.#query({ IndexName: LEDGER_INDEX, KeyConditionExpression: 'sweepId = :s', ExpressionAttributeValues: { ':s': sweepId } });
    return items.map(toHistory);
  }

  async claimPlan(approval: PlanApprovalRecord): Promise<PlanApprovalRecord | undefined> {
    // One item holds the approval and every job id it lists (the worker checks a plan's job against it);
    // DynamoDB refuses an item over 400 KB, which is about 5,000 job ids.
    const size = Buffer.byteLength(JSON.stringify(approval));
    if (size > MAX_APPROVAL_BYTES) {
      throw new Error(`plan ${approval.planId}: an approval of ${approval.jobIds.length} jobs (${Math.ceil(size / 1024)} KB) is more than one ledger item holds (${MAX_APPROVAL_BYTES / 1024} KB); approve smaller plans (fewer projects, or a lower MAX_DELETIONS_PER_RUN)`);
    }
    const { PutCommand } = await this.#lib();
    const at = Date.parse(approval.at) || Date.now();
    const written = await unlessConditionFails(
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...planKey(approval.planId), ...approval, [LEDGER_TTL_ATTRIBUTE]: ttl(at, HISTORY_RETENTION_S) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (written) return undefined;
    return (await this.planApproval(approval.planId)) ?? approval;
  }

  async releasePlan(approval: PlanApprovalRecord): Promise<void> {
    const { DeleteCommand } = await this.#lib();
    // Only this approval's own claim: another that won meanwhile stays.
    await unlessConditionFails(
      this.db.send(
        new DeleteCommand({ TableName: this.table, Key: planKey(approval.planId), ConditionExpression: 'approvedBy = :by AND #at = :at', ExpressionAttributeNames: { '#at': 'at' }, ExpressionAttributeValues: { ':by': approval.approvedBy, ':at': approval.at } }),
      ),
    );
  }

  async planApproval(planId: string): Promise<PlanApprovalRecord | undefined> {
    const { GetCommand } = await this.#lib();
    const item = (await this.db.send(new GetCommand({ TableName: this.table, Key: planKey(planId), ConsistentRead: true }))).Item as Item | undefined;
    if (!item) return undefined;
    return {
      planId: String(item['planId']),
      digest: String(item['digest']),
      approvedBy: String(item['approvedBy']),
      at: String(item['at']),
      excluded: ((item['excluded'] as unknown[] | undefined) ?? []).map(String),
      jobIds: ((item['jobIds'] as unknown[] | undefined) ?? []).map(String),
    };
  }

  async #query(input: { IndexName?: string; KeyConditionExpression: string; FilterExpression?: string; ExpressionAttributeValues: Record<string, unknown> }): Promise<Item[]> {
    const { QueryCommand } = await this.#lib();
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.table, ...input, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...((page.Items ?? []) as Item[]));
      start = page.LastEvaluatedKey as Item | undefined;
    } while (start);
    return items;
  }
}

/** A plan's approval: one item, written once. */
const planKey = (planId: string) => ({ pk: `PLAN#${planId}`, sk: 'APPROVAL' });

function historyItem(entry: Omit<JobHistory, 'attempts' | 'outcome' | 'final'>): Item {
  return {
    pk: projectKey(entry.projectId),
    sk: historyKey(entry.sweepId, entry.jobId),
    projectId: entry.projectId,
    sweepId: entry.sweepId,
    jobId: entry.jobId,
    kind: entry.kind,
    ...(entry.provider ? { provider: entry.provider } : {}),
    resourceId: entry.resourceId,
    rule: entry.rule,
    plannedAt: entry.plannedAt,
    evidence: entry.evidence,
    ...(entry.planId ? { planId: entry.planId } : {}),
    ...(entry.approvedBy ? { approvedBy: entry.approvedBy } : {}),
    [LEDGER_TTL_ATTRIBUTE]: ttl(Date.parse(entry.plannedAt) || Date.now(), HISTORY_RETENTION_S),
  };
}

function toMark(projectId: string, item: Item): Mark {
  const sweeps = item['sweepIds'] as Set<string> | undefined;
  return {
    projectId,
    key: String(item['sk']).slice(2),
    kind: item['kind'] as KindName,
    id: String(item['resourceId']),
    rule: item['rule'] as RuleName,
    state: String(item['state']),
    firstSeenAt: Number(item['firstSeenAt']),
    lastSeenAt: Number(item['lastSeenAt']),
    sweeps: sweeps?.size ?? 0,
  };
}

function toHistory(item: Item): JobHistory {
  return {
    projectId: String(item['projectId']),
    sweepId: String(item['sweepId']),
    jobId: String(item['jobId']),
    kind: item['kind'] as KindName,
    ...(item['provider'] ? { provider: String(item['provider']) } : {}),
    resourceId: String(item['resourceId']),
    rule: item['rule'] as RuleName,
    plannedAt: String(item['plannedAt']),
    evidence: String(item['evidence']),
    attempts: (item['attempts'] as Attempt[] | undefined) ?? [],
    outcome: String(item['outcome']),
    final: item['final'] === true,
    ...(item['planId'] ? { planId: String(item['planId']) } : {}),
    ...(item['approvedBy'] ? { approvedBy: String(item['approvedBy']) } : {}),
  };
}
