/**
 * What a CA-set store offers the workflows, whatever keeps it (a folder, a tarball, Vault).
 * Versions are opaque strings: a content hash for files, the KV version for Vault.
 */

import type { Inventory } from '../certset/inventory.js';
import type { FileMap } from '../certset/layout.js';
import type { CaSet } from '../certset/model.js';

/** Who made a change and why; recorded beside every write. */
export interface Audit {
  who: string;
  why: string;
}

/** A CA set as read, with the version a conditional write must name. */
export interface StoredCaSet {
  set: CaSet;
  version: string;
  /** The raw `ca_certs/` files, for comparisons that must see exactly what is stored. */
  files: FileMap;
}

/** A copy of an earlier CA set, kept outside the store's own version history. */
export interface ArchiveEntry {
  id: string;
  createdAt: string;
  version: string;
}

export interface CaStore {
  /** The reference as configured (`dir:./ca_certs`), for messages and logs. */
  readonly ref: string;

  /**
   * The current CA set, or null when nothing is stored. Content that is structurally
   * broken (missing file, unreadable PEM or tarball) is refused with a CertSetError.
   */
  read(): Promise<StoredCaSet | null>;

  /**
   * Stores `set` if the stored version is still `expected` (null: only if nothing is
   * stored). The current set is archived first, so it can be read back later. A lost race
   * throws ConflictError and changes nothing. Returns the new version.
   */
  write(set: CaSet, expected: string | null, audit: Audit): Promise<string>;

  /** Archived sets, newest first. */
  listArchive(): Promise<ArchiveEntry[]>;

  /** An archived set by id. */
  readArchive(id: string): Promise<CaSet>;

  /** Small named documents kept beside the CA set (a rotation's plan and journal). */
  readonly documents: DocumentStore;
}

/** A named document with the version a conditional write must name. */
export interface StoredDocument {
  text: string;
  version: string;
}

/**
 * Named text documents beside the CA set, with the same conditional-write rules: a write
 * names the version it read (null: only if absent), a lost race throws ConflictError.
 */
export interface DocumentStore {
  read(name: string): Promise<StoredDocument | null>;
  write(name: string, text: string, expected: string | null): Promise<string>;
  /** Removes a document if it is still at `expected`. */
  remove(name: string, expected: string): Promise<void>;
}

/** Where the accepted login-node inventory is kept. */
export interface InventorySource {
  readonly ref: string;

  /** The accepted inventory with its version, or null when none was recorded yet. */
  read(): Promise<{ inventory: Inventory; version: string } | null>;

  /** Records an accepted inventory if the stored one is still at `expected`. */
  write(inventory: Inventory, expected: string | null): Promise<string>;
}
