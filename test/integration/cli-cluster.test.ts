import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { VaultEmulator } from '../emulators/vault.js';
import { hubcerts } from '../helpers/cli.js';
import { inventoryOf, tempDir, writeInventory } from '../helpers/hub.js';

let vault: VaultEmulator;
let k8s: KubernetesEmulator;
let dir: string;
let cleanup: () => Promise<void>;
let env: Record<string, string>;
const NODES = ['jwlogin01i', 'jwlogin02i'];
const REFS = [
  '--store=vault:secret/jupyterhub-ca_certs-dir#value',
  '--secret=k8s:jupyterjsc/internal-ssl',
];

beforeAll(async () => {
  [vault, k8s] = await Promise.all([
    VaultEmulator.start(),
    KubernetesEmulator.start({ autoCompleteRollouts: { afterReads: 1 } }),
  ]);
  ({ dir, cleanup } = await tempDir('hubcerts-cli-cluster-'));
  await writeFile(join(dir, 'kubeconfig'), kubeconfigFor(k8s));
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(1, NODES));
  k8s.seedDeployment('jupyterjsc', 'proxy', { replicas: 2 });
  env = { VAULT_ADDR: vault.url, VAULT_TOKEN: 'root', KUBECONFIG: join(dir, 'kubeconfig') };
});
afterAll(async () => {
  await Promise.all([vault?.close(), k8s?.close(), cleanup?.()]);
});

describe('hubcerts on Vault and the cluster', () => {
  it('creates the CA set in Vault and publishes the Secret to the cluster', async () => {
    const init = await hubcerts(
      ['init', ...REFS, `--inventory=file:${dir}/inventory.yaml`, '--key-type=ec-p256'],
      { env },
    );

    expect(init.code, init.stderr).toBe(0);
    expect(vault.secret('secret/jupyterhub-ca_certs-dir').exists).toBe(true);
    const secret = k8s.find('secrets', 'jupyterjsc', 'internal-ssl') as {
      data: Record<string, string>;
    };
    expect(Object.keys(secret.data)).toContain('proxy-client_proxy-client.crt');
  });

  it('scans both as OK', async () => {
    const scan = await hubcerts(['scan', ...REFS, `--inventory=file:${dir}/inventory.yaml`], {
      env,
    });
    expect(scan.code, scan.stdout + scan.stderr).toBe(0);
    expect(scan.stdout).toMatch(/status: OK/);
  });

  it('reissues for a new login node and restarts the proxy with the new fingerprint', async () => {
    await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(2, [...NODES, 'jwlogin03i']));
    const reissue = await hubcerts(
      [
        'reissue',
        ...REFS,
        `--inventory=file:${dir}/inventory.yaml`,
        '--restart=deployment/proxy',
        '--key-type=ec-p256',
        '--json',
      ],
      { env },
    );

    expect(reissue.code, reissue.stderr).toBe(0);
    const result = JSON.parse(reissue.stdout);
    expect(result).toMatchObject({
      outcome: 'applied',
      added: ['DNS:jwlogin03i'],
      restarted: ['deployment/proxy'],
    });
    const deployment = k8s.find('deployments', 'jupyterjsc', 'proxy') as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    expect(deployment.spec.template.metadata.annotations['hubcerts.io/proxy-client-sha256']).toBe(
      result.fingerprint,
    );
  });

  it('exports the cluster Secret as a manifest named after the reference', async () => {
    const exported = await hubcerts(['export', 'secret-manifest', ...REFS], { env });
    expect(exported.code, exported.stderr).toBe(0);
    const tail =
      '\nmetadata:\n  creationTimestamp: null\n  name: internal-ssl\n  namespace: jupyterjsc\n';
    expect(exported.stdout.slice(-tail.length)).toBe(tail);
  });
});
