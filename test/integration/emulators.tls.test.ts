/**
 * Emulators served over HTTPS with a certificate made in the test, reached by the real
 * clients that trust it (and refused by one that does not).
 */
import { Agent } from 'node:https';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import vault from 'node-vault';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';
import type { TlsMaterial } from '../emulators/server.js';
import { loopbackTls } from '../emulators/tls.js';
import { VaultEmulator } from '../emulators/vault.js';

let tls: TlsMaterial;

beforeAll(async () => {
  tls = await loopbackTls();
});

describe('HTTPS emulators', () => {
  it('serves Vault, LIST included, to node-vault trusting the certificate', async () => {
    // Prepare
    const emulator = await VaultEmulator.start({ tls });
    emulator.secret('secret/hub/ca').write({ value: 'x' });
    const client = vault({
      endpoint: emulator.url,
      token: emulator.rootToken,
      requestOptions: { ca: tls.cert },
    });

    // Act
    const read = await client.read('secret/data/hub/ca');
    const listed = await client.list('secret/metadata/hub');
    await emulator.close();

    // Assess
    expect(emulator.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(read.data.data).toEqual({ value: 'x' });
    expect(listed.data.keys).toEqual(['ca']);
  });

  it('is refused by a client that does not trust the certificate', async () => {
    // Prepare
    const emulator = await VaultEmulator.start({ tls });
    const client = vault({ endpoint: emulator.url, token: emulator.rootToken });

    // Act
    const error = await client.read('secret/data/x').then(
      () => undefined,
      (e: unknown) => e,
    );
    await emulator.close();

    // Assess
    expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(emulator.requests).toEqual([]);
  });

  it('serves Kubernetes to client-node with the CA in the kubeconfig', async () => {
    // Prepare
    const emulator = await KubernetesEmulator.start({ tls });
    emulator.seed({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'ns' } });
    const config = new KubeConfig();
    config.loadFromString(kubeconfigFor(emulator, { ca: tls.cert }));

    // Act
    const read = await config
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 's', namespace: 'ns' });
    await emulator.close();

    // Assess
    expect(read.metadata?.name).toBe('s');
    expect(emulator.requests[0]?.headers.authorization).toBe('Bearer emulator-token');
  });

  it('serves Secrets Manager to the SDK through a trusting agent', async () => {
    // Prepare
    const emulator = await SecretsManagerEmulator.start({ tls });
    emulator.put('hubcerts/webhook', 'k');
    const client = new SecretsManagerClient({
      endpoint: emulator.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: { httpsAgent: new Agent({ ca: tls.cert }) },
    });

    // Act
    const answer = await client.send(new GetSecretValueCommand({ SecretId: 'hubcerts/webhook' }));
    client.destroy();
    await emulator.close();

    // Assess
    expect(answer.SecretString).toBe('k');
  });
});
