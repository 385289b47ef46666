/**
 * The cluster transport of lib/cluster/k8s-client.ts: requests over node:https with what the
 * kubeconfig gives (CA, token, insecure-skip-tls-verify), connections kept alive between
 * calls, and a request that gets no answer failing as a network timeout the backends retry.
 */
import { createServer, type Server, connect as tcpConnect } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiPath, K8sClient, loadKubeConfig } from '../../lib/cluster/k8s-client.js';
import { ClusterError } from '../../lib/errors.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import type { TlsMaterial } from '../emulators/server.js';
import { loopbackTls } from '../emulators/tls.js';

const NS = 'jupyterjsc';
const ONE_ATTEMPT = { attempts: 1, baseMs: 1, maxDelayMs: 1, budgetMs: 1 };
let tls: TlsMaterial;
let emulator: KubernetesEmulator | undefined;

beforeAll(async () => {
  tls = await loopbackTls();
});

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

async function start(options: { tls?: TlsMaterial } = {}): Promise<KubernetesEmulator> {
  emulator = await KubernetesEmulator.start({ token: 'cluster-token', ...options });
  emulator.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'internal-ssl', namespace: NS },
    data: { 'a.crt': Buffer.from('certificate a').toString('base64') },
  });
  return emulator;
}

function clientFor(kubeconfig: string, tuning: ConstructorParameters<typeof K8sClient>[1] = {}) {
  return new K8sClient(loadKubeConfig({ env: {}, kubeconfig }), tuning);
}

const secretPath = apiPath`/api/v1/namespaces/${NS}/secrets/${'internal-ssl'}`;

describe('TLS and credentials from the kubeconfig', () => {
  it('trusts the CA the kubeconfig names and sends its token', async () => {
    // Prepare
    const cluster = await start({ tls });
    const client = clientFor(kubeconfigFor(cluster, { ca: tls.cert, token: 'cluster-token' }));

    // Act
    const secret = await client.request<{ metadata: { name: string } }>('GET', secretPath);

    // Assess
    expect(secret.metadata.name).toBe('internal-ssl');
    expect(cluster.requests[0]?.headers.authorization).toBe('Bearer cluster-token');
  });

  it('refuses a server whose certificate the kubeconfig does not trust', async () => {
    // Prepare
    const cluster = await start({ tls });
    const other = await loopbackTls();
    const client = clientFor(kubeconfigFor(cluster, { ca: other.cert, token: 'cluster-token' }));

    // Act
    const error = await client.request('GET', secretPath).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ code: expect.stringMatching(/CERT|SIGNATURE|ISSUER/) });
    expect(cluster.requests).toEqual([]);
  });

  it('sends the body with its content type and reads the answer as JSON', async () => {
    // Prepare
    const cluster = await start();
    const client = clientFor(kubeconfigFor(cluster, { token: 'cluster-token' }));
    const patch = { metadata: { annotations: { 'hubcerts.io/revision': '43' } } };

    // Act
    const patched = await client.request<{ metadata: { annotations: Record<string, string> } }>(
      'PATCH',
      secretPath,
      { body: patch, contentType: 'application/strategic-merge-patch+json' },
    );

    // Assess
    expect(patched.metadata.annotations['hubcerts.io/revision']).toBe('43');
    expect(cluster.requests[0]?.headers['content-type']).toBe(
      'application/strategic-merge-patch+json',
    );
    expect(cluster.requests[0]?.body).toEqual(patch);
  });
});

describe('connections', () => {
  it('keeps one connection alive across the calls of a client', async () => {
    // Prepare
    const cluster = await start({ tls });
    const client = clientFor(kubeconfigFor(cluster, { ca: tls.cert, token: 'cluster-token' }));

    // Act
    for (let i = 0; i < 4; i++) await client.request('GET', secretPath);

    // Assess
    expect(cluster.requests).toHaveLength(4);
    expect(cluster.connectionsOpened).toBe(1);
  });

  it('fails a request that gets no answer in time as a timeout the backends retry', async () => {
    // Prepare
    const cluster = await start();
    cluster.faults.add({ match: { path: secretPath }, fault: { latencyMs: 2_000 } });
    const client = clientFor(kubeconfigFor(cluster, { token: 'cluster-token' }), {
      requestTimeoutMs: 100,
      retry: ONE_ATTEMPT,
    });
    const action = { verb: 'read', subject: `Secret ${NS}/internal-ssl` };

    // Act
    const error = await client
      .call(action, () => client.request('GET', secretPath))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ClusterError);
    expect((error as Error).message).toBe(
      `could not read Secret ${NS}/internal-ssl: the cluster did not answer (ETIMEDOUT)`,
    );
  });
});

/** An HTTP proxy that tunnels CONNECT requests, as a site's egress proxy does. */
async function startTunnelProxy(): Promise<{ url: string; tunnels: string[]; server: Server }> {
  const tunnels: string[] = [];
  const server = createServer((client) => {
    client.once('data', (head) => {
      const [method, target = ''] = head.toString('latin1').split(' ');
      if (method !== 'CONNECT') return void client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
      tunnels.push(target);
      const [host = '', port = ''] = target.split(':');
      const upstream = tcpConnect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, tunnels, server };
}

describe('a proxy-url in the kubeconfig', () => {
  it('reaches the API server through the proxy, TLS end to end', async () => {
    // Prepare
    const cluster = await start({ tls });
    const proxy = await startTunnelProxy();
    const config = JSON.parse(kubeconfigFor(cluster, { ca: tls.cert, token: 'cluster-token' }));
    config.clusters[0].cluster['proxy-url'] = proxy.url;
    const client = clientFor(JSON.stringify(config));

    // Act
    const secret = await client
      .request<{ metadata: { name: string } }>('GET', secretPath)
      .finally(() => proxy.server.close());

    // Assess
    expect(secret.metadata.name).toBe('internal-ssl');
    expect(proxy.tunnels).toEqual([new URL(cluster.url).host]);
    expect(cluster.requests[0]?.headers.authorization).toBe('Bearer cluster-token');
  });
});
