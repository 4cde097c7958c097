import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AddressInfo } from 'node:net';
import { LEDGER_TABLE_DEFINITION } from '../../lib/ledger';

export interface LocalDynamo {
  /** For AWS_ENDPOINT_URL_DYNAMODB and SDK clients. */
  endpoint: string;
  client: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  createLedgerTable(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** A DynamoDB client for a local endpoint (dynalite): any region and credentials do. */
export function localDynamoClients(endpoint: string): { client: DynamoDBClient; documents: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return { client, documents: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }) };
}

/** dynalite in this process, on a free port, with the ledger table as serverless.yml defines it. */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const { default: dynalite } = await import('dynalite');
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { client, documents } = localDynamoClients(endpoint);
  return {
    endpoint,
    client,
    documents,
    async createLedgerTable(name) {
      await client.send(new CreateTableCommand({ ...structuredClone(LEDGER_TABLE_DEFINITION), TableName: name } as never));
    },
    async stop() {
      client.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
