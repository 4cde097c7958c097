export { DynamoBudgetLeases } from './budget-leases';
export { DynamoLedger } from './dynamo-ledger';
export type { Attempt, JobHistory, Ledger, Mark, PlanApprovalRecord, StaleSighting } from './ledger';
export { rememberSightings, type SightingContext } from './sightings';
export { LEDGER_INDEX, LEDGER_TABLE_DEFINITION, LEDGER_TTL_ATTRIBUTE } from './table';
export { historyEntry } from './history';
