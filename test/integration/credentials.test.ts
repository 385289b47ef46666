/**
 * `aws-sm:` settings, resolved against a Secrets Manager emulator that checks signatures: by
 * the functions' signed client and by the CLI's AWS SDK, installed in resolve.ts as each
 * entry point does. Both must read the same values and report the same errors.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../lib/config.js';
import {
  resolveSecretReference,
  type SecretFetcher,
  setSecretFetcher,
} from '../../lib/credentials/resolve.js';
import { sdkSecretFetcher } from '../../lib/credentials/sdk.js';
import { environmentSecretFetcher } from '../../lib/credentials/secrets-manager.js';
import { ConfigError } from '../../lib/errors.js';
import { DirStore } from '../../lib/store/dir.js';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';
import { hubcerts } from '../helpers/cli.js';
import { makeHub, tempDir } from '../helpers/hub.js';

const IDENTITY = {
  accessKeyId: 'ASIACREDENTIALSTEST',
  secretAccessKey: 'credentials-test-key',
  sessionToken: 'credentials-test-token',
};

let sm: SecretsManagerEmulator;

beforeAll(async () => {
  sm = await SecretsManagerEmulator.start({ credentials: IDENTITY });
  sm.put('hubcerts/webhook', JSON.stringify({ key: 'k-current', previous: 'k-old' }));
  sm.put('hubcerts/plain', 'plain-value');
});
afterAll(() => sm.close());

afterEach(() => {
  vi.unstubAllEnvs();
  setSecretFetcher(undefined);
});

/** What Lambda sets, and what the SDK's default chain reads first: the emulator's identity. */
function awsEnvironment(): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    AWS_REGION: sm.region,
    AWS_ACCESS_KEY_ID: IDENTITY.accessKeyId,
    AWS_SECRET_ACCESS_KEY: IDENTITY.secretAccessKey,
    AWS_SESSION_TOKEN: IDENTITY.sessionToken,
  };
}

function stubAwsEnvironment(): void {
  for (const [name, value] of Object.entries(awsEnvironment())) vi.stubEnv(name, value);
}

const FETCHERS: [string, () => SecretFetcher][] = [
  ["the functions' signed client", () => environmentSecretFetcher()],
  ["the CLI's AWS SDK", () => sdkSecretFetcher()],
];

describe.each(FETCHERS)('Secrets Manager references through %s', (_, fetcher) => {
  beforeEach(() => {
    stubAwsEnvironment();
    setSecretFetcher(fetcher());
  });

  it('resolves a whole secret and a JSON field with requests the emulator accepts', async () => {
    // Act
    const plain = await resolveSecretReference('aws-sm:hubcerts/plain', 'HUBCERTS_HUB_API_TOKEN');
    const key = await resolveSecretReference(
      'aws-sm:hubcerts/webhook#key',
      'HUBCERTS_WEBHOOK_SECRET',
    );

    // Assess
    expect([plain, key]).toEqual(['plain-value', 'k-current']);
    const get = sm.requests.filter(
      (r) => r.headers['x-amz-target'] === 'secretsmanager.GetSecretValue',
    );
    expect(get.at(-1)?.body).toEqual({ SecretId: 'hubcerts/webhook' });
    expect(get.at(-1)?.status).toBe(200);
    expect(get.at(-1)?.headers['x-amz-security-token']).toBe(IDENTITY.sessionToken);
  });

  it('reads each secret once per cold start, however many settings name it', async () => {
    // Prepare
    const before = sm.requests.length;

    // Act
    const settings = await loadSettings(
      {
        HUBCERTS_WEBHOOK_SECRET: 'aws-sm:hubcerts/webhook#key',
        HUBCERTS_HUB_API_TOKEN: 'aws-sm:hubcerts/webhook#previous',
      },
      {},
      resolveSecretReference,
    );

    // Assess
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
    // Act
    const error = await resolveSecretReference(reference, 'HUBCERTS_X').catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/k-current|k-old|plain-value/);
    expect(JSON.stringify(error.cause ?? {})).not.toMatch(/k-current|k-old|plain-value/);
  });

  it('names a refused signature by its AWS error type', async () => {
    // Prepare
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'a-rotated-away-key');
    setSecretFetcher(fetcher());

    // Act
    const error = await resolveSecretReference('aws-sm:hubcerts/plain', 'HUBCERTS_X').catch(
      (e) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'HUBCERTS_X: Secrets Manager secret hubcerts/plain cannot be read: InvalidSignatureException',
    );
  });
});

describe('Secrets Manager references without a usable client', () => {
  it('refuses a reference when no client was installed, naming the setting', async () => {
    // Prepare
    setSecretFetcher(undefined);

    // Act
    const error = await resolveSecretReference('aws-sm:hubcerts/plain', 'HUBCERTS_X').catch(
      (e) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/^HUBCERTS_X refers to Secrets Manager, but this program/);
  });

  it("names the variable the functions' client misses, and tries again later", async () => {
    // Prepare
    stubAwsEnvironment();
    vi.stubEnv('AWS_REGION', '');
    setSecretFetcher(environmentSecretFetcher());

    // Act
    const error = await resolveSecretReference('aws-sm:hubcerts/plain', 'HUBCERTS_X').catch(
      (e) => e,
    );
    vi.stubEnv('AWS_REGION', sm.region);
    const later = await resolveSecretReference('aws-sm:hubcerts/plain', 'HUBCERTS_X');

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      /^HUBCERTS_X: Secrets Manager secret hubcerts\/plain cannot be read: AWS_REGION is not set/,
    );
    expect(later).toBe('plain-value');
  });
});

describe('the hubcerts CLI', () => {
  it('reads an aws-sm: setting through the AWS SDK and its default credential chain', async () => {
    // Prepare
    const { dir, cleanup } = await tempDir('hubcerts-cli-sm-');
    const hub = await makeHub();
    await new DirStore(dir).write(hub.set, null, { who: 'test', why: 'fixture' });
    sm.put('hubcerts/cli', JSON.stringify({ store: `dir:${dir}` }));

    // Act
    const result = await hubcerts(['export', 'trust-bundle', 'notebooks-ca'], {
      env: { ...awsEnvironment(), HUBCERTS_STORE: 'aws-sm:hubcerts/cli#store' },
    }).finally(cleanup);

    // Assess: on Node 20 the SDK may add its NodeVersionSupportWarning to stderr.
    expect(result.stderr).not.toMatch(/Error|cannot be read/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(hub.set.bundles['notebooks-ca']);
    const read = sm.requests.filter(
      (r) => (r.body as { SecretId?: string })?.SecretId === 'hubcerts/cli',
    );
    expect(read.map((r) => r.status)).toEqual([200]);
    expect(read[0]?.headers['x-amz-user-agent']).toMatch(/aws-sdk-js/);
  });
});
