/**
 * Documents of a Vault store (a rotation's plan and journal): one secret per document at
 * `<path>-hubcerts/<name>` on the store's mount, the text in field `text`, versions are KV
 * versions. Removal destroys every version up to the one read, because a rotation plan
 * holds the private keys of a CA set that was never used; a newer version written meanwhile
 * stays. A document whose latest version is destroyed reads as absent.
 */
import { ConflictError, StoreError } from '../errors.js';
import type { DocumentStore, StoredDocument } from './types.js';
import type { VaultClient } from './vault-client.js';
import { destroyKvVersions, readKv, writeKv } from './vault-kv.js';
import type { KvLocation, KvPath } from './vault-ref.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const FIELD = 'text';

/** The documents beside one Vault store. */
export class VaultDocuments implements DocumentStore {
  readonly #client: VaultClient;
  readonly #ref: string;
  /** The folder of the documents, `<path>-hubcerts`. */
  readonly folder: KvPath;

  constructor(client: VaultClient, at: KvLocation, ref: string) {
    this.#client = client;
    this.#ref = ref;
    this.folder = { mount: at.mount, path: `${at.path}-hubcerts` };
  }

  async read(name: string): Promise<StoredDocument | null> {
    const found = await readKv(this.#client, this.#at(name));
    if (found?.state !== 'live') return null;
    const text = found.data[FIELD];
    if (typeof text !== 'string') {
      throw new StoreError(`document ${name} of ${this.#ref} has no field ${FIELD}`);
    }
    return { text, version: String(found.version) };
  }

  async write(name: string, text: string, expected: string | null): Promise<string> {
    const at = this.#at(name);
    const cas = expected === null ? await this.#versionWhenAbsent(name) : this.#number(expected);
    const label = `document ${name} of ${this.#ref}`;
    return String(await writeKv(this.#client, at, { [FIELD]: text }, cas, label));
  }

  async remove(name: string, expected: string): Promise<void> {
    const current = await this.read(name);
    if (current === null) return;
    if (current.version !== expected) {
      throw new ConflictError(`document ${name} of ${this.#ref} changed since it was read`);
    }
    await destroyKvVersions(this.#client, this.#at(name), this.#number(expected));
  }

  /** The check-and-set version that creates the document only if it is absent. */
  async #versionWhenAbsent(name: string): Promise<number> {
    const found = await readKv(this.#client, this.#at(name));
    if (found === null) return 0;
    if (found.state === 'live') {
      throw new ConflictError(`document ${name} of ${this.#ref} already exists`);
    }
    // A removed document keeps its version history: the next version follows the deleted one.
    return found.version;
  }

  #number(version: string): number {
    if (!/^[1-9]\d{0,15}$/.test(version)) {
      throw new ConflictError(`${JSON.stringify(version)} is not a version of ${this.#ref}`);
    }
    return Number(version);
  }

  #at(name: string): KvPath {
    if (!NAME.test(name)) throw new StoreError(`${JSON.stringify(name)} is not a document name`);
    return { mount: this.folder.mount, path: `${this.folder.path}/${name}` };
  }
}
