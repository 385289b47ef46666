/**
 * The archive of the file stores: every CA set that is replaced is first written, as a
 * store tarball, to `<store path>.archive/<time>-<version>.tar.gz`, create-only, so no
 * earlier set is ever lost to an overwrite.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caSetFromFiles, type FileMap } from '../certset/layout.js';
import type { CaSet } from '../certset/model.js';
import { packStoreTarball, unpackStoreTarball } from '../certset/tarball.js';
import { StoreError } from '../errors.js';
import { fileStamp, isMissing, writeFileExclusive } from '../files.js';
import type { ArchiveEntry } from './types.js';

const ENTRY = /^(\d{8}T\d{6}Z)-([0-9a-f]+)\.tar\.gz$/;

export class FileArchive {
  constructor(
    private readonly folder: string,
    private readonly ref: string,
  ) {}

  /** Archives `files` (a whole `ca_certs/` set) at `version`; returns the entry id. */
  async put(files: FileMap, version: string, now: Date): Promise<string> {
    const id = `${fileStamp(now)}-${version}`;
    try {
      await writeFileExclusive(
        join(this.folder, `${id}.tar.gz`),
        packStoreTarball(files, now),
        0o600,
      );
    } catch (error) {
      // The same version archived in the same second is the same content: nothing to add.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(`could not archive the CA set of ${this.ref}`, { cause: error });
      }
    }
    return id;
  }

  async list(): Promise<ArchiveEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.folder);
    } catch (error) {
      if (isMissing(error)) return [];
      throw new StoreError(`could not list the archive of ${this.ref}`, { cause: error });
    }
    const entries: ArchiveEntry[] = [];
    for (const name of names) {
      const match = ENTRY.exec(name);
      if (!match) continue;
      const stamp = match[1]!;
      const createdAt =
        `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:` +
        `${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
      entries.push({ id: name.slice(0, -'.tar.gz'.length), createdAt, version: match[2]! });
    }
    return entries.sort((a, b) => b.id.localeCompare(a.id));
  }

  async read(id: string): Promise<CaSet> {
    if (!ENTRY.test(`${id}.tar.gz`)) {
      throw new StoreError(`${JSON.stringify(id)} is not an archive id of ${this.ref}`);
    }
    const path = join(this.folder, `${id}.tar.gz`);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (error) {
      throw new StoreError(`archive ${id} of ${this.ref} cannot be read`, { cause: error });
    }
    return caSetFromFiles(unpackStoreTarball(data, path), path);
  }
}
