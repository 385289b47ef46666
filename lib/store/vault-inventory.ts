/**
 * Inventory `vault:MOUNT/PATH[#FIELD]` (field `inventory` by default): the accepted inventory
 * document as JSON text in one field of a KV version 2 secret. Versions are KV versions;
 * Vault's version history and the document's own revision are its record, so there is no
 * separate archive.
 */
import { type Inventory, parseInventoryText } from '../certset/inventory.js';
import { ConflictError, InvalidInventoryError } from '../errors.js';
import type { InventorySource } from './types.js';
import type { VaultClient } from './vault-client.js';
import { readLiveKv, writeKv } from './vault-kv.js';
import type { KvLocation } from './vault-ref.js';

/** The inventory kept in one field of a KV version 2 secret. */
export class VaultInventory implements InventorySource {
  readonly ref: string;
  readonly #client: VaultClient;
  readonly #at: KvLocation;

  constructor(client: VaultClient, at: KvLocation, ref: string) {
    this.ref = ref;
    this.#client = client;
    this.#at = at;
  }

  async read(): Promise<{ inventory: Inventory; version: string } | null> {
    const found = await readLiveKv(this.#client, this.#at, this.ref);
    if (found === null) return null;
    const text = found.data[this.#at.field];
    if (typeof text !== 'string') {
      const reason = `is missing from the Vault secret (fields: ${fieldList(found.data)})`;
      throw new InvalidInventoryError(this.ref, [{ field: this.#at.field, reason }]);
    }
    return { inventory: await parseInventoryText(text, this.ref), version: String(found.version) };
  }

  async write(inventory: Inventory, expected: string | null): Promise<string> {
    if (expected !== null && !/^[1-9]\d{0,15}$/.test(expected)) {
      throw new ConflictError(`${JSON.stringify(expected)} is not a version of ${this.ref}`);
    }
    const text = `${JSON.stringify(inventory, null, 2)}\n`;
    const cas = expected === null ? 0 : Number(expected);
    const data = { [this.#at.field]: text };
    return String(await writeKv(this.#client, this.#at, data, cas, `inventory ${this.ref}`));
  }
}

/** The names of the fields a secret holds, never their values. */
export function fieldList(data: Record<string, unknown>): string {
  const names = Object.keys(data);
  return names.length === 0 ? 'none' : names.map((n) => JSON.stringify(n)).join(', ');
}
