// client-node's OIDC auth provider, for kubeconfig users with `auth-provider: oidc`.
import notBundled from './not-bundled.cjs';

export const customFetch = Symbol('customFetch');

export function discovery() {
  throw notBundled('The OIDC auth provider of a kubeconfig');
}

export function refreshTokenGrant() {
  throw notBundled('The OIDC auth provider of a kubeconfig');
}
