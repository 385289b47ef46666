/**
 * How a Secret object of the cluster maps to what the workflows see: data decoded from
 * base64, annotations, the resourceVersion as the version; and the metadata rules hubcerts
 * applies when it writes one.
 */
import type { V1Secret } from '@kubernetes/client-node';
import { apiPath, type K8sClient } from './k8s-client.js';
import { k8sStatusOf } from './k8s-errors.js';
import type { PublishedSecret } from './types.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGER = 'hubcerts';
/** Shown in `metadata.managedFields`, so `kubectl` tells who wrote which field. */
export const FIELD_MANAGER = 'hubcerts';
const OWN_ANNOTATION_PREFIX = 'hubcerts.io/';

/** The Secret `namespace/name`, or null when it does not exist. */
export async function readSecret(
  client: K8sClient,
  namespace: string,
  name: string,
): Promise<V1Secret | null> {
  try {
    return await client.call({ verb: 'read', subject: `Secret ${namespace}/${name}` }, () =>
      client.request<V1Secret>('GET', apiPath`/api/v1/namespaces/${namespace}/secrets/${name}`),
    );
  } catch (error) {
    if (k8sStatusOf(error)?.code === 404) return null;
    throw error;
  }
}

/** A Secret as read: data decoded from base64, every annotation, resourceVersion. */
export function published(secret: V1Secret): PublishedSecret {
  const data: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    data[key] = Buffer.from(value, 'base64');
  }
  return {
    data,
    annotations: { ...secret.metadata?.annotations },
    version: secret.metadata?.resourceVersion ?? '',
  };
}

export function encode(data: Record<string, Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')]));
}

/**
 * The annotations to write: those of others kept, hubcerts' own (`hubcerts.io/…`) exactly
 * as given. A key hubcerts no longer gives must go, or a restored Secret could keep the
 * revision of the change that was rolled back.
 */
export function mergeAnnotations(
  current: Record<string, string> | undefined,
  given: Record<string, string>,
): Record<string, string> {
  const kept = Object.entries(current ?? {}).filter(([k]) => !k.startsWith(OWN_ANNOTATION_PREFIX));
  return { ...Object.fromEntries(kept), ...given };
}

export function sameData(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
