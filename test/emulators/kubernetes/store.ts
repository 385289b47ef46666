/**
 * The emulated etcd: objects by resource, namespace and name, one cluster-wide
 * resourceVersion counter, and chunked lists with continue tokens that a test can expire
 * (as compaction expires them in a real cluster).
 */
import type { ResourceType } from './resources.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

export type ListPage =
  | { items: KubeObject[]; resourceVersion: string; continue?: string; remaining?: number }
  | { expired: string }
  | { invalid: string };

interface ContinueToken {
  rv: number;
  start: string;
}

export class ObjectStore {
  #resourceVersion = 100;
  #compactedBelow = 0;
  readonly #objects = new Map<string, KubeObject>();

  /** The newest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const found = this.#objects.get(key(type, namespace, name));
    return found && structuredClone(found);
  }

  /** Stores the object under a new resourceVersion and returns the stored copy. */
  save(type: ResourceType, object: KubeObject): KubeObject {
    this.#resourceVersion += 1;
    const stored = structuredClone(object);
    const metadata = stored.metadata ?? {};
    metadata.resourceVersion = String(this.#resourceVersion);
    stored.metadata = metadata;
    this.#objects.set(key(type, metadata.namespace ?? '', metadata.name ?? ''), stored);
    return structuredClone(stored);
  }

  remove(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    const k = key(type, namespace, name);
    const found = this.#objects.get(k);
    this.#objects.delete(k);
    if (found !== undefined) this.#resourceVersion += 1;
    return found;
  }

  /** Every object of a type in a namespace, by name. */
  all(type: ResourceType, namespace: string): KubeObject[] {
    return this.#stored(type, namespace).map((o) => structuredClone(o));
  }

  /** The stored objects themselves, in name order: callers must not change them. */
  #stored(type: ResourceType, namespace: string): KubeObject[] {
    const prefix = key(type, namespace, '');
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  /** Makes every continue token issued so far too old, as etcd compaction does. */
  compact(): void {
    this.#resourceVersion += 1;
    this.#compactedBelow = this.#resourceVersion;
  }

  /** A token that goes on where `token` stopped, at the current resourceVersion. */
  renewToken(token: string | undefined): string {
    const start = token === undefined ? '' : (decodeToken(token)?.start ?? '');
    return encodeToken({ rv: this.#resourceVersion, start });
  }

  page(
    type: ResourceType,
    namespace: string,
    keep: (object: KubeObject) => boolean,
    limit: number | undefined,
    token: string | undefined,
  ): ListPage {
    let rv = this.#resourceVersion;
    let after = '';
    if (token !== undefined && token !== '') {
      const decoded = decodeToken(token);
      if (decoded === undefined) return { invalid: `continue key is not valid: ${token}` };
      if (decoded.rv < this.#compactedBelow) return { expired: this.renewToken(token) };
      rv = decoded.rv;
      after = decoded.start;
    }
    // Lists run in name order, so a token only needs the last name it returned. Only the
    // page handed out is copied: copying every object for every page makes long lists slow.
    const kept = this.#stored(type, namespace)
      .filter((o) => (o.metadata?.name ?? '') > after)
      .filter(keep);
    if (limit === undefined || limit <= 0 || kept.length <= limit) {
      return { items: kept.map((o) => structuredClone(o)), resourceVersion: String(rv) };
    }
    const items = kept.slice(0, limit).map((o) => structuredClone(o));
    const last = items[items.length - 1]?.metadata?.name ?? '';
    return {
      items,
      resourceVersion: String(rv),
      continue: encodeToken({ rv, start: last }),
      remaining: kept.length - limit,
    };
  }
}

function key(type: ResourceType, namespace: string, name: string): string {
  return `${type.group}/${type.plural}/${namespace}/${name}`;
}

function encodeToken(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...token })).toString('base64');
}

function decodeToken(text: string): ContinueToken | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { rv, start } = parsed as Record<string, unknown>;
    return typeof rv === 'number' && typeof start === 'string' ? { rv, start } : undefined;
  } catch {
    return undefined;
  }
}
