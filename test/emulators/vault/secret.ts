/**
 * A test's direct handle on one KV path: seed versions and read state without going through
 * HTTP, so that assertions do not depend on the client under test.
 */
import type { KvMount, KvSecret } from './kv.js';

export interface SecretSettings {
  maxVersions?: number;
  casRequired?: boolean;
  customMetadata?: Record<string, string> | null;
}

export class VaultSecret {
  readonly #mount: KvMount;
  readonly path: string;

  constructor(mount: KvMount, path: string) {
    this.#mount = mount;
    this.path = path;
  }

  /** Writes a new version (no check-and-set) and returns its number. */
  write(data: Record<string, unknown>): number {
    const cas = this.#mount.secrets.get(this.path)?.currentVersion ?? 0;
    return this.#mount.write(this.path, data, cas).currentVersion;
  }

  /** A readable version's data (the current one by default); undefined when gone. */
  read(version = 0): Record<string, unknown> | undefined {
    const found = this.#mount.version(this.path, version);
    if (found === undefined || !this.#mount.isLive(found.version)) return undefined;
    return structuredClone(found.version.data ?? undefined);
  }

  get exists(): boolean {
    return this.#mount.secrets.has(this.path);
  }

  /** 0 when the path has never been written. */
  get currentVersion(): number {
    return this.#mount.secrets.get(this.path)?.currentVersion ?? 0;
  }

  /** The version numbers Vault still keeps, oldest first. */
  versions(): number[] {
    const secret = this.#mount.secrets.get(this.path);
    return secret === undefined ? [] : [...secret.versions.keys()].sort((a, b) => a - b);
  }

  /** The full metadata record, live (changes show up in later answers). */
  metadata(): KvSecret | undefined {
    return this.#mount.secrets.get(this.path);
  }

  configure(settings: SecretSettings): void {
    const secret = this.#mount.metadata(this.path);
    if (settings.maxVersions !== undefined) secret.maxVersions = settings.maxVersions;
    if (settings.casRequired !== undefined) secret.casRequired = settings.casRequired;
    if (settings.customMetadata !== undefined) secret.customMetadata = settings.customMetadata;
  }

  /** Soft-deletes the current version, as `DELETE data/<path>` does. */
  deleteLatest(): void {
    this.#mount.deleteLatest(this.path);
  }

  destroy(versions: number[]): void {
    this.#mount.destroy(this.path, versions);
  }
}
