/**
 * The state and rules of one KV version 2 mount: versions, check-and-set, soft delete,
 * destroy, and the pruning of versions beyond `max_versions`. No HTTP here; failures are
 * KvError with the status and the message list Vault would send.
 */
import { CAS_MISMATCH, CAS_REQUIRED } from './wire.js';

/** Vault keeps this many versions when neither the path nor the mount sets a number. */
export const DEFAULT_MAX_VERSIONS = 10;

export interface KvVersion {
  /** The secret; null once destroyed. */
  data: Record<string, unknown> | null;
  createdMs: number;
  deletionMs: number | null;
  destroyed: boolean;
}

export interface KvSecret {
  versions: Map<number, KvVersion>;
  currentVersion: number;
  oldestVersion: number;
  /** 0 means "use the mount's setting". */
  maxVersions: number;
  casRequired: boolean;
  deleteVersionAfter: string;
  customMetadata: Record<string, string> | null;
  createdMs: number;
  updatedMs: number;
}

/** Mount-wide settings (`<mount>/config`). */
export interface KvConfig {
  maxVersions: number;
  casRequired: boolean;
}

export class KvError extends Error {
  readonly status: number;
  readonly errors: string[];

  constructor(status: number, ...errors: string[]) {
    super(errors[0] ?? `Status ${status}`);
    this.status = status;
    this.errors = errors;
  }
}

export class KvMount {
  readonly config: KvConfig;
  readonly secrets = new Map<string, KvSecret>();
  readonly #now: () => number;

  constructor(config: Partial<KvConfig>, now: () => number) {
    this.config = {
      maxVersions: config.maxVersions ?? 0,
      casRequired: config.casRequired ?? false,
    };
    this.#now = now;
  }

  /** A version (the current one for 0) or undefined when the path or version does not exist. */
  version(path: string, version = 0): { number: number; version: KvVersion } | undefined {
    const secret = this.secrets.get(path);
    if (secret === undefined) return undefined;
    const number = version > 0 ? version : secret.currentVersion;
    const found = secret.versions.get(number);
    return found && { number, version: found };
  }

  /** Whether a version is readable now (neither deleted nor destroyed). */
  isLive(version: KvVersion): boolean {
    const deleted = version.deletionMs !== null && version.deletionMs <= this.#now();
    return !deleted && !version.destroyed;
  }

  write(path: string, data: Record<string, unknown>, cas: unknown): KvSecret {
    const secret = this.secrets.get(path) ?? this.#blank();
    this.#checkCas(secret, cas);
    return this.#append(path, secret, data);
  }

  /** JSON merge patch of the current version into a new version. */
  patch(path: string, changes: Record<string, unknown>, cas: unknown): KvSecret {
    const secret = this.secrets.get(path);
    if (secret === undefined) throw new KvError(404);
    this.#checkCas(secret, cas);
    const current = secret.versions.get(secret.currentVersion);
    if (current === undefined || !this.isLive(current) || current.data === null) {
      throw new KvError(404);
    }
    const merged: Record<string, unknown> = { ...current.data };
    for (const [key, value] of Object.entries(changes)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return this.#append(path, secret, merged);
  }

  deleteLatest(path: string): void {
    const secret = this.secrets.get(path);
    const current = secret?.versions.get(secret.currentVersion);
    if (current !== undefined) this.#markDeleted(current);
  }

  deleteVersions(path: string, versions: number[]): void {
    for (const v of this.#pick(path, versions)) this.#markDeleted(v);
  }

  undelete(path: string, versions: number[]): void {
    for (const v of this.#pick(path, versions)) if (!v.destroyed) v.deletionMs = null;
  }

  destroy(path: string, versions: number[]): void {
    for (const v of this.#pick(path, versions)) {
      v.destroyed = true;
      v.data = null;
    }
  }

  /** Creates the metadata when the path is new, as Vault does. */
  metadata(path: string): KvSecret {
    const secret = this.secrets.get(path) ?? this.#blank();
    this.secrets.set(path, secret);
    return secret;
  }

  /** Direct children of `folder` (sub-folders end in `/`), sorted; empty when none. */
  list(folder: string): string[] {
    const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`;
    const keys = new Set<string>();
    for (const path of this.secrets.keys()) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      keys.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    return [...keys].sort();
  }

  effectiveMaxVersions(secret: KvSecret): number {
    if (secret.maxVersions > 0) return secret.maxVersions;
    return this.config.maxVersions > 0 ? this.config.maxVersions : DEFAULT_MAX_VERSIONS;
  }

  #append(path: string, secret: KvSecret, data: Record<string, unknown>): KvSecret {
    const now = this.#now();
    secret.currentVersion += 1;
    secret.versions.set(secret.currentVersion, {
      data: structuredClone(data),
      createdMs: now,
      deletionMs: null,
      destroyed: false,
    });
    secret.updatedMs = now;
    this.#prune(secret);
    this.secrets.set(path, secret);
    return secret;
  }

  #checkCas(secret: KvSecret, cas: unknown): void {
    if (cas === undefined) {
      if (this.config.casRequired || secret.casRequired) throw new KvError(400, CAS_REQUIRED);
      return;
    }
    const number = typeof cas === 'string' && cas.trim() !== '' ? Number(cas) : cas;
    if (typeof number !== 'number' || !Number.isInteger(number)) {
      throw new KvError(400, 'error parsing check-and-set parameter');
    }
    if (number !== secret.currentVersion) throw new KvError(400, CAS_MISMATCH);
  }

  /** Versions beyond the limit are removed for good; `oldest_version` moves past them. */
  #prune(secret: KvSecret): void {
    const max = this.effectiveMaxVersions(secret);
    if (secret.versions.size <= max) return;
    const lastToDelete = secret.currentVersion - max;
    for (const number of [...secret.versions.keys()]) {
      if (number <= lastToDelete) secret.versions.delete(number);
    }
    secret.oldestVersion = lastToDelete + 1;
  }

  #markDeleted(version: KvVersion): void {
    if (version.destroyed || (version.deletionMs !== null && version.deletionMs <= this.#now())) {
      return;
    }
    version.deletionMs = this.#now();
  }

  #pick(path: string, versions: number[]): KvVersion[] {
    const secret = this.secrets.get(path);
    if (secret === undefined) return [];
    return versions.flatMap((n) => secret.versions.get(n) ?? []);
  }

  #blank(): KvSecret {
    const now = this.#now();
    return {
      versions: new Map(),
      currentVersion: 0,
      oldestVersion: 0,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: '0s',
      customMetadata: null,
      createdMs: now,
      updatedMs: now,
    };
  }
}
