/**
 * Trust-bundle copies in the cluster (`NAMESPACE/configmap/NAME#KEY`,
 * `NAMESPACE/secret/NAME#KEY`): a ConfigMap or Secret in another namespace (lab job
 * templates, a monitoring stack) that carries a copy of one bundle under one key. Only
 * that key is changed; every other key, label and annotation stays. Writes are conditional
 * on the resourceVersion read, through the shared client with its retry rules.
 */
import type { V1ConfigMap, V1Secret } from '@kubernetes/client-node';
import type { BackendOptions } from '../backends.js';
import type { CaName } from '../certset/model.js';
import { ConflictError } from '../errors.js';
import type { ConsumerRef } from './consumer-ref.js';
import { apiPath, K8sClient, type K8sTuning, loadKubeConfig } from './k8s-client.js';
import { k8sStatusOf } from './k8s-errors.js';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGER } from './k8s-secret-data.js';
import type { BundleConsumer } from './types.js';

type K8sConsumerRef = Extract<ConsumerRef, { kind: 'k8s' }>;
type Carrier = V1ConfigMap | V1Secret;

/** One bundle copy under one key of a ConfigMap or Secret. */
export class K8sConsumer implements BundleConsumer {
  readonly ref: string;
  readonly bundle: CaName;

  constructor(
    private readonly client: K8sClient,
    private readonly target: K8sConsumerRef,
  ) {
    this.ref = target.ref;
    this.bundle = target.bundle;
  }

  async read(): Promise<{ pem: string; version: string } | null> {
    const found = await this.client.call({ verb: 'read', subject: this.subject }, () =>
      this.fetch(),
    );
    if (!found) return null;
    return { pem: this.valueOf(found) ?? '', version: found.metadata?.resourceVersion ?? '' };
  }

  async write(pem: string, expected: string | null): Promise<string> {
    const { namespace, name, key } = this.target;
    const query = { fieldManager: FIELD_MANAGER };
    const applied = async () => {
      const found = await this.fetch();
      return found && this.valueOf(found) === pem ? found : undefined;
    };
    if (expected === null) {
      const body = { metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGER } } };
      const created = await this.client.write(
        { verb: 'create', subject: this.subject },
        () =>
          this.client.request<Carrier>('POST', this.collection, {
            query,
            body: this.isSecret
              ? { ...body, type: 'Opaque', data: { [key]: base64(pem) } }
              : { ...body, data: { [key]: pem } },
          }),
        applied,
      );
      return created.metadata?.resourceVersion ?? '';
    }

    const current = await this.client.call({ verb: 'read', subject: this.subject }, () =>
      this.fetch(),
    );
    if (current?.metadata?.resourceVersion !== expected) {
      throw new ConflictError(`${this.subject} changed since it was read`);
    }
    const metadata = { ...current.metadata, managedFields: undefined };
    const replaced = await this.client.write(
      { verb: 'replace', subject: this.subject },
      () =>
        this.client.request<Carrier>('PUT', this.path, {
          query,
          body: {
            ...current,
            metadata,
            data: { ...current.data, [key]: this.isSecret ? base64(pem) : pem },
          },
        }),
      applied,
    );
    return replaced.metadata?.resourceVersion ?? '';
  }

  /** One plain read; null when the object does not exist. */
  private async fetch(): Promise<Carrier | null> {
    try {
      return await this.client.request<Carrier>('GET', this.path);
    } catch (error) {
      if (k8sStatusOf(error)?.code === 404) return null;
      throw error;
    }
  }

  private valueOf(found: Carrier): string | undefined {
    const value = found.data?.[this.target.key];
    if (value === undefined) return undefined;
    return this.isSecret ? Buffer.from(value, 'base64').toString('utf8') : value;
  }

  /** The Secrets or ConfigMaps of the target's namespace. */
  private get collection(): string {
    const { namespace } = this.target;
    return this.isSecret
      ? apiPath`/api/v1/namespaces/${namespace}/secrets`
      : apiPath`/api/v1/namespaces/${namespace}/configmaps`;
  }

  private get path(): string {
    return `${this.collection}/${encodeURIComponent(this.target.name)}`;
  }

  private get isSecret(): boolean {
    return this.target.resource === 'secret';
  }

  private get subject(): string {
    const kind = this.isSecret ? 'Secret' : 'ConfigMap';
    return `${kind} ${this.target.namespace}/${this.target.name} (key ${this.target.key})`;
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The cluster consumers of `refs`, sharing one client; tests pass fast tuning. */
export function openK8sConsumers(
  refs: readonly K8sConsumerRef[],
  options: BackendOptions,
  tuning: Partial<K8sTuning> = {},
): BundleConsumer[] {
  if (refs.length === 0) return [];
  const client = new K8sClient(loadKubeConfig(options), {
    ...(options.log ? { log: options.log } : {}),
    ...tuning,
  });
  return refs.map((ref) => new K8sConsumer(client, ref));
}
