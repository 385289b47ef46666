/**
 * The Vault inventory source (`vault:MOUNT/PATH[#FIELD]`) through the real node-vault client
 * against the Vault emulator.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openInventory } from '../../lib/backends.js';
import { ConflictError, InvalidInventoryError, StoreError } from '../../lib/errors.js';
import type { InventorySource } from '../../lib/store/types.js';
import { VaultEmulator } from '../emulators/vault.js';
import { inventoryOf } from '../helpers/hub.js';

let emulator: VaultEmulator;
let source: InventorySource;

beforeEach(async () => {
  emulator = await VaultEmulator.start();
  const env = { VAULT_ADDR: emulator.url, VAULT_TOKEN: emulator.rootToken };
  source = await openInventory('vault:secret/hubcerts/inventory', { env });
});

afterEach(async () => {
  await emulator.close();
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('the inventory in Vault', () => {
  it('reads back what it wrote, as JSON text in field inventory, at the KV version', async () => {
    // Prepare
    const inventory = inventoryOf(7, ['jwlogin01i', '10.1.2.3']);

    // Act
    const version = await source.write(inventory, null);
    const read = await source.read();

    // Assess
    expect(version).toBe('1');
    expect(read).toEqual({ inventory, version: '1' });
    const stored = emulator.secret('secret/hubcerts/inventory').read();
    expect(JSON.parse(String(stored?.['inventory']))).toEqual(inventory);
  });

  it('reads nothing before the first inventory is recorded', async () => {
    // Act
    const read = await source.read();

    // Assess
    expect(read).toBeNull();
  });

  it('reads a YAML document kept in another field and validates it', async () => {
    // Prepare
    const yaml = 'revision: 3\nsystems:\n  - name: JURECA\n    loginNodes: [JRLOGIN01]\n';
    emulator.secret('secret/hubcerts/inventory').write({ doc: yaml });
    const env = { VAULT_ADDR: emulator.url, VAULT_TOKEN: emulator.rootToken };
    const other = await openInventory('vault:secret/hubcerts/inventory#doc', { env });

    // Act
    const read = await other.read();

    // Assess
    expect(read?.inventory.systems).toEqual([{ name: 'JURECA', loginNodes: ['jrlogin01'] }]);
  });

  it('refuses a write over a version it did not read and changes nothing', async () => {
    // Prepare
    await source.write(inventoryOf(1, ['a']), null);
    await source.write(inventoryOf(2, ['b']), '1');

    // Act
    const stale = await failureOf(source.write(inventoryOf(3, ['c']), '1'));
    const create = await failureOf(source.write(inventoryOf(3, ['c']), null));

    // Assess
    expect(stale).toBeInstanceOf(ConflictError);
    expect(create).toBeInstanceOf(ConflictError);
    expect((await source.read())?.inventory.revision).toBe(2);
  });

  it('refuses a document that is not an inventory, naming the field', async () => {
    // Prepare
    emulator.secret('secret/hubcerts/inventory').write({ names: 'x' });

    // Act
    const missing = await failureOf(source.read());
    emulator.secret('secret/hubcerts/inventory').write({ inventory: '{"revision": -1}' });
    const invalid = await failureOf(source.read());

    // Assess
    expect(missing).toBeInstanceOf(InvalidInventoryError);
    expect((missing as Error).message).toMatch(/inventory: is missing from the Vault secret/);
    expect(invalid).toBeInstanceOf(InvalidInventoryError);
    expect((invalid as Error).message).toMatch(/revision: must not be negative/);
  });

  it('refuses a deleted latest version instead of reading an older one', async () => {
    // Prepare
    await source.write(inventoryOf(1, ['a']), null);
    await source.write(inventoryOf(2, ['b']), '1');
    emulator.secret('secret/hubcerts/inventory').deleteLatest();

    // Act
    const error = await failureOf(source.read());

    // Assess
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toMatch(/latest version \(2\).* was deleted/);
  });
});
