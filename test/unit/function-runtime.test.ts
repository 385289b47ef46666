import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  backendOptionsFor,
  coldStartSettings,
  resetColdStart,
} from '../../functions/shared/runtime.js';
import { setSecretFetcher } from '../../lib/credentials/resolve.js';
import { ConfigError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';

/** A Secrets Manager stand-in that counts its calls and how many run at once. */
function fakeSecretsManager(secrets: Record<string, string>) {
  const calls = { total: 0, running: 0, most: 0 };
  setSecretFetcher(async (id) => {
    calls.total++;
    calls.running++;
    calls.most = Math.max(calls.most, calls.running);
    await new Promise((resolve) => setTimeout(resolve, 10));
    calls.running--;
    const value = secrets[id];
    if (value === undefined) throw Object.assign(new Error('gone'), { name: 'ResourceNotFound' });
    return value;
  });
  return calls;
}

const VAULT = JSON.stringify({ role_id: 'role-from-sm', secret_id: 'secret-from-sm' });

afterEach(() => {
  vi.unstubAllEnvs();
  setSecretFetcher(undefined);
  resetColdStart();
});

describe('the settings of a cold start', () => {
  it('hands the Vault AppRole from Secrets Manager to the backends only', async () => {
    // Prepare
    fakeSecretsManager({ 'hubcerts/prod/vault': VAULT });
    vi.stubEnv('VAULT_ROLE_ID', 'aws-sm:hubcerts/prod/vault#role_id');
    vi.stubEnv('VAULT_SECRET_ID', 'aws-sm:hubcerts/prod/vault#secret_id');

    // Act
    const settings = await coldStartSettings();
    const { env } = backendOptionsFor(settings, silentLogger);

    // Assess
    expect(env['VAULT_ROLE_ID']).toBe('role-from-sm');
    expect(env['VAULT_SECRET_ID']).toBe('secret-from-sm');
    expect(process.env['VAULT_ROLE_ID']).toBe('aws-sm:hubcerts/prod/vault#role_id');
  });

  it('fetches every referenced secret at once, each once', async () => {
    // Prepare
    const calls = fakeSecretsManager({
      'hubcerts/prod/vault': VAULT,
      'hubcerts/prod/kubeconfig': 'apiVersion: v1',
      'hubcerts/prod/alerts': JSON.stringify({ urls: 'https://hooks.example.org/a' }),
    });
    vi.stubEnv('VAULT_ROLE_ID', 'aws-sm:hubcerts/prod/vault#role_id');
    vi.stubEnv('VAULT_SECRET_ID', 'aws-sm:hubcerts/prod/vault#secret_id');
    vi.stubEnv('HUBCERTS_KUBECONFIG', 'aws-sm:hubcerts/prod/kubeconfig');
    vi.stubEnv('HUBCERTS_ALERTS', 'aws-sm:hubcerts/prod/alerts#urls');

    // Act
    const settings = await coldStartSettings();

    // Assess
    expect(settings.kubeconfig).toBe('apiVersion: v1');
    expect(settings.alerts).toEqual(['https://hooks.example.org/a']);
    expect(calls.total).toBe(3);
    expect(calls.most).toBe(3);
  });

  it('leaves the environment as it is when Vault credentials are plain values', async () => {
    // Prepare
    vi.stubEnv('VAULT_TOKEN', 'a-plain-token');

    // Act
    const settings = await coldStartSettings();

    // Assess
    expect(backendOptionsFor(settings, silentLogger).env).toBe(process.env);
  });

  it('reads Secrets Manager with the credentials Lambda sets once the module loads', async () => {
    // Prepare: fresh modules, as in a new execution environment, without AWS_REGION.
    vi.resetModules();
    const runtime = await import('../../functions/shared/runtime.js');
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('HUBCERTS_WEBHOOK_SECRET', 'aws-sm:hubcerts/prod/webhook#key');

    // Act
    const failed = runtime.coldStartSettings();

    // Assess: the fresh modules have their own ConfigError class, so the name is compared.
    await expect(failed).rejects.toMatchObject({ name: 'ConfigError' });
    await expect(failed).rejects.toThrow(
      /^HUBCERTS_WEBHOOK_SECRET: .* hubcerts\/prod\/webhook cannot be read: AWS_REGION is not set/,
    );
    runtime.resetColdStart();
  });

  it('names the variable whose secret is unreadable, and tries again later', async () => {
    // Prepare
    fakeSecretsManager({});
    vi.stubEnv('VAULT_SECRET_ID', 'aws-sm:hubcerts/prod/vault#secret_id');

    // Act
    const failed = coldStartSettings();

    // Assess
    await expect(failed).rejects.toThrow(ConfigError);
    await expect(failed).rejects.toThrow(/^VAULT_SECRET_ID: .*hubcerts\/prod\/vault/);
    fakeSecretsManager({ 'hubcerts/prod/vault': VAULT });
    await expect(coldStartSettings()).resolves.toBeDefined();
  });
});
