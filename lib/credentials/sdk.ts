/**
 * Secrets Manager through the AWS SDK, for the CLI: an operator's credentials come from the
 * SDK's default chain (profiles, SSO, instance metadata), which the functions' signed client
 * does not have. The SDK is imported on the first read, so commands without `aws-sm:`
 * settings do not load it.
 */
import type { SecretFetcher } from './resolve.js';

export function sdkSecretFetcher(): SecretFetcher {
  let client: Promise<(secretId: string) => Promise<string>> | undefined;
  return async (secretId) => {
    client ??= connect().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return (await client)(secretId);
  };
}

async function connect(): Promise<SecretFetcher> {
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
