/**
 * Where and as whom the functions call Secrets Manager, read from the variables Lambda sets:
 * `AWS_REGION` and the execution role's `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
 * `AWS_SESSION_TOKEN`. The endpoint follows the SDK's rules: `AWS_ENDPOINT_URL_SECRETS_MANAGER`,
 * then `AWS_ENDPOINT_URL` (both ignored when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true),
 * then the regional endpoint. Errors name the variable at fault, never a credential.
 */
import type { Env } from '../backends.js';
import { ConfigError } from '../errors.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** One region's Secrets Manager and the credentials to sign requests to it with. */
export interface SecretsManagerTarget {
  region: string;
  endpoint: URL;
  credentials: AwsCredentials;
}

/** DNS suffixes of the partitions whose regions are not under amazonaws.com. */
const PARTITION_SUFFIXES: readonly [RegExp, string][] = [
  [/^cn-/, 'amazonaws.com.cn'],
  [/^eusc-/, 'amazonaws.eu'],
  [/^us-iso-/, 'c2s.ic.gov'],
  [/^us-isob-/, 'sc2s.sgov.gov'],
  [/^us-isof-/, 'csp.hci.ic.gov'],
  [/^eu-isoe-/, 'cloud.adc-e.uk'],
];

export function secretsManagerTarget(env: Env): SecretsManagerTarget {
  const region = required(env, 'AWS_REGION');
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(region)) {
    throw new ConfigError(`AWS_REGION is not a region name such as eu-central-1`);
  }
  const sessionToken = env['AWS_SESSION_TOKEN'] || undefined;
  const credentials = {
    accessKeyId: required(env, 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: required(env, 'AWS_SECRET_ACCESS_KEY'),
    ...(sessionToken === undefined ? {} : { sessionToken }),
  };
  return { region, endpoint: endpointOf(env, region), credentials };
}

function endpointOf(env: Env, region: string): URL {
  const ignoreConfigured = env['AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] === 'true';
  for (const name of ['AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL']) {
    const value = env[name];
    if (ignoreConfigured || !value) continue;
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
      throw new ConfigError(`${name} is not an http or https URL`);
    }
    return url;
  }
  // The SDK has endpoints of their own for these; a fixed URL serves them here.
  for (const name of ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT']) {
    if (env[name] === 'true') {
      throw new ConfigError(`${name} is not supported: set AWS_ENDPOINT_URL_SECRETS_MANAGER`);
    }
  }
  const suffix = PARTITION_SUFFIXES.find(([pattern]) => pattern.test(region))?.[1];
  return new URL(`https://secretsmanager.${region}.${suffix ?? 'amazonaws.com'}`);
}

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) {
    throw new ConfigError(
      `${name} is not set: Secrets Manager is read with the credentials and region that ` +
        'Lambda puts in the environment',
    );
  }
  return value;
}
