/**
 * The backup Secret `<NAME>-previous`: a copy of the hub Secret as it was before hubcerts
 * replaced it, in the same namespace, so a failed rollout (or a person) can put the old
 * material back. A Secret keeps no history of its own, unlike Vault's versions.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { ClusterError, ConflictError } from '../errors.js';
import { apiPath, type K8sClient } from './k8s-client.js';
import {
  FIELD_MANAGER,
  MANAGED_BY_LABEL,
  MANAGER,
  published,
  readSecret,
} from './k8s-secret-data.js';
import type { PublishedSecret } from './types.js';

/** On the backup: the resourceVersion of the Secret whose data it holds. */
export const BACKUP_OF_ANNOTATION = 'hubcerts.io/backup-of-resource-version';

/** Name of the backup Secret of `name`. */
export function backupName(name: string): string {
  return `${name}-previous`;
}

export class SecretBackup {
  readonly name: string;

  constructor(
    private readonly client: K8sClient,
    readonly namespace: string,
    secretName: string,
  ) {
    this.name = backupName(secretName);
  }

  /** The data and annotations the Secret held before the last write, or null. */
  async read(): Promise<PublishedSecret | null> {
    const found = await readSecret(this.client, this.namespace, this.name);
    if (!found) return null;
    const previous = published(found);
    const { [BACKUP_OF_ANNOTATION]: _source, ...annotations } = previous.annotations;
    return { ...previous, annotations };
  }

  /**
   * Copies `current` here, creating or replacing the backup. A Secret of that name that
   * hubcerts did not make is refused rather than overwritten.
   */
  async save(current: V1Secret): Promise<void> {
    const existing = await readSecret(this.client, this.namespace, this.name);
    if (existing && existing.metadata?.labels?.[MANAGED_BY_LABEL] !== MANAGER) {
      throw new ClusterError(
        `Secret ${this.namespace}/${this.name} exists and is not managed by hubcerts; rename ` +
          `it, or label it ${MANAGED_BY_LABEL}=${MANAGER} to let hubcerts keep the previous ` +
          'data there',
      );
    }
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGER },
        annotations: {
          ...current.metadata?.annotations,
          [BACKUP_OF_ANNOTATION]: current.metadata?.resourceVersion ?? '',
        },
      },
      type: 'Opaque',
      data: current.data ?? {},
    };
    const action = {
      verb: 'save the previous data to',
      subject: `Secret ${this.namespace}/${this.name}`,
    };
    const secrets = apiPath`/api/v1/namespaces/${this.namespace}/secrets`;
    const secret = apiPath`/api/v1/namespaces/${this.namespace}/secrets/${this.name}`;
    const query = { fieldManager: FIELD_MANAGER };
    // The backup is hubcerts' own: an unconditional replace may be sent twice.
    const replace = () =>
      this.client.call(action, () => this.client.request<V1Secret>('PUT', secret, { query, body }));
    if (existing) {
      await replace();
      return;
    }
    try {
      await this.client.call(action, () =>
        this.client.request<V1Secret>('POST', secrets, { query, body }),
      );
    } catch (error) {
      // Created meanwhile, or by our own attempt whose answer was lost: replace it.
      if (!(error instanceof ConflictError)) throw error;
      await replace();
    }
  }
}
