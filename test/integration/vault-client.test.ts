/**
 * How the Vault backends talk to Vault, through the real node-vault client against the Vault
 * emulator: which failures are retried and which are final, the sentences people get, the
 * three ways of signing in, namespaces, HTTPS with VAULT_CACERT, and the settings refused
 * before any call.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openInventory, openStore } from '../../lib/backends.js';
import type { CaSet } from '../../lib/certset/model.js';
import { ConfigError, StoreError } from '../../lib/errors.js';
import { jsonLogger } from '../../lib/log.js';
import { createVaultStore } from '../../lib/store/vault.js';
import { connectVault, type VaultClientOptions } from '../../lib/store/vault-client.js';
import { loopbackTls } from '../emulators/tls.js';
import { VaultEmulator, type VaultOptions } from '../emulators/vault.js';
import { makeHub, tempDir } from '../helpers/hub.js';

const FAST = { attempts: 4, baseMs: 5, maxDelayMs: 20, budgetMs: 2_000 };
const AUDIT = { who: 'ops', why: 'test' };
const DATA = '/v1/secret/data/hub';

let emulator: VaultEmulator | undefined;
let set: CaSet;

beforeAll(async () => {
  set = (await makeHub()).set;
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: VaultOptions = {}): Promise<VaultEmulator> {
  emulator = await VaultEmulator.start(options);
  return emulator;
}

async function storeFor(
  env: Record<string, string>,
  options: VaultClientOptions = {},
  rest = 'secret/hub#value',
) {
  return createVaultStore(rest, await connectVault(env, { retry: FAST, ...options }));
}

const tokenEnv = (vault: VaultEmulator, token = vault.rootToken) => ({
  VAULT_ADDR: vault.url,
  VAULT_TOKEN: token,
});
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
const requestsTo = (vault: VaultEmulator, path: string) =>
  vault.requests.filter((r) => r.path === path);

describe('failures that a later attempt may get through', () => {
  it('reports a sealed Vault as retryable and names it', async () => {
    // Prepare
    const vault = await start();
    const store = await storeFor(tokenEnv(vault));
    vault.seal();

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).retryable).toBe(true);
    expect((error as Error).message).toBe(
      `Vault is sealed at ${vault.url} (reading secret/data/hub); it must be unsealed first`,
    );
    expect(requestsTo(vault, DATA)).toHaveLength(FAST.attempts);
  });

  it('carries on when Vault is unsealed within the retry budget', async () => {
    // Prepare
    const vault = await start();
    const retry = { attempts: 50, baseMs: 20, maxDelayMs: 40, budgetMs: 5_000 };
    const store = await storeFor(tokenEnv(vault), { retry });
    await store.write(set, null, AUDIT);
    vault.seal();
    setTimeout(() => vault.unseal(), 150);

    // Act
    const read = await store.read();

    // Assess
    expect(read?.version).toBe('1');
    expect(vault.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  });

  it('tries again after a 500 and succeeds', async () => {
    // Prepare
    const vault = await start();
    const store = await storeFor(tokenEnv(vault));
    await store.write(set, null, AUDIT);
    vault.faults.add({ match: { method: 'GET', path: DATA }, fault: { status: 500 } });
    const before = vault.requests.length;

    // Act
    const read = await store.read();

    // Assess
    expect(read?.set).toEqual(set);
    expect(vault.requests.slice(before).map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', DATA, 500],
      ['GET', DATA, 200],
    ]);
  });

  it('tries again after 429 and after a connection reset', async () => {
    // Prepare
    const vault = await start();
    const store = await storeFor(tokenEnv(vault));
    await store.write(set, null, AUDIT);
    const limited = vault.faults.add({
      match: { method: 'GET', path: DATA },
      fault: { status: 429, retryAfterSeconds: 0 },
    });
    const reset = vault.faults.add({
      match: { method: 'GET', path: DATA },
      nth: 2,
      fault: { reset: true },
    });

    // Act
    const read = await store.read();

    // Assess
    expect([limited.fired, reset.fired]).toEqual([1, 1]);
    expect(read?.version).toBe('1');
  });

  it('waits as long as the Retry-After of a 429 asks before trying again', async () => {
    // Prepare
    const vault = await start();
    const lines: string[] = [];
    const patient = { attempts: 3, baseMs: 1, maxDelayMs: 5_000, budgetMs: 10_000 };
    const store = await storeFor(tokenEnv(vault), {
      retry: patient,
      log: jsonLogger((line) => lines.push(line)),
    });
    vault.faults.add({ match: { path: DATA }, fault: { status: 429, retryAfterSeconds: 1 } });

    // Act
    const read = await store.read();

    // Assess: the one retry waited the second Vault asked for, not the 1 ms backoff.
    expect(read).toBeNull();
    const retries = lines.map((l) => JSON.parse(l)).filter((l) => l.message.includes('again'));
    expect(retries).toMatchObject([{ attempt: 1, delayMs: 1_000 }]);
  });

  it('gives up within its attempts and says why', async () => {
    // Prepare
    const vault = await start();
    const store = await storeFor(tokenEnv(vault));
    vault.faults.add({ match: { path: DATA }, repeat: 'always', fault: { status: 502 } });

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect((error as Error).message).toBe(
      `Vault at ${vault.url} failed with 502 reading secret/data/hub: internal error`,
    );
    expect((error as StoreError).retryable).toBe(true);
    expect(requestsTo(vault, DATA)).toHaveLength(FAST.attempts);
  });

  it('reports a Vault that cannot be reached, with the error code', async () => {
    // Prepare
    const vault = await start();
    const address = vault.url;
    await vault.close();
    const store = await storeFor({ VAULT_ADDR: address, VAULT_TOKEN: 'root' });

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Vault at ${address} cannot be reached \\(ECONNREFUSED\\)`),
    );
    expect((error as StoreError).retryable).toBe(true);
  });
});

describe('failures that are final', () => {
  it('does not retry a permission denied and says to check the policy', async () => {
    // Prepare
    const vault = await start();
    const token = vault.createToken({ policy: { 'secret/data/other': ['read'] } });
    const store = await storeFor(tokenEnv(vault, token));

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).retryable).toBe(false);
    expect((error as Error).message).toBe(
      `permission denied reading secret/data/hub at ${vault.url}: ` +
        'check the policy of the Vault token',
    );
    expect(vault.requests).toHaveLength(1);
  });

  it('keeps node-vault out of sight but keeps the cause', async () => {
    // Prepare
    const vault = await start();
    const store = await storeFor(tokenEnv(vault, 'not-a-token'));

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).cause).toMatchObject({ response: { statusCode: 403 } });
  });

  it('never puts the token or the stored tarball into an error', async () => {
    // Prepare
    const vault = await start({ rootToken: 'hvs.very-secret-root-token' });
    const store = await storeFor(tokenEnv(vault));
    await store.write(set, null, AUDIT);
    const stored = String(vault.secret('secret/hub').read()?.['value']);
    vault.faults.add({ match: { method: 'POST' }, repeat: 'always', fault: { status: 500 } });
    const later = (await makeHub()).set;

    // Act
    const answered = await failureOf(store.write(later, '1', AUDIT));
    vault.faults.clear();
    vault.faults.add({ match: { method: 'POST' }, repeat: 'always', fault: { reset: true } });
    const dropped = await failureOf(store.write(later, '1', AUDIT));

    // Assess
    for (const error of [answered, dropped]) {
      expect(error).toBeInstanceOf(StoreError);
      const everything = inspect(error, { depth: 20, showHidden: true });
      expect(everything).not.toContain('very-secret-root-token');
      expect(everything).not.toContain(stored.slice(100, 160));
      expect(everything).not.toContain('PRIVATE KEY');
    }
    const sent = vault.requests.find((r) => r.path.startsWith('/v1/secret/data/hub-archive/'));
    expect(sent?.rawBody).toContain(stored.slice(100, 160));
  });
});

describe('signing in', () => {
  const policy = { 'secret/*': ['create', 'read', 'update', 'list'] } as const;

  it('logs in with AppRole and logs in again once the token has expired', async () => {
    // Prepare
    const vault = await start({
      appRoles: [{ roleId: 'hubcerts', secretId: 's3cret', policy, ttlSeconds: 600 }],
    });
    const env = { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'hubcerts', VAULT_SECRET_ID: 's3cret' };
    const store = await storeFor(env);
    await store.write(set, null, AUDIT);
    const token = String(vault.requests.at(-1)?.headers['x-vault-token']);

    // Act
    vault.expireToken(token);
    const read = await store.read();

    // Assess
    expect(read?.version).toBe('1');
    expect(requestsTo(vault, '/v1/auth/approle/login')).toHaveLength(2);
    expect(vault.requests.at(-1)?.headers['x-vault-token']).not.toBe(token);
  });

  it('signs in once for a store and an inventory opened with the same options', async () => {
    // Prepare
    const vault = await start({
      appRoles: [{ roleId: 'hubcerts', secretId: 's3cret', policy, ttlSeconds: 600 }],
    });
    const env = { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'hubcerts', VAULT_SECRET_ID: 's3cret' };
    const options = { env };

    // Act: one run's options twice, then another run's.
    await (await openStore('vault:secret/hub#value', options)).read();
    await (await openInventory('vault:secret/inventory', options)).read();
    await (await openStore('vault:secret/hub#value', { env })).read();

    // Assess
    expect(requestsTo(vault, '/v1/auth/approle/login')).toHaveLength(2);
  });

  it('logs in again before the lease runs out', async () => {
    // Prepare
    let now = Date.now();
    const clock = () => now;
    const vault = await start({
      now: clock,
      appRoles: [{ roleId: 'hubcerts', secretId: 's3cret', policy, ttlSeconds: 100 }],
    });
    const env = { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'hubcerts', VAULT_SECRET_ID: 's3cret' };
    const store = await storeFor(env, { now: clock });
    await store.read();

    // Act
    now += 50_000;
    await store.read();
    now += 40_000;
    await store.read();

    // Assess: one login at the start, one after 80 of the 100 seconds; no 403 in between.
    expect(requestsTo(vault, '/v1/auth/approle/login')).toHaveLength(2);
    expect(vault.requests.filter((r) => r.status === 403)).toEqual([]);
  });

  it('does not log in again when a fresh AppRole token is denied', async () => {
    // Prepare
    const vault = await start({
      appRoles: [{ roleId: 'hubcerts', secretId: 's3cret', policy: { 'other/*': ['read'] } }],
    });
    const env = { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'hubcerts', VAULT_SECRET_ID: 's3cret' };
    const store = await storeFor(env);

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect((error as Error).message).toMatch(/^permission denied reading secret\/data\/hub/);
    expect(requestsTo(vault, '/v1/auth/approle/login')).toHaveLength(1);
    expect(requestsTo(vault, DATA)).toHaveLength(1);
  });

  it('refuses a wrong AppRole secret without retrying', async () => {
    // Prepare
    const vault = await start({ appRoles: [{ roleId: 'hubcerts', secretId: 's3cret' }] });
    const env = { VAULT_ADDR: vault.url, VAULT_ROLE_ID: 'hubcerts', VAULT_SECRET_ID: 'wrong' };
    const store = await storeFor(env);

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect((error as Error).message).toBe(
      `Vault at ${vault.url} refused logging in at auth/approle/login with 400: ` +
        'invalid role or secret ID',
    );
    expect((error as Error).message).not.toContain('wrong');
    expect(vault.requests).toHaveLength(1);
  });

  it('logs a pod in with its service account token', async () => {
    // Prepare
    const vault = await start({ kubernetesRoles: [{ name: 'hubcerts', jwt: 'sa-jwt', policy }] });
    const { dir, cleanup } = await tempDir();
    const jwtPath = join(dir, 'token');
    await writeFile(jwtPath, 'sa-jwt\n');
    const env = { VAULT_ADDR: vault.url, VAULT_K8S_ROLE: 'hubcerts', VAULT_K8S_JWT_PATH: jwtPath };
    const store = await storeFor(env);

    // Act
    const version = await store.write(set, null, AUDIT);
    await cleanup();

    // Assess
    expect(version).toBe('1');
    const logins = requestsTo(vault, '/v1/auth/kubernetes/login');
    expect(logins).toHaveLength(1);
    expect(logins[0]?.body).toEqual({ role: 'hubcerts', jwt: 'sa-jwt' });
  });

  it('says which file is missing when the pod has no service account token', async () => {
    // Prepare
    const vault = await start({ kubernetesRoles: [{ name: 'hubcerts' }] });
    const env = {
      VAULT_ADDR: vault.url,
      VAULT_K8S_ROLE: 'hubcerts',
      VAULT_K8S_JWT_PATH: '/nonexistent/token',
    };
    const store = await storeFor(env);

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/\/nonexistent\/token cannot be read \(ENOENT\)/);
    expect(vault.requests).toEqual([]);
  });

  it('sends VAULT_NAMESPACE on every call', async () => {
    // Prepare
    const vault = await start({ namespace: 'jsc/hub' });
    const store = await storeFor({ ...tokenEnv(vault), VAULT_NAMESPACE: 'jsc/hub' });

    // Act
    await store.write(set, null, AUDIT);
    await store.read();

    // Assess
    expect(vault.requests.length).toBeGreaterThan(2);
    expect(vault.requests.map((r) => r.headers['x-vault-namespace'])).toEqual(
      vault.requests.map(() => 'jsc/hub'),
    );
  });
});

describe('HTTPS', () => {
  it('trusts the CA that VAULT_CACERT names', async () => {
    // Prepare
    const tls = await loopbackTls();
    const vault = await start({ tls });
    const { dir, cleanup } = await tempDir();
    const caPath = join(dir, 'vault-ca.pem');
    await writeFile(caPath, tls.cert);
    const store = await storeFor({ ...tokenEnv(vault), VAULT_CACERT: caPath });

    // Act
    const version = await store.write(set, null, AUDIT);
    await cleanup();

    // Assess
    expect(vault.url).toMatch(/^https:/);
    expect(version).toBe('1');
  });

  it('refuses a certificate it cannot verify and points to VAULT_CACERT', async () => {
    // Prepare
    const vault = await start({ tls: await loopbackTls() });
    const store = await storeFor(tokenEnv(vault));

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).retryable).toBe(false);
    expect((error as Error).message).toMatch(
      /^TLS with Vault at https:.* failed \(.+\): set VAULT_CACERT/,
    );
    expect(vault.requests).toEqual([]);
  });
});

describe('settings refused before any call', () => {
  const options = (env: Record<string, string>) => ({ env });

  it.each([
    [{}, /^VAULT_ADDR is not set/],
    [{ VAULT_ADDR: 'vault.example.org' }, /^VAULT_ADDR "vault.example.org" is not a URL/],
    [{ VAULT_ADDR: 'ftp://vault' }, /must start with https:\/\/ or http:\/\//],
    [{ VAULT_ADDR: 'https://u:p@vault' }, /must not hold a user name or password/],
    [{ VAULT_ADDR: 'https://vault' }, /^No Vault credentials are set: set VAULT_TOKEN, or/],
    [{ VAULT_ADDR: 'https://vault', VAULT_ROLE_ID: 'r' }, /VAULT_SECRET_ID is not set/],
    [{ VAULT_ADDR: 'https://vault', VAULT_TOKEN: 't', VAULT_CACERT: '/nonexistent' }, /ENOENT/],
  ])('refuses the environment %j', async (env, message) => {
    // Act
    const error = await failureOf(openStore('vault:secret/hub', options(env)));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    'vault:secret',
    'vault:secret/',
    'vault:/hub',
    'vault:secret//hub',
    'vault:secret/../hub',
    'vault:secret/hub#',
    'vault:secret/hub#a/b',
    'vault:secret/hub?version=2',
  ])('refuses the malformed reference %s, naming it', async (ref) => {
    // Act
    const error = await failureOf(openStore(ref, options({})));

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(JSON.stringify(ref));
    expect((error as Error).message).toMatch(/is not of the form vault:MOUNT\/PATH\[#FIELD\]/);
  });

  it('points an API path to the logical path', async () => {
    // Act
    const error = await failureOf(
      openInventory('vault:secret/data/hubcerts/inventory', options({})),
    );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /give the logical path vault:secret\/hubcerts\/inventory/,
    );
  });
});

describe('the transport under node-vault', () => {
  it('sends what node-vault asks for, LIST and JSON bodies included', async () => {
    // Prepare
    const vault = await start();
    vault.secret('secret/hub').write({ value: 'x' });
    const client = await connectVault(tokenEnv(vault), { retry: FAST });

    // Act
    await client.read('secret/data/hub');
    await client.list('secret/metadata/');
    await client.write('secret/data/other', { data: { value: 'y' } });

    // Assess
    expect(vault.requests.map((r) => r.method)).toEqual(['GET', 'LIST', 'POST']);
    expect(vault.requests[2]?.body).toEqual({ data: { value: 'y' } });
    expect(vault.requests[2]?.headers['content-type']).toBe('application/json');
    expect(vault.requests[0]?.headers['x-vault-token']).toBe(vault.rootToken);
  });

  it('gives up on an answer that does not come in time, as a retryable failure', async () => {
    // Prepare
    const vault = await start();
    vault.faults.add({ match: { path: DATA }, repeat: 'always', fault: { latencyMs: 1_000 } });
    const store = await storeFor(tokenEnv(vault), { timeoutMs: 50 });

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).retryable).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(`^Vault at ${vault.url} cannot be reached \\(ETIMEDOUT\\) reading`),
    );
  });

  it('reports a proxy that answers text instead of JSON by its status', async () => {
    // Prepare
    const vault = await start();
    vault.faults.add({
      match: { path: DATA },
      repeat: 'always',
      fault: {
        status: 502,
        body: '<html>Bad Gateway</html>',
        headers: { 'content-type': 'text/html' },
      },
    });
    const store = await storeFor(tokenEnv(vault));

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect((error as Error).message).toMatch(/failed with 502 reading secret\/data\/hub/);
  });
});
