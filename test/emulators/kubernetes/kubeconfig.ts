/**
 * A kubeconfig that points `@kubernetes/client-node` (or kubectl) at an emulator. JSON is
 * valid YAML, so the text loads with `KubeConfig.loadFromString` and from a file alike.
 * client-node refuses a plain `http://` server unless `insecure-skip-tls-verify` is set, so
 * the config sets it whenever there is no CA to verify against.
 */

export interface KubeconfigOptions {
  /** Bearer token the client sends; default `emulator-token`. */
  token?: string;
  /** The context's default namespace. */
  namespace?: string;
  /** PEM of the CA that signed the emulator's certificate (for an HTTPS emulator). */
  ca?: string;
}

export function kubeconfigFor(emulator: { url: string }, options: KubeconfigOptions = {}): string {
  const cluster: Record<string, unknown> = { server: emulator.url };
  if (options.ca !== undefined) {
    cluster['certificate-authority-data'] = Buffer.from(options.ca).toString('base64');
  } else {
    cluster['insecure-skip-tls-verify'] = true;
  }
  const context: Record<string, unknown> = { cluster: 'emulator', user: 'emulator' };
  if (options.namespace !== undefined) context['namespace'] = options.namespace;
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'emulator', cluster }],
      users: [{ name: 'emulator', user: { token: options.token ?? 'emulator-token' } }],
      contexts: [{ name: 'emulator', context }],
      'current-context': 'emulator',
    },
    null,
    2,
  );
}
