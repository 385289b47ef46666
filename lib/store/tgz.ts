/**
 * Store `tgz:PATH`: the store tarball (gzip tar of `ca_certs/`) as a file, raw or base64
 * as Vault holds it. Replaced atomically; the previous file goes to the archive first.
 */
import { readFile } from 'node:fs/promises';
import { caSetFromFiles, caSetToFiles } from '../certset/layout.js';
import type { CaSet } from '../certset/model.js';
import { packStoreTarball, unpackStoreTarball } from '../certset/tarball.js';
import { ConflictError, StoreError } from '../errors.js';
import { contentVersion, isMissing, writeFileAtomic } from '../files.js';
import { FileArchive } from './file-archive.js';
import { FileDocuments } from './file-documents.js';
import type { ArchiveEntry, Audit, CaStore, StoredCaSet } from './types.js';

export class TgzStore implements CaStore {
  readonly ref: string;
  readonly documents: FileDocuments;
  private readonly archive: FileArchive;

  constructor(private readonly path: string) {
    this.ref = `tgz:${path}`;
    this.documents = new FileDocuments(`${path}.hubcerts`, this.ref);
    this.archive = new FileArchive(`${path}.archive`, this.ref);
  }

  async read(): Promise<StoredCaSet | null> {
    let data: Buffer;
    try {
      data = await readFile(this.path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StoreError(`${this.ref} cannot be read`, { cause: error });
    }
    const files = unpackStoreTarball(data, this.ref);
    return { set: caSetFromFiles(files, this.ref), files, version: contentVersion([data]) };
  }

  async write(set: CaSet, expected: string | null, _audit: Audit): Promise<string> {
    const current = await this.read();
    if ((current?.version ?? null) !== expected) {
      throw new ConflictError(`${this.ref} changed since it was read; read it again and retry`);
    }
    const now = new Date();
    if (current) await this.archive.put(current.files, current.version, now);
    const data = packStoreTarball(caSetToFiles(set), now);
    try {
      await writeFileAtomic(this.path, data, 0o600);
    } catch (error) {
      throw new StoreError(`could not write ${this.ref}`, { cause: error });
    }
    return contentVersion([data]);
  }

  listArchive(): Promise<ArchiveEntry[]> {
    return this.archive.list();
  }

  readArchive(id: string): Promise<CaSet> {
    return this.archive.read(id);
  }
}
