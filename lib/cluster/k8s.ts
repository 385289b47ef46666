/**
 * Publication `k8s:NAMESPACE/NAME`: the Secret in the cluster, the Deployments that mount
 * it (restarted in the same namespace), and the Lease that keeps changes one at a time.
 * `lib/backends.ts` loads this module only when such a reference is used, so the client
 * library costs nothing to file-only runs.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { BackendOptions, Publication } from '../backends.js';
import { ConfigError } from '../errors.js';
import { K8sClient, type K8sTuning, loadKubeConfig } from './k8s-client.js';
import { K8sLease } from './k8s-lease.js';
import { K8sSecret } from './k8s-secret.js';
import { K8sWorkloads } from './k8s-workloads.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** 253 less the nine characters of `-previous` and `hubcerts-`, which name its companions. */
const MAX_SECRET_NAME = 244;

export interface K8sRef {
  namespace: string;
  name: string;
}

/** Parses `NAMESPACE/NAME` (a leading `k8s:` is allowed) or refuses it with ConfigError. */
export function parseK8sRef(ref: string): K8sRef {
  const rest = ref.startsWith('k8s:') ? ref.slice(4) : ref;
  const refuse = (why: string) =>
    new ConfigError(`--secret ${JSON.stringify(`k8s:${rest}`)} is not k8s:NAMESPACE/NAME: ${why}`);
  const parts = rest.split('/');
  if (parts.length !== 2) throw refuse('expected exactly one "/"');
  const [namespace = '', name = ''] = parts;
  if (namespace.length > 63 || !DNS_LABEL.test(namespace)) {
    throw refuse(
      `namespace ${JSON.stringify(namespace)} must be a DNS label (lower-case letters, ` +
        'digits and "-", at most 63, starting and ending with a letter or digit)',
    );
  }
  if (name.length > MAX_SECRET_NAME || !DNS_SUBDOMAIN.test(name)) {
    throw refuse(
      `name ${JSON.stringify(name)} must be a DNS subdomain (lower-case letters, digits, ` +
        `"-" and ".", at most ${MAX_SECRET_NAME} characters here)`,
    );
  }
  return { namespace, name };
}

/** The publication for `ref` on the cluster `kubeConfig` points at; tests pass fast tuning. */
export function createK8sPublication(
  ref: string,
  kubeConfig: KubeConfig,
  tuning: Partial<K8sTuning> = {},
): Publication {
  const { namespace, name } = parseK8sRef(ref);
  const client = new K8sClient(kubeConfig, tuning);
  return {
    secret: new K8sSecret(client, namespace, name),
    lock: new K8sLease(client, namespace, name),
    workloads: new K8sWorkloads(client, namespace),
  };
}

/**
 * Opens `k8s:<rest>` with credentials from `options.kubeconfig`, else the `KUBECONFIG`
 * files in `options.env`, else the in-cluster service account.
 */
export async function openK8sPublication(
  rest: string,
  options: BackendOptions,
): Promise<Publication> {
  parseK8sRef(rest);
  const tuning: Partial<K8sTuning> = options.log ? { log: options.log } : {};
  return createK8sPublication(rest, loadKubeConfig(options), tuning);
}
