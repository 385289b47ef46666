/**
 * Resolves `aws-sm:<secret id>[#<json field>]` setting values through AWS Secrets Manager,
 * once per process (a Lambda cold start), caching each secret. Errors name the setting and
 * the secret id, never a value.
 */
import { ConfigError } from '../errors.js';

const cache = new Map<string, Promise<string>>();

type Fetch = (secretId: string) => Promise<string>;
let fetchSecret: Fetch | undefined;

/** Replaces how secrets are fetched (tests point this at an emulator's client). */
export function setSecretFetcher(fetcher: Fetch | undefined): void {
  fetchSecret = fetcher;
  cache.clear();
}

export async function resolveSecretReference(reference: string, setting: string): Promise<string> {
  const match = /^aws-sm:([^#]+)(?:#(.+))?$/.exec(reference);
  if (!match) {
    throw new ConfigError(`${setting} is not of the form aws-sm:<secret id>[#<json field>]`);
  }
  const [, secretId, field] = match as unknown as [string, string, string | undefined];
  let pending = cache.get(secretId);
  if (!pending) {
    pending = (fetchSecret ?? (await defaultFetcher()))(secretId).catch((error) => {
      cache.delete(secretId);
      throw new ConfigError(
        `${setting}: Secrets Manager secret ${secretId} cannot be read: ${(error as Error).name}`,
        { cause: error },
      );
    });
    cache.set(secretId, pending);
  }
  const value = await pending;
  if (field === undefined) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new ConfigError(
      `${setting}: secret ${secretId} is not JSON, so it has no field ${field}`,
      { cause: error },
    );
  }
  const picked = (parsed as Record<string, unknown>)?.[field];
  if (typeof picked !== 'string') {
    throw new ConfigError(`${setting}: secret ${secretId} has no string field ${field}`);
  }
  return picked;
}

async function defaultFetcher(): Promise<Fetch> {
  const { SecretsManagerClient, GetSecretValueCommand } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const client = new SecretsManagerClient({});
  return async (secretId) => {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (answer.SecretString !== undefined) return answer.SecretString;
    if (answer.SecretBinary !== undefined) return Buffer.from(answer.SecretBinary).toString('utf8');
    throw new Error('the secret has neither SecretString nor SecretBinary');
  };
}
