/**
 * Every hub Secret of a namespace, for a scan across many hubs: a chunked list that hands
 * out one page at a time, so a large fleet is never held in memory at once.
 *
 * A continue token that got too old (410 Expired, after etcd compaction) is not fatal: the
 * API server usually sends a fresh token that goes on where the old one stopped, and the
 * list goes on with it; without one the list starts again from the beginning. Either way a
 * Secret already handed out is not handed out twice (only the names are remembered).
 */
import type { V1Secret } from '@kubernetes/client-node';
import type { BackendOptions } from '../backends.js';
import { ConfigError } from '../errors.js';
import { apiPath, K8sClient, type K8sTuning, loadKubeConfig } from './k8s-client.js';
import { k8sStatusOf } from './k8s-errors.js';
import { published } from './k8s-secret-data.js';
import type { PublishedSecret } from './types.js';

/** A Secret found by a list, with where it lives. */
export interface ListedSecret extends PublishedSecret {
  namespace: string;
  name: string;
  labels: Record<string, string>;
}

/** How often one list may start over or jump ahead after 410 Expired before giving up. */
const MAX_EXPIRED = 3;

export class K8sFleet {
  constructor(private readonly client: K8sClient) {}

  /**
   * The Secrets of `namespace` matching `labelSelector` (`''`: all), in pages of at most
   * `pageSize`, as the API server returns them.
   */
  async *listSecrets(
    namespace: string,
    labelSelector: string,
    pageSize: number,
  ): AsyncGenerator<ListedSecret[], void, undefined> {
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new ConfigError(`the page size of a Secret list must be a whole number above 0`);
    }
    const action = { verb: 'list', subject: `Secrets in ${namespace}` };
    const secrets = apiPath`/api/v1/namespaces/${namespace}/secrets`;
    const handedOut = new Set<string>();
    let token: string | undefined;
    let expired = 0;
    for (;;) {
      let page: { items: V1Secret[]; metadata?: { continue?: string } };
      try {
        page = await this.client.call(action, () =>
          this.client.request<typeof page>('GET', secrets, {
            query: {
              labelSelector: labelSelector === '' ? undefined : labelSelector,
              limit: pageSize,
              continue: token,
            },
          }),
        );
      } catch (error) {
        const status = k8sStatusOf(error);
        if (status?.code !== 410 || expired >= MAX_EXPIRED) throw error;
        expired += 1;
        token = status.continueToken;
        this.client.log.warn('Secret list continue token expired; going on', {
          namespace,
          from: token === undefined ? 'the start' : 'a fresh token',
        });
        continue;
      }

      const fresh = page.items.filter((item) => !handedOut.has(item.metadata?.name ?? ''));
      for (const item of fresh) handedOut.add(item.metadata?.name ?? '');
      if (fresh.length > 0) yield fresh.map((item) => listed(item, namespace));
      token = page.metadata?.continue || undefined;
      if (token === undefined) return;
    }
  }
}

/** A fleet lister for the cluster the backend options point at. */
export function openK8sFleet(options: BackendOptions, tuning: Partial<K8sTuning> = {}): K8sFleet {
  const log = options.log ?? tuning.log;
  return new K8sFleet(new K8sClient(loadKubeConfig(options), { ...tuning, ...(log && { log }) }));
}

function listed(secret: V1Secret, namespace: string): ListedSecret {
  return {
    ...published(secret),
    namespace: secret.metadata?.namespace ?? namespace,
    name: secret.metadata?.name ?? '',
    labels: { ...secret.metadata?.labels },
  };
}
