/**
 * The ledger table's shape, the same as the `LedgerTable` resource in serverless.yml (a test compares
 * them); local runs and tests create it in dynalite from here.
 */
export const LEDGER_INDEX = 'bySweep';
export const LEDGER_TTL_ATTRIBUTE = 'expiresAt';

export const LEDGER_TABLE_DEFINITION = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    { AttributeName: 'sweepId', AttributeType: 'S' },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
  GlobalSecondaryIndexes: [
    {
      IndexName: LEDGER_INDEX,
      KeySchema: [
        { AttributeName: 'sweepId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    },
  ],
  BillingMode: 'PAY_PER_REQUEST',
} as const;
