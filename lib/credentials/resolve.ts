/**
 * Resolves `aws-sm:<secret id>[#<json field>]` setting values through AWS Secrets Manager,
 * once per process (a Lambda cold start), caching each secret. Errors name the setting and
 * the secret id, never a value.
 *
 * How a secret is fetched is installed by each entry point with setSecretFetcher: the
 * functions sign their own requests (secrets-manager.ts), the CLI uses the AWS SDK and its
 * credential chain (sdk.ts). This module imports neither, so no Lambda bundle holds the SDK.
 */
import { ConfigError } from '../errors.js';

/** Fetches the current value of one secret as text. */
export type SecretFetcher = (secretId: string) => Promise<string>;

const cache = new Map<string, Promise<string>>();
let fetchSecret: SecretFetcher | undefined;

/**
 * Installs how secrets are fetched and forgets the secrets fetched so far. Each entry point
 * calls it once; tests point it at an emulator or a fake. `undefined` uninstalls it, after
 * which a reference is refused.
 */
export function setSecretFetcher(fetcher: SecretFetcher | undefined): void {
  fetchSecret = fetcher;
  forgetSecrets();
}

/** Forgets the secrets fetched so far, so the next reference reads its secret again. */
export function forgetSecrets(): void {
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
    const fetcher = fetchSecret;
    if (fetcher === undefined) {
      throw new ConfigError(
        `${setting} refers to Secrets Manager, but this program installed no Secrets Manager ` +
          'client (setSecretFetcher)',
      );
    }
    // Through then(), so that a fetcher that throws rather than rejects is caught alike.
    pending = Promise.resolve(secretId)
      .then(fetcher)
      .catch((error: unknown) => {
        cache.delete(secretId);
        throw unreadable(setting, secretId, error);
      });
    cache.set(secretId, pending);
  }
  const value = await pending;
  if (field === undefined) return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    // The parser's message quotes the text around the fault, so it is not kept as the cause.
    throw new ConfigError(
      `${setting}: secret ${secretId} is not JSON, so it has no field ${field}`,
    );
  }
  const picked = (parsed as Record<string, unknown>)?.[field];
  if (typeof picked !== 'string') {
    throw new ConfigError(`${setting}: secret ${secretId} has no string field ${field}`);
  }
  return picked;
}

/**
 * The error's name says what went wrong (`ResourceNotFoundException`, `AccessDeniedException`)
 * without quoting what a client received. A ConfigError (AWS_REGION not set) is ours and says
 * what to fix, so its message is kept.
 */
function unreadable(setting: string, secretId: string, error: unknown): ConfigError {
  const why = error instanceof ConfigError ? error.message : (error as Error).name;
  return new ConfigError(`${setting}: Secrets Manager secret ${secretId} cannot be read: ${why}`, {
    cause: error,
  });
}
