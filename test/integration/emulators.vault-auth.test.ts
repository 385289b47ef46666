/**
 * The Vault emulator's authentication, namespaces and server states, observed through
 * node-vault.
 */
import vault from 'node-vault';
import { afterEach, describe, expect, it } from 'vitest';
import { PERMISSION_DENIED, SEALED } from '../emulators/vault/wire.js';
import { VaultEmulator, type VaultOptions } from '../emulators/vault.js';

let emulator: VaultEmulator;

async function start(options: VaultOptions = {}) {
  emulator = await VaultEmulator.start(options);
  emulator.secret('secret/hubcerts/ca').write({ value: 'tarball' });
  return emulator;
}

const clientFor = (token?: string, extra: object = {}) =>
  vault({ apiVersion: 'v1', endpoint: emulator.url, ...(token ? { token } : {}), ...extra });
const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

afterEach(async () => {
  await emulator.close();
});

describe('tokens', () => {
  it('refuses a request without a token with the permission-denied body', async () => {
    // Prepare
    await start();

    // Act
    const error = await failureOf(clientFor().read('secret/data/hubcerts/ca'));

    // Assess
    expect(error).toMatchObject({ message: PERMISSION_DENIED, response: { statusCode: 403 } });
  });

  it('lets a read-only token read but not write', async () => {
    // Prepare
    await start();
    const token = emulator.createToken({ policy: { 'secret/data/hubcerts/*': ['read'] } });
    const client = clientFor(token);

    // Act
    const read = await client.read('secret/data/hubcerts/ca');
    const write = await failureOf(client.write('secret/data/hubcerts/ca', { data: {} }));
    const elsewhere = await failureOf(client.read('secret/data/other'));

    // Assess
    expect(read.data.data).toEqual({ value: 'tarball' });
    expect(write).toMatchObject({ response: { statusCode: 403 } });
    expect(elsewhere).toMatchObject({ response: { statusCode: 403 } });
  });

  it('refuses a token once it has expired', async () => {
    // Prepare
    await start();
    const token = emulator.createToken({ ttlSeconds: 60 });
    const client = clientFor(token);
    await client.read('secret/data/hubcerts/ca');

    // Act
    emulator.expireToken(token);
    const error = await failureOf(client.read('secret/data/hubcerts/ca'));

    // Assess
    expect(error).toMatchObject({ message: PERMISSION_DENIED, response: { statusCode: 403 } });
  });

  it('reports the remaining TTL on lookup-self', async () => {
    // Prepare
    await start();
    const client = clientFor(emulator.createToken({ ttlSeconds: 120 }));

    // Act
    const self = await client.tokenLookupSelf();

    // Assess
    expect(self.data.ttl).toBeGreaterThan(110);
    expect(self.data.renewable).toBe(true);
  });
});

describe('logins', () => {
  const appRole = { roleId: 'hubcerts', secretId: 's3cret', ttlSeconds: 30 };

  it('issues a token with its lease duration on AppRole login', async () => {
    // Prepare
    await start({ appRoles: [appRole] });
    const client = clientFor();

    // Act
    const login = await client.approleLogin({ role_id: 'hubcerts', secret_id: 's3cret' });
    const read = await client.read('secret/data/hubcerts/ca');

    // Assess
    expect(login.auth.lease_duration).toBe(30);
    expect(login.auth.client_token).toBe(client.token);
    expect(read.data.data).toEqual({ value: 'tarball' });
    expect(emulator.writes()).toEqual([]);
  });

  it('refuses a wrong secret id and lets a client log in again after expiry', async () => {
    // Prepare
    await start({ appRoles: [appRole] });
    const client = clientFor();
    const first = await client.approleLogin({ role_id: 'hubcerts', secret_id: 's3cret' });
    emulator.expireToken(first.auth.client_token);

    // Act
    const expired = await failureOf(client.read('secret/data/hubcerts/ca'));
    const wrong = await failureOf(client.approleLogin({ role_id: 'hubcerts', secret_id: 'x' }));
    await client.approleLogin({ role_id: 'hubcerts', secret_id: 's3cret' });

    // Assess
    expect(expired).toMatchObject({ response: { statusCode: 403 } });
    expect(wrong).toMatchObject({ message: 'invalid role or secret ID' });
    expect((await client.read('secret/data/hubcerts/ca')).data.data.value).toBe('tarball');
  });

  it('logs a pod in with its service account token', async () => {
    // Prepare
    await start({ kubernetesRoles: [{ name: 'hubcerts', jwt: 'sa-token' }] });
    const client = clientFor();
    // node-vault 0.12 leaves the mount out of the login path unless it is given.
    const login = (jwt: string) =>
      client.kubernetesLogin({ role: 'hubcerts', jwt, mount_point: 'kubernetes' });

    // Act
    const refused = await failureOf(login('other'));
    const accepted = await login('sa-token');

    // Assess
    expect(refused).toMatchObject({ response: { statusCode: 403 } });
    expect(accepted.auth.client_token).toMatch(/^hvs\./);
    expect(emulator.requests.at(-1)?.path).toBe('/v1/auth/kubernetes/login');
  });
});

describe('namespaces and server state', () => {
  it('requires the configured namespace and records it', async () => {
    // Prepare
    await start({ namespace: 'jsc' });

    // Act
    const without = await failureOf(clientFor('root').read('secret/data/hubcerts/ca'));
    const within = await clientFor('root', { namespace: 'jsc' }).read('secret/data/hubcerts/ca');

    // Assess
    expect(without).toMatchObject({ response: { statusCode: 403 } });
    expect(within.data.data.value).toBe('tarball');
    expect(emulator.requests.at(-1)?.headers['x-vault-namespace']).toBe('jsc');
  });

  it('answers every call with 503 while sealed and reports it on sys/health', async () => {
    // Prepare
    await start();
    const client = clientFor('root');
    emulator.seal();

    // Act
    const error = await failureOf(client.read('secret/data/hubcerts/ca'));
    const health = await fetch(`${emulator.url}/v1/sys/health`);

    // Assess
    expect(error).toMatchObject({ message: SEALED, response: { statusCode: 503 } });
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ sealed: true, initialized: true });
  });

  it('reports active, standby and uninitialised nodes with their health codes', async () => {
    // Prepare
    await start();
    const codes: number[] = [];

    // Act
    for (const mode of ['active', 'standby', 'uninitialized'] as const) {
      emulator.mode = mode;
      codes.push((await fetch(`${emulator.url}/v1/sys/health`)).status);
    }
    emulator.mode = 'standby';
    const standbyOk = await fetch(`${emulator.url}/v1/sys/health?standbyok=true`);

    // Assess
    expect(codes).toEqual([200, 429, 501]);
    expect(standbyOk.status).toBe(200);
  });
});
