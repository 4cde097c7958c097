import * as z from 'zod';
import { baseUrlSchema, type AtlasCredentials } from '../atlas';

/** Credentials could not be had; the message names the source and the field, never a value. */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
  readonly source: string;

  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.source = source;
  }
}

const apiKeySecret = z.object({
  publicKey: z.string().min(1).max(256),
  privateKey: z.string().min(1).max(256),
  baseUrl: baseUrlSchema.optional(),
});

const serviceAccountSecret = z.object({
  clientId: z.string().min(1).max(256),
  clientSecret: z.string().min(1).max(1024),
  baseUrl: baseUrlSchema.optional(),
});

/** Credentials plus where to use them. */
export interface AtlasAccess {
  credentials: AtlasCredentials;
  baseUrl?: string | undefined;
  /** Where they came from (secret id or `environment`): safe to log. */
  source: string;
}

/**
 * Parses a secret string: `{ "publicKey", "privateKey" }` or `{ "clientId", "clientSecret" }`, with an
 * optional `baseUrl`. Errors name the missing or malformed key only.
 */
export function parseSecret(source: string, secretString: string | undefined): AtlasAccess {
  if (secretString === undefined) throw new CredentialsError(source, 'the secret has no SecretString (binary secrets are not supported)');
  let value: unknown;
  try {
    value = JSON.parse(secretString);
  } catch {
    throw new CredentialsError(source, 'the secret is not JSON; expected {"publicKey","privateKey"} or {"clientId","clientSecret"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CredentialsError(source, 'the secret must be a JSON object');
  }
  const record = value as Record<string, unknown>;
  const schema = 'clientId' in record || 'clientSecret' in record ? serviceAccountSecret : apiKeySecret;
  const parsed = schema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map(String).join('.') || 'secret';
    // The base URL's own messages never echo the value; the other fields' would not say more than this.
    if (field === 'baseUrl') throw new CredentialsError(source, `field baseUrl: ${issue.message}`);
    const expected = schema === apiKeySecret ? 'publicKey and privateKey' : 'clientId and clientSecret';
    throw new CredentialsError(source, `field ${field} is missing or malformed (expected non-empty strings ${expected})`);
  }
  const data = parsed.data;
  const credentials: AtlasCredentials =
    'clientId' in data
      ? { type: 'serviceAccount', clientId: data.clientId, clientSecret: data.clientSecret }
      : { type: 'apiKey', publicKey: data.publicKey, privateKey: data.privateKey };
  return { credentials, baseUrl: data.baseUrl, source };
}

/** The Atlas CLI's variables; an API key pair wins when both kinds are set. */
const ATLAS_CLI_ENV = {
  publicKey: 'MONGODB_ATLAS_PUBLIC_API_KEY',
  privateKey: 'MONGODB_ATLAS_PRIVATE_API_KEY',
  clientId: 'MONGODB_ATLAS_CLIENT_ID',
  clientSecret: 'MONGODB_ATLAS_CLIENT_SECRET',
  baseUrl: 'MONGODB_ATLAS_OPS_MANAGER_URL',
} as const;

export function credentialsFromEnvironment(env: Record<string, string | undefined>): AtlasAccess {
  const source = 'environment';
  const baseUrl = environmentBaseUrl(env[ATLAS_CLI_ENV.baseUrl] || undefined);
  const publicKey = env[ATLAS_CLI_ENV.publicKey];
  const privateKey = env[ATLAS_CLI_ENV.privateKey];
  if (publicKey || privateKey) {
    if (!publicKey || !privateKey) {
      throw new CredentialsError(source, `set both ${ATLAS_CLI_ENV.publicKey} and ${ATLAS_CLI_ENV.privateKey}`);
    }
    return { credentials: { type: 'apiKey', publicKey, privateKey }, baseUrl, source };
  }
  const clientId = env[ATLAS_CLI_ENV.clientId];
  const clientSecret = env[ATLAS_CLI_ENV.clientSecret];
  if (clientId || clientSecret) {
    if (!clientId || !clientSecret) {
      throw new CredentialsError(source, `set both ${ATLAS_CLI_ENV.clientId} and ${ATLAS_CLI_ENV.clientSecret}`);
    }
    return { credentials: { type: 'serviceAccount', clientId, clientSecret }, baseUrl, source };
  }
  throw new CredentialsError(
    source,
    `no Atlas credentials: configure a secret id, or set ${ATLAS_CLI_ENV.publicKey}/${ATLAS_CLI_ENV.privateKey} or ${ATLAS_CLI_ENV.clientId}/${ATLAS_CLI_ENV.clientSecret}`,
  );
}

/** MONGODB_ATLAS_OPS_MANAGER_URL is checked as ATLAS_BASE_URL and a secret's baseUrl are. */
function environmentBaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = baseUrlSchema.safeParse(value);
  if (!parsed.success) throw new CredentialsError('environment', `${ATLAS_CLI_ENV.baseUrl}: ${parsed.error.issues[0]!.message}`);
  return parsed.data;
}
