/**
 * The built `hubcerts` executable with a `vault:` store, against the Vault emulator, as an
 * operator runs it with VAULT_ADDR and VAULT_TOKEN set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultEmulator } from '../emulators/vault.js';
import { hubcerts } from '../helpers/cli.js';

const STORE = '--store=vault:secret/hub#value';

let emulator: VaultEmulator;
let env: Record<string, string>;

beforeAll(async () => {
  emulator = await VaultEmulator.start({ rootToken: 'hvs.cli-root-token' });
  env = {
    VAULT_ADDR: emulator.url,
    VAULT_TOKEN: emulator.rootToken,
    VAULT_NAMESPACE: '',
    VAULT_CACERT: '',
  };
});

afterAll(async () => {
  await emulator.close();
});

describe('hubcerts with a Vault store', () => {
  it('creates a CA set in Vault with init and scans it', async () => {
    // Act
    const init = await hubcerts(['init', STORE, '--key-type=ec-p256'], { env });
    const scan = await hubcerts(['scan', STORE], { env });

    // Assess
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/created a new CA set in vault:secret\/hub#value/);
    expect(emulator.secret('secret/hub').currentVersion).toBe(1);
    expect(emulator.secret('secret/hub').metadata()?.customMetadata).toMatchObject({
      reason: 'hubcerts init',
    });
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/store:hub-ca\s/);
    expect(scan.stdout).toMatch(/store:services-ca\s/);
    expect(scan.stdout).toMatch(/status: OK/);
  });

  it('refuses a second init and leaves the stored set as it was', async () => {
    // Prepare
    const before = emulator.secret('secret/hub').read();

    // Act
    const init = await hubcerts(['init', STORE, '--key-type=ec-p256'], { env });

    // Assess
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/vault:secret\/hub#value already holds a CA set/);
    expect(emulator.secret('secret/hub').read()).toEqual(before);
  });

  it('reports a Vault it may not read as UNKNOWN without showing the token', async () => {
    // Prepare
    const token = emulator.createToken({ policy: { 'secret/data/other': ['read'] } });

    // Act
    const scan = await hubcerts(['scan', STORE], { env: { ...env, VAULT_TOKEN: token } });

    // Assess
    expect(scan.code).toBe(3);
    expect(scan.stdout).toMatch(/permission denied reading secret\/data\/hub at http:/);
    expect(scan.stdout + scan.stderr).not.toContain(token);
  });

  it('refuses to start without VAULT_ADDR, naming what to set', async () => {
    // Act
    const scan = await hubcerts(['scan', STORE], { env: { ...env, VAULT_ADDR: '' } });

    // Assess
    expect(scan.code).toBe(64);
    expect(scan.stderr).toMatch(/VAULT_ADDR is not set/);
  });
});
