import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../lib/config.js';
import { resolveSecretReference, setSecretFetcher } from '../../lib/credentials/resolve.js';
import { ConfigError } from '../../lib/errors.js';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';

let sm: SecretsManagerEmulator;

beforeAll(async () => {
  sm = await SecretsManagerEmulator.start();
  sm.put('hubcerts/webhook', JSON.stringify({ key: 'k-current', previous: 'k-old' }));
  sm.put('hubcerts/plain', 'plain-value');
});
afterAll(() => sm.close());

afterEach(() => {
  vi.unstubAllEnvs();
  setSecretFetcher(undefined);
});

/** The real SDK client with its default credential and endpoint chain, aimed at the emulator. */
function useEmulator() {
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.url);
  vi.stubEnv('AWS_REGION', 'eu-central-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
  setSecretFetcher(undefined);
}

describe('Secrets Manager references', () => {
  it('resolves a whole secret and a JSON field through the AWS SDK', async () => {
    useEmulator();
    expect(await resolveSecretReference('aws-sm:hubcerts/plain', 'HUBCERTS_HUB_API_TOKEN')).toBe(
      'plain-value',
    );
    expect(
      await resolveSecretReference('aws-sm:hubcerts/webhook#key', 'HUBCERTS_WEBHOOK_SECRET'),
    ).toBe('k-current');
    const get = sm.requests.filter(
      (r) => r.headers['x-amz-target'] === 'secretsmanager.GetSecretValue',
    );
    expect(get.at(-1)?.body).toEqual({ SecretId: 'hubcerts/webhook' });
  });

  it('reads each secret once per cold start, however many settings name it', async () => {
    useEmulator();
    const before = sm.requests.length;
    const settings = await loadSettings(
      {
        HUBCERTS_WEBHOOK_SECRET: 'aws-sm:hubcerts/webhook#key',
        HUBCERTS_HUB_API_TOKEN: 'aws-sm:hubcerts/webhook#previous',
      },
      {},
      resolveSecretReference,
    );

    expect(settings.webhookSecret).toEqual(['k-current']);
    expect(settings.hubApiToken).toBe('k-old');
    expect(sm.requests.length - before).toBe(1);
  });

  it.each([
    [
      'a missing secret',
      'aws-sm:hubcerts/nope',
      /HUBCERTS_X: Secrets Manager secret hubcerts\/nope cannot be read: ResourceNotFoundException/,
    ],
    [
      'a missing field',
      'aws-sm:hubcerts/webhook#nokey',
      /HUBCERTS_X: secret hubcerts\/webhook has no string field nokey/,
    ],
    [
      'a field of a secret that is not JSON',
      'aws-sm:hubcerts/plain#key',
      /HUBCERTS_X: secret hubcerts\/plain is not JSON/,
    ],
    [
      'a malformed reference',
      'aws-sm:',
      /HUBCERTS_X is not of the form aws-sm:<secret id>\[#<json field>\]/,
    ],
  ])('refuses %s, naming the setting and never the value', async (_, reference, message) => {
    useEmulator();
    const error = await resolveSecretReference(reference, 'HUBCERTS_X').catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/k-current|k-old|plain-value/);
  });
});
