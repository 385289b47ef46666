/**
 * Store `vault:MOUNT/PATH[#FIELD]` (field `value` by default): the CA set as the store
 * tarball, base64, in one field of a KV version 2 secret, as the runbook has kept it. Writes
 * are check-and-set on the KV version; the version being replaced is first copied to the
 * archive (`vault-archive.ts`), and who wrote and why goes to the secret's custom metadata.
 * This file and `openVaultInventory` are what `backends.ts` loads for `vault:` references.
 */
import type { BackendOptions } from '../backends.js';
import { caSetFromFiles, caSetToFiles } from '../certset/layout.js';
import type { CaSet } from '../certset/model.js';
import { packStoreTarball, storeTarballToBase64, unpackStoreTarball } from '../certset/tarball.js';
import { CertSetError, ConflictError, messageOf } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import type {
  ArchiveEntry,
  Audit,
  CaStore,
  DocumentStore,
  InventorySource,
  StoredCaSet,
} from './types.js';
import { VaultArchive } from './vault-archive.js';
import { connectVault, type VaultClient } from './vault-client.js';
import { VaultDocuments } from './vault-documents.js';
import { fieldList, VaultInventory } from './vault-inventory.js';
import { readLiveKv, writeCustomMetadata, writeKv } from './vault-kv.js';
import { type KvLocation, parseVaultRef } from './vault-ref.js';

/** Vault refuses custom metadata values that are empty or longer than this. */
const METADATA_VALUE_MAX = 512;

class VaultStore implements CaStore {
  readonly ref: string;
  readonly documents: DocumentStore;
  readonly #client: VaultClient;
  readonly #at: KvLocation;
  readonly #archive: VaultArchive;
  readonly #log: Logger;

  constructor(client: VaultClient, at: KvLocation, ref: string, log: Logger) {
    this.ref = ref;
    this.#client = client;
    this.#at = at;
    this.#log = log;
    this.#archive = new VaultArchive(client, at, ref);
    this.documents = new VaultDocuments(client, at, ref);
  }

  async read(): Promise<StoredCaSet | null> {
    const found = await readLiveKv(this.#client, this.#at, this.ref);
    if (found === null) return null;
    const text = found.data[this.#at.field];
    if (typeof text !== 'string') {
      throw new CertSetError(
        `${this.ref}: the secret has no field ${JSON.stringify(this.#at.field)} ` +
          `(fields: ${fieldList(found.data)}); name the field after #`,
      );
    }
    const files = unpackStoreTarball(text, this.ref);
    return { set: caSetFromFiles(files, this.ref), files, version: String(found.version) };
  }

  async write(set: CaSet, expected: string | null, audit: Audit): Promise<string> {
    const current = await readLiveKv(this.#client, this.#at, this.ref);
    if ((current === null ? null : String(current.version)) !== expected) {
      throw new ConflictError(`${this.ref} changed since it was read; read it again and retry`);
    }

    // Archive first: Vault itself forgets versions beyond max_versions.
    if (current !== null) {
      const id = await this.#archive.put(current);
      this.#log.info('archived CA set', {
        store: this.ref,
        storeVersion: current.version,
        archive: id,
      });
    }

    const now = new Date();
    const value = storeTarballToBase64(packStoreTarball(caSetToFiles(set), now));
    const cas = current?.version ?? 0;
    const data = { [this.#at.field]: value };
    const version = await writeKv(this.#client, this.#at, data, cas, this.ref);
    await this.#recordAudit(audit, now, version);
    return String(version);
  }

  listArchive(): Promise<ArchiveEntry[]> {
    return this.#archive.list();
  }

  readArchive(id: string): Promise<CaSet> {
    return this.#archive.read(id);
  }

  /**
   * Custom metadata is per secret, so it names the latest writer. The set is stored by now;
   * failing here would make the caller believe it was not, so a refusal is logged instead.
   */
  async #recordAudit(audit: Audit, now: Date, version: number): Promise<void> {
    const metadataText = (text: string) => (text.trim() || 'unknown').slice(0, METADATA_VALUE_MAX);
    const metadata = {
      updated_by: metadataText(audit.who),
      reason: metadataText(audit.why),
      updated_at: now.toISOString(),
    };
    try {
      await writeCustomMetadata(this.#client, this.#at, metadata);
    } catch (error) {
      this.#log.warn('CA set written, but who and why could not be recorded in Vault', {
        store: this.ref,
        storeVersion: version,
        reason: messageOf(error),
      });
    }
  }
}

/** A Vault CA store over an existing client; `rest` is the reference after `vault:`. */
export function createVaultStore(rest: string, client: VaultClient, log?: Logger): CaStore {
  const at = parseVaultRef(rest, 'value', '--store');
  return new VaultStore(client, at, `vault:${rest}`, log ?? silentLogger);
}

/** A Vault inventory source over an existing client; `rest` is the reference after `vault:`. */
export function createVaultInventory(rest: string, client: VaultClient): InventorySource {
  const at = parseVaultRef(rest, 'inventory', '--inventory');
  return new VaultInventory(client, at, `vault:${rest}`);
}

/**
 * The client of one set of backend options, that is of one CLI run or one Lambda invocation:
 * a store and an inventory in Vault share it, and so one login.
 */
const clients = new WeakMap<BackendOptions, Promise<VaultClient>>();

function clientFor(options: BackendOptions): Promise<VaultClient> {
  let client = clients.get(options);
  if (client === undefined) {
    client = connectVault(options.env, { log: options.log });
    clients.set(options, client);
  }
  return client;
}

/**
 * The store for `vault:<rest>`, signing in as the environment says (VAULT_ADDR,
 * VAULT_TOKEN or AppRole or Kubernetes, VAULT_NAMESPACE, VAULT_CACERT).
 */
export async function openVaultStore(rest: string, options: BackendOptions): Promise<CaStore> {
  // The reference is checked before the environment, so its error comes first.
  parseVaultRef(rest, 'value', '--store');
  return createVaultStore(rest, await clientFor(options), options.log);
}

/** The inventory source for `vault:<rest>`, through the store's client for the same options. */
export async function openVaultInventory(
  rest: string,
  options: BackendOptions,
): Promise<InventorySource> {
  parseVaultRef(rest, 'inventory', '--inventory');
  return createVaultInventory(rest, await clientFor(options));
}
