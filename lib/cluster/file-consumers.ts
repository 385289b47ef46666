/**
 * A trust-bundle copy in a file (`file:PATH#CA`), for setups where job templates or lab
 * images read the bundle from a shared file system. Written atomically and world-readable:
 * a bundle holds only certificates. Versions are content hashes, as for the Secret file.
 */
import { readFile } from 'node:fs/promises';
import type { CaName } from '../certset/model.js';
import { ClusterError, ConflictError } from '../errors.js';
import { contentVersion, isMissing, writeFileAtomic } from '../files.js';
import type { BundleConsumer } from './types.js';

/** One bundle copy in a file. */
export class FileConsumer implements BundleConsumer {
  constructor(
    readonly ref: string,
    private readonly path: string,
    readonly bundle: CaName,
  ) {}

  async read(): Promise<{ pem: string; version: string } | null> {
    try {
      const pem = await readFile(this.path, 'utf8');
      return { pem, version: contentVersion([pem]) };
    } catch (error) {
      if (isMissing(error)) return null;
      throw new ClusterError(`trust-bundle copy ${this.ref} cannot be read`, { cause: error });
    }
  }

  async write(pem: string, expected: string | null): Promise<string> {
    const current = await this.read();
    if ((current?.version ?? null) !== expected) {
      throw new ConflictError(`trust-bundle copy ${this.ref} changed since it was read`);
    }
    try {
      await writeFileAtomic(this.path, pem, 0o644);
    } catch (error) {
      throw new ClusterError(`could not write trust-bundle copy ${this.ref}`, { cause: error });
    }
    return contentVersion([pem]);
  }
}
