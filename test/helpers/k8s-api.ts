/**
 * The real @kubernetes/client-node API clients aimed at a Kubernetes emulator, and the
 * error they throw read back as the API server's Status, for the emulator's own tests.
 */
import {
  type ApiConstructor,
  ApiException,
  type ApiType,
  KubeConfig,
} from '@kubernetes/client-node';
import { type KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';

/** A generated API client (CoreV1Api, AppsV1Api, …) for `emulator`. */
export function apiClient<T extends ApiType>(
  emulator: KubernetesEmulator,
  Api: ApiConstructor<T>,
): T {
  const config = new KubeConfig();
  config.loadFromString(kubeconfigFor(emulator));
  return config.makeApiClient(Api);
}

/** The ApiException `promise` rejects with: its code, its Status body and its headers. */
export async function statusOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiException)) throw new Error(`expected an ApiException: ${error}`);
  return { code: error.code, body: JSON.parse(error.body as string), headers: error.headers };
}
