/**
 * What every function shares: settings read once per cold start (Secrets Manager
 * references resolved and cached), a JSON logger carrying the function name and request
 * id, and the backends opened from the settings. Handlers stay thin: event in, one
 * workflow, result out.
 *
 * Secrets Manager is read by the signed client with the credentials Lambda puts in the
 * environment, installed when this module loads; the AWS SDK is not in the bundle.
 */
import type { Context } from 'aws-lambda';
import { type BackendOptions, type Env, preloadBackends } from '../../lib/backends.js';
import { loadSettings, type Settings } from '../../lib/config.js';
import {
  forgetSecrets,
  resolveSecretReference,
  setSecretFetcher,
} from '../../lib/credentials/resolve.js';
import { environmentSecretFetcher } from '../../lib/credentials/secrets-manager.js';
import { jsonLogger, type Logger } from '../../lib/log.js';

/**
 * Vault's own credential variables. On Lambda nothing but the function configuration can
 * set them, so they may be `aws-sm:` references too (serverless.yml passes the AppRole so).
 */
const VAULT_CREDENTIALS: readonly string[] = ['VAULT_TOKEN', 'VAULT_ROLE_ID', 'VAULT_SECRET_ID'];

setSecretFetcher(environmentSecretFetcher());

let settings: Promise<Settings> | undefined;

/** The resolved Vault credentials, laid over process.env for the backends only. */
let vaultCredentials: Env = {};

/** Settings of this execution environment; a failed load is retried on the next event. */
export function coldStartSettings(env: Env = process.env): Promise<Settings> {
  settings ??= load(env).catch((error) => {
    settings = undefined;
    throw error;
  });
  return settings;
}

async function load(env: Env): Promise<Settings> {
  // All references at once: each is a round trip to Secrets Manager, and a cold start waits
  // for them. loadSettings then finds its own in the resolver's cache.
  const references = Object.entries(env).flatMap(([name, value]) =>
    value?.startsWith('aws-sm:') &&
    (name.startsWith('HUBCERTS_') || VAULT_CREDENTIALS.includes(name))
      ? [{ name, value }]
      : [],
  );
  const reading = Promise.all(
    references.map(({ name, value }) => resolveSecretReference(value, name)),
  );
  preloadBackends([env['HUBCERTS_STORE'], env['HUBCERTS_SECRET'], env['HUBCERTS_INVENTORY']]);
  const values = await reading;
  const loaded = await loadSettings(env, {}, resolveSecretReference);
  vaultCredentials = Object.fromEntries(
    references.flatMap(({ name }, i) =>
      VAULT_CREDENTIALS.includes(name) ? [[name, values[i]]] : [],
    ),
  );
  return loaded;
}

/** Forgets the cached settings and secrets (tests change the environment between cases). */
export function resetColdStart(): void {
  settings = undefined;
  vaultCredentials = {};
  forgetSecrets();
}

/** A JSON logger for one invocation, writing to stdout as Lambda expects. */
export function invocationLogger(
  functionName: string,
  context?: Pick<Context, 'awsRequestId'>,
): Logger {
  return jsonLogger((line) => process.stdout.write(line), {
    service: 'hubcerts',
    function: functionName,
    requestId: context?.awsRequestId,
  });
}

/**
 * What the backends open with. Resolved Vault credentials go into a copy of the environment
 * rather than into process.env, where every child process would inherit them.
 */
export function backendOptionsFor(current: Settings, log: Logger): BackendOptions {
  const env =
    Object.keys(vaultCredentials).length > 0
      ? { ...process.env, ...vaultCredentials }
      : process.env;
  return { env, kubeconfig: current.kubeconfig, log };
}
