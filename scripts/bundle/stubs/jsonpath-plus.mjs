// client-node's legacy azure and gcp auth providers (removed from kubectl in Kubernetes 1.26).
import notBundled from './not-bundled.cjs';

export function JSONPath() {
  throw notBundled('The azure and gcp auth providers of a kubeconfig');
}
