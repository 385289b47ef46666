/**
 * Store `dir:PATH`: a `ca_certs/` folder in certipy layout. A write builds the new folder
 * beside the old one and swaps the two, so readers never see half a set; files that are not
 * part of the CA set are carried over.
 */

import { randomBytes } from 'node:crypto';
import { cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  caSetFromFiles,
  caSetToFiles,
  certPath,
  type FileMap,
  fileMode,
  keyPath,
} from '../certset/layout.js';
import { bundleFile, CA_NAMES, type CaSet } from '../certset/model.js';
import { ConflictError, StoreError } from '../errors.js';
import { contentVersion, isMissing, writeFileAtomic } from '../files.js';
import { FileArchive } from './file-archive.js';
import { FileDocuments } from './file-documents.js';
import type { ArchiveEntry, Audit, CaStore, StoredCaSet } from './types.js';

const LAYOUT_FILES = CA_NAMES.flatMap((ca) => [certPath(ca), keyPath(ca), bundleFile(ca)]);

export class DirStore implements CaStore {
  readonly ref: string;
  readonly documents: FileDocuments;
  private readonly archive: FileArchive;

  constructor(private readonly path: string) {
    this.ref = `dir:${path}`;
    this.documents = new FileDocuments(`${path.replace(/\/+$/, '')}.hubcerts`, this.ref);
    this.archive = new FileArchive(`${path.replace(/\/+$/, '')}.archive`, this.ref);
  }

  async read(): Promise<StoredCaSet | null> {
    try {
      await stat(this.path);
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StoreError(`${this.ref} cannot be read`, { cause: error });
    }
    const files: FileMap = new Map();
    for (const name of LAYOUT_FILES) {
      try {
        files.set(name, await readFile(join(this.path, name)));
      } catch (error) {
        if (!isMissing(error))
          throw new StoreError(`${this.ref}: ${name} cannot be read`, { cause: error });
      }
    }
    if (files.size === 0) return null;
    const set = caSetFromFiles(files, this.ref);
    return { set, files, version: contentVersion(LAYOUT_FILES.map((f) => files.get(f)!)) };
  }

  async write(set: CaSet, expected: string | null, audit: Audit): Promise<string> {
    const current = await this.read();
    if ((current?.version ?? null) !== expected) {
      throw new ConflictError(`${this.ref} changed since it was read; read it again and retry`);
    }
    if (current) await this.archive.put(current.files, current.version, new Date());
    const files = caSetToFiles(set);
    const parent = dirname(this.path);
    const incoming = join(parent, `.${basename(this.path)}.${randomBytes(4).toString('hex')}`);
    try {
      if (current) await cp(this.path, incoming, { recursive: true });
      else await mkdir(incoming, { recursive: true });
      for (const [name, data] of files)
        await writeFileAtomic(join(incoming, name), data, fileMode(name));
      await writeFileAtomic(join(incoming, '.hubcerts-audit.json'), JSON.stringify(audit));
      const replaced = `${incoming}.old`;
      if (current) await rename(this.path, replaced);
      await rename(incoming, this.path);
      await rm(replaced, { recursive: true, force: true });
    } catch (error) {
      await rm(incoming, { recursive: true, force: true });
      throw new StoreError(`could not write ${this.ref}`, { cause: error });
    }
    return contentVersion(LAYOUT_FILES.map((f) => files.get(f)!));
  }

  listArchive(): Promise<ArchiveEntry[]> {
    return this.archive.list();
  }

  readArchive(id: string): Promise<CaSet> {
    return this.archive.read(id);
  }
}
