/**
 * The archive of a Vault store. Vault keeps only `max_versions` versions of a secret (10 by
 * default) and drops older ones for good, so before a CA set is replaced its version is
 * copied, data as it was, to its own secret `<path>-archive/<created>-v<version>` on the same
 * mount, create-only. An entry is named by when the archived version was written, not when
 * it was archived: a repeated run (a retried Lambda) names the same entry, finds the same
 * content there and carries on.
 */
import { caSetFromFiles } from '../certset/layout.js';
import type { CaSet } from '../certset/model.js';
import { unpackStoreTarball } from '../certset/tarball.js';
import { CertSetError, ConflictError, StoreError } from '../errors.js';
import { fileStamp } from '../files.js';
import type { ArchiveEntry } from './types.js';
import type { VaultClient } from './vault-client.js';
import { type KvLive, listKv, readLiveKv, writeKv } from './vault-kv.js';
import type { KvLocation, KvPath } from './vault-ref.js';

const ENTRY = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-v(\d+)$/;

/** The archive entries of one Vault store. */
export class VaultArchive {
  readonly #client: VaultClient;
  readonly #at: KvLocation;
  readonly #ref: string;
  /** The folder of the entries, `<path>-archive`. */
  readonly folder: KvPath;

  constructor(client: VaultClient, at: KvLocation, ref: string) {
    this.#client = client;
    this.#at = at;
    this.#ref = ref;
    this.folder = { mount: at.mount, path: `${at.path}-archive` };
  }

  /** Copies `current` (a version of the store secret) into the archive; returns its id. */
  async put(current: KvLive): Promise<string> {
    const id = `${stampOf(current.createdTime)}-v${current.version}`;
    const label = `archive entry ${id} of ${this.#ref}`;
    try {
      await writeKv(this.#client, this.#entry(id), current.data, 0, label);
    } catch (error) {
      // The id is taken, and not by this same content (writeKv accepts that as done).
      if (!(error instanceof ConflictError)) throw error;
      throw new StoreError(`${label} already exists with other content; nothing was written`, {
        cause: error,
      });
    }
    return id;
  }

  /** Every entry, newest first. */
  async list(): Promise<ArchiveEntry[]> {
    const entries: (ArchiveEntry & { order: number })[] = [];
    for (const key of await listKv(this.#client, this.folder)) {
      const m = ENTRY.exec(key);
      if (!m) continue;
      const createdAt = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
      entries.push({ id: key, createdAt, version: m[7]!, order: Number(m[7]) });
    }
    // Version numbers break ties within a second; as text, v10 would sort before v9.
    entries.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.order - a.order);
    return entries.map(({ order: _, ...entry }) => entry);
  }

  /** The CA set of one entry. */
  async read(id: string): Promise<CaSet> {
    if (!ENTRY.test(id)) {
      throw new StoreError(`${JSON.stringify(id)} is not an archive id of ${this.#ref}`);
    }
    const source = `${this.#ref} archive ${id}`;
    const found = await readLiveKv(this.#client, this.#entry(id), source);
    if (found === null) throw new StoreError(`${source} does not exist`);
    const text = found.data[this.#at.field];
    if (typeof text !== 'string') {
      throw new CertSetError(`${source} has no field ${JSON.stringify(this.#at.field)}`);
    }
    return caSetFromFiles(unpackStoreTarball(text, source), source);
  }

  #entry(id: string): KvPath {
    return { mount: this.folder.mount, path: `${this.folder.path}/${id}` };
  }
}

/**
 * `20261203T120000Z` from Vault's RFC 3339 time. Vault always prints UTC; a time it did not
 * give falls back to now, which only costs the idempotence of a repeated run.
 */
function stampOf(rfc3339: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(rfc3339);
  return m ? `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6]}Z` : fileStamp(new Date());
}
