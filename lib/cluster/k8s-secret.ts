/**
 * Secret `k8s:NAMESPACE/NAME`: the Secret the proxy and hub mount, written by one
 * conditional replace, with the data it held before kept in a backup Secret.
 *
 * Design:
 * - A write names the resourceVersion it read (`expected`). It re-reads the Secret first
 *   and refuses with ConflictError when that version is gone, so a lost race writes
 *   nothing. The replace itself carries the same resourceVersion, so a change that slips in
 *   between is refused by the API server with 409 Conflict, again a ConflictError.
 * - One PUT carries every key: the mounted Secret is never a mix of old and new material.
 * - Before the replace, the current data and annotations go to `<NAME>-previous`
 *   (`k8s-secret-backup.ts`), which `readPrevious` reads.
 * - Labels, owner references and the annotations of others stay as they are; hubcerts'
 *   own annotations (`hubcerts.io/…`) are exactly the given ones. The type of an existing
 *   Secret is kept (the API server does not allow changing it); a new one is Opaque.
 * - A write whose answer is lost (504, reset) is checked against the Secret before it is
 *   sent again, so an applied change is not reported as a conflict.
 * - Data and key material never appear in messages or logs; only names and versions do.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { ConflictError } from '../errors.js';
import { apiPath, type K8sClient } from './k8s-client.js';
import { k8sStatusOf } from './k8s-errors.js';
import { SecretBackup } from './k8s-secret-backup.js';
import {
  encode,
  FIELD_MANAGER,
  MANAGED_BY_LABEL,
  MANAGER,
  mergeAnnotations,
  published,
  readSecret,
  sameData,
} from './k8s-secret-data.js';
import type { PublishedSecret, SecretTarget } from './types.js';

export class K8sSecret implements SecretTarget {
  readonly ref: string;
  readonly #backup: SecretBackup;

  constructor(
    private readonly client: K8sClient,
    readonly namespace: string,
    readonly name: string,
  ) {
    this.ref = `k8s:${namespace}/${name}`;
    this.#backup = new SecretBackup(client, namespace, name);
  }

  async read(): Promise<PublishedSecret | null> {
    const found = await readSecret(this.client, this.namespace, this.name);
    return found && published(found);
  }

  readPrevious(): Promise<PublishedSecret | null> {
    return this.#backup.read();
  }

  async write(
    data: Record<string, Buffer>,
    annotations: Record<string, string>,
    expected: string | null,
  ): Promise<string> {
    const encoded = encode(data);
    if (expected === null) return this.create(encoded, annotations);

    const current = await readSecret(this.client, this.namespace, this.name);
    if (!current || current.metadata?.resourceVersion !== expected) {
      throw new ConflictError(`${this.subject} changed since it was read`);
    }
    await this.#backup.save(current);

    const metadata = current.metadata ?? {};
    const body: V1Secret = {
      ...current,
      metadata: {
        ...metadata,
        resourceVersion: expected,
        labels: this.labels(metadata.labels),
        annotations: mergeAnnotations(metadata.annotations, annotations),
        // Left out, the API server keeps the field ownership it has.
        managedFields: undefined,
      },
      type: current.type ?? 'Opaque',
      data: encoded,
      stringData: undefined,
    };
    const replaced = await this.client.write(
      { verb: 'replace', subject: this.subject },
      () =>
        this.client.request<V1Secret>('PUT', this.path, {
          query: { fieldManager: FIELD_MANAGER },
          body,
        }),
      () => this.appliedAs(encoded, expected),
    );
    return replaced.metadata?.resourceVersion ?? '';
  }

  private async create(encoded: Record<string, string>, annotations: Record<string, string>) {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGER },
        annotations: { ...annotations },
      },
      type: 'Opaque',
      data: encoded,
    };
    const created = await this.client.write(
      { verb: 'create', subject: this.subject },
      () =>
        this.client.request<V1Secret>('POST', this.collection, {
          query: { fieldManager: FIELD_MANAGER },
          body,
        }),
      () => this.appliedAs(encoded, null),
    );
    return created.metadata?.resourceVersion ?? '';
  }

  /** The Secret when it already holds `encoded` at a version past `expected`. */
  private async appliedAs(encoded: Record<string, string>, expected: string | null) {
    // One plain read: this check runs inside a retry of its own.
    const found = await this.client.request<V1Secret>('GET', this.path).catch((error: unknown) => {
      if (k8sStatusOf(error)?.code === 404) return undefined;
      throw error;
    });
    const version = found?.metadata?.resourceVersion;
    if (!found || version === undefined || version === expected) return undefined;
    return sameData(found.data ?? {}, encoded) ? found : undefined;
  }

  private labels(given: Record<string, string> | undefined): Record<string, string> {
    const manager = given?.[MANAGED_BY_LABEL];
    if (manager === undefined) return { ...given, [MANAGED_BY_LABEL]: MANAGER };
    if (manager !== MANAGER) {
      // Helm refuses to upgrade a release whose objects another manager claims: leave it.
      this.client.log.warn('the Secret is labelled as managed by another tool; label kept', {
        secret: this.ref,
        managedBy: manager,
      });
    }
    return { ...given };
  }

  private get collection(): string {
    return apiPath`/api/v1/namespaces/${this.namespace}/secrets`;
  }

  private get path(): string {
    return `${this.collection}/${encodeURIComponent(this.name)}`;
  }

  private get subject(): string {
    return `Secret ${this.namespace}/${this.name}`;
  }
}
