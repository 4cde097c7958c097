import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';

/** All the janitor ever does with an AWS SDK client: send it commands. */
export type SqsSender = Pick<SQSClient, 'send'>;
export type SecretsSender = Pick<SecretsManagerClient, 'send'>;

/**
 * A client whose SDK module is required on the first send, not at cold start. Each SDK client costs
 * about 100 ms to require; the worker's usual path never touches SQS, and a dry-run sweep neither.
 */
function lazyClient<C extends { send: (command: never) => Promise<unknown> }>(load: () => Promise<C>): Pick<C, 'send'> {
  let client: Promise<C> | undefined;
  const send = async (command: never) => {
    client ??= load().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return (await client).send(command);
  };
  return { send } as unknown as Pick<C, 'send'>;
}

export function lazySqsClient(config: SQSClientConfig): SqsSender {
  return lazyClient(async () => new (await import('@aws-sdk/client-sqs')).SQSClient(config));
}

export function lazySecretsManagerClient(config: SecretsManagerClientConfig): SecretsSender {
  return lazyClient(async () => new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient(config));
}

/** The SDK's command classes, required on first use for the same reason. */
export const sqsCommands = () => import('@aws-sdk/client-sqs');
export const secretsCommands = () => import('@aws-sdk/client-secrets-manager');

export type DocumentSender = Pick<import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient, 'send'>;
export type SnsSender = Pick<import('@aws-sdk/client-sns').SNSClient, 'send'>;

export function lazyDocumentClient(config: import('@aws-sdk/client-dynamodb').DynamoDBClientConfig): DocumentSender {
  return lazyClient(async () => {
    const [{ DynamoDBClient }, { DynamoDBDocumentClient }] = await Promise.all([import('@aws-sdk/client-dynamodb'), import('@aws-sdk/lib-dynamodb')]);
    return DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
  });
}

export function lazySnsClient(config: import('@aws-sdk/client-sns').SNSClientConfig): SnsSender {
  return lazyClient(async () => new (await import('@aws-sdk/client-sns')).SNSClient(config));
}

/** Reads one SSM parameter (decrypted), loading the SDK on first use. */
export function ssmParameterReader(config: import('@aws-sdk/client-ssm').SSMClientConfig): (name: string) => Promise<string | undefined> {
  const client = lazyClient(async () => new (await import('@aws-sdk/client-ssm')).SSMClient(config));
  return async (name) => {
    const { GetParameterCommand } = await import('@aws-sdk/client-ssm');
    return (await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
  };
}

export type S3Sender = Pick<import('@aws-sdk/client-s3').S3Client, 'send'>;

/** Only the scan, sweep and report functions store reports; the others never load the S3 SDK. */
export function lazyS3Client(config: import('@aws-sdk/client-s3').S3ClientConfig): S3Sender {
  return lazyClient(async () => new (await import('@aws-sdk/client-s3')).S3Client(config));
}

export const s3Commands = () => import('@aws-sdk/client-s3');
