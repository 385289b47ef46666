/**
 * Secret `file:PATH`: a Secret manifest on disk, in the form `kubectl create secret
 * generic --dry-run=client -o yaml` prints, ready for `kubectl apply -f`. The previous
 * manifest is kept as `PATH.previous`; the lock is a create-only `PATH.lock` file.
 */
import { readFile, rm } from 'node:fs/promises';
import { parseSecretManifest, renderSecretManifest } from '../certset/manifest.js';
import { ClusterError, ConflictError, LockHeldError } from '../errors.js';
import { contentVersion, isMissing, writeFileAtomic, writeFileExclusive } from '../files.js';
import type { HubLock, LockHandle, PublishedSecret, SecretTarget } from './types.js';

/** The Secret's name when the manifest does not exist yet (Zero to JupyterHub's). */
export const DEFAULT_SECRET_NAME = 'internal-ssl';

export class FileSecret implements SecretTarget {
  readonly ref: string;

  constructor(private readonly path: string) {
    this.ref = `file:${path}`;
  }

  async read(): Promise<PublishedSecret | null> {
    return (await this.load(this.path))?.secret ?? null;
  }

  async readPrevious(): Promise<PublishedSecret | null> {
    return (await this.load(`${this.path}.previous`))?.secret ?? null;
  }

  async write(
    data: Record<string, Buffer>,
    annotations: Record<string, string>,
    expected: string | null,
  ): Promise<string> {
    const current = await this.load(this.path);
    if ((current?.secret.version ?? null) !== expected) {
      throw new ConflictError(`Secret ${this.ref} changed since it was read`);
    }
    const name = current?.name ?? DEFAULT_SECRET_NAME;
    const text = renderSecretManifest({ name, namespace: current?.namespace, data, annotations });
    try {
      if (current) await writeFileAtomic(`${this.path}.previous`, current.text, 0o600);
      await writeFileAtomic(this.path, text, 0o600);
    } catch (error) {
      throw new ClusterError(`could not write Secret ${this.ref}`, { cause: error });
    }
    return contentVersion([text]);
  }

  private async load(path: string) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (isMissing(error)) return null;
      throw new ClusterError(`Secret ${this.ref} cannot be read`, { cause: error });
    }
    const manifest = parseSecretManifest(text, path);
    const secret: PublishedSecret = {
      data: manifest.data,
      annotations: manifest.annotations ?? {},
      version: contentVersion([text]),
    };
    return { secret, text, name: manifest.name, namespace: manifest.namespace };
  }
}

/** A lock as a create-only file holding the holder and its expiry. */
export class FileLock implements HubLock {
  constructor(private readonly path: string) {}

  async acquire(holder: string, ttlSeconds: number): Promise<LockHandle> {
    const body = () => JSON.stringify({ holder, expiresAt: Date.now() + ttlSeconds * 1000 });
    try {
      await writeFileExclusive(this.path, body());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new ClusterError(`could not create lock ${this.path}`, { cause: error });
      }
      const current = await this.current();
      if (current && current.expiresAt > Date.now())
        throw new LockHeldError(this.path, current.holder);
      // An expired lock was left by a change that died: take it over.
      await rm(this.path, { force: true });
      await writeFileExclusive(this.path, body()).catch((cause) => {
        throw new LockHeldError(this.path, `another process (${String(cause.code ?? cause)})`);
      });
    }
    let released = false;
    return {
      holder,
      renew: async () => {
        if (!released) await writeFileAtomic(this.path, body());
      },
      release: async () => {
        if (released) return;
        released = true;
        const current = await this.current();
        if (current?.holder === holder) await rm(this.path, { force: true });
      },
    };
  }

  private async current(): Promise<{ holder: string; expiresAt: number } | null> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8'));
      return { holder: String(parsed.holder), expiresAt: Number(parsed.expiresAt) || 0 };
    } catch (error) {
      if (isMissing(error)) return null;
      // A lock file that cannot be parsed was cut short by a crash: treat it as expired.
      return { holder: 'unknown', expiresAt: 0 };
    }
  }
}
