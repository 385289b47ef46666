/**
 * Documents of the file stores: `<store path>.hubcerts/<name>.json`, mode 0600 because a
 * rotation plan holds the keys of the pending CA set. Versions are content hashes; a
 * create-only write uses an exclusive open, so two planners cannot both create a plan.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConflictError, StoreError } from '../errors.js';
import { contentVersion, isMissing, writeFileAtomic, writeFileExclusive } from '../files.js';
import type { DocumentStore, StoredDocument } from './types.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class FileDocuments implements DocumentStore {
  constructor(
    private readonly folder: string,
    private readonly ref: string,
  ) {}

  async read(name: string): Promise<StoredDocument | null> {
    try {
      const text = await readFile(this.path(name), 'utf8');
      return { text, version: contentVersion([text]) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw new StoreError(`document ${name} of ${this.ref} cannot be read`, { cause: error });
    }
  }

  async write(name: string, text: string, expected: string | null): Promise<string> {
    const path = this.path(name);
    if (expected === null) {
      try {
        await writeFileExclusive(path, text, 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ConflictError(`document ${name} of ${this.ref} already exists`);
        }
        throw new StoreError(`could not write document ${name} of ${this.ref}`, { cause: error });
      }
      return contentVersion([text]);
    }
    const current = await this.read(name);
    if (current?.version !== expected) {
      throw new ConflictError(`document ${name} of ${this.ref} changed since it was read`);
    }
    await writeFileAtomic(path, text, 0o600);
    return contentVersion([text]);
  }

  async remove(name: string, expected: string): Promise<void> {
    const current = await this.read(name);
    if (!current) return;
    if (current.version !== expected) {
      throw new ConflictError(`document ${name} of ${this.ref} changed since it was read`);
    }
    await rm(this.path(name), { force: true });
  }

  private path(name: string): string {
    if (!NAME.test(name)) throw new StoreError(`${JSON.stringify(name)} is not a document name`);
    return join(this.folder, `${name}.json`);
  }
}
