import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretManifest } from '../../lib/certset/manifest.js';
import { certificatesIn } from '../../lib/pki/pem.js';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';
import { hubcerts } from '../helpers/cli.js';
import { inventoryOf, tempDir, writeInventory } from '../helpers/hub.js';
import { type RunningProxy, startProxy, tlsHandshake } from './proxy-peer.js';

const NODES = ['jwlogin01i', 'jwlogin02i'];
let dir: string;
let cleanup: () => Promise<void>;
let jupyterhub: JupyterHubEmulator;
let proxy: RunningProxy | undefined;
let refs: string[];
let env: Record<string, string>;
let oldData: Record<string, Buffer>;
let newData: Record<string, Buffer>;
let planId: string;

/** How Node names a certificate that does not chain to a trusted CA. */
const UNTRUSTED = expect.stringMatching(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER/);

const secretData = async () =>
  parseSecretManifest(await readFile(join(dir, 'secret.yaml'), 'utf8'), 'secret.yaml').data;
const bundleCopy = () => readFile(join(dir, 'jobs', 'notebooks-ca_trust.crt'), 'utf8');
const leafDer = (data: Record<string, Buffer>) =>
  certificatesIn(data['proxy-client_proxy-client.crt']!.toString())[0]!;

/** What a restart of the proxy pod does: serve the Secret as it is now. */
async function restartProxy(mount: string) {
  await proxy?.stop();
  proxy = await startProxy(await secretData(), join(dir, mount));
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-rotate-proxy-'));
  jupyterhub = await JupyterHubEmulator.start();
  env = { HUBCERTS_HUB_API: jupyterhub.url, HUBCERTS_HUB_API_TOKEN: 'hub-token' };
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(1, NODES));
  refs = [
    `--store=dir:${dir}/ca_certs`,
    `--secret=file:${dir}/secret.yaml`,
    `--inventory=file:${dir}/inventory.yaml`,
    `--consumers=file:${dir}/jobs/notebooks-ca_trust.crt`,
  ];
  const init = await hubcerts(['init', ...refs.slice(0, 3)]);
  expect(init.code, init.stderr).toBe(0);
  oldData = await secretData();
  await restartProxy('mounted-0');
});

afterAll(async () => {
  await proxy?.stop();
  await jupyterhub.close();
  await cleanup();
});

describe('a CA rotation through the CLI, served by configurable-http-proxy', () => {
  it(
    'serves the old proxy-client to a lab holding the old bundle ' + 'before the rotation',
    async () => {
      // Act
      const served = await tlsHandshake(
        proxy!.port,
        'jwlogin01i',
        oldData['notebooks-ca_trust.crt']!,
      );

      // Assess
      expect(served.equals(leafDer(oldData))).toBe(true);
    },
  );

  it('plans a rotation with no blockers while no lab runs', async () => {
    // Act
    const plan = await hubcerts(['rotate', 'plan', ...refs, '--planned-by=alice', '--json'], {
      env,
    });

    // Assess
    expect(plan.code, plan.stderr).toBe(0);
    const result = JSON.parse(plan.stdout);
    expect(result.blockers).toEqual([]);
    expect(plan.stdout).not.toContain('PRIVATE KEY');
    planId = result.plan.planId;
  });

  it('refuses an apply while a lab runs, with exit 1 and nothing changed', async () => {
    // Prepare
    jupyterhub.addUser('dave', { servers: { '': {} } });
    const confirm = `--confirm=rotate file:${dir}/secret.yaml`;
    const args = ['rotate', 'apply', ...refs, `--plan-id=${planId}`, confirm, '--approved-by=bob'];

    // Act
    const refused = await hubcerts(args, { env });
    jupyterhub.removeUser('dave');

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/1 lab server\(s\) are running or starting \(dave\)/);
    expect(await secretData()).toEqual(oldData);
  });

  it('applies the plan, and the restarted proxy serves the new proxy-client', async () => {
    // Prepare
    const confirm = `--confirm=rotate file:${dir}/secret.yaml`;
    const args = ['rotate', 'apply', ...refs, `--plan-id=${planId}`, confirm, '--approved-by=bob'];

    // Act
    const applied = await hubcerts(args, { env });
    await restartProxy('mounted-1');

    // Assess: a lab given the new bundle (the copy hubcerts wrote) connects
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Restart every lab started before/);
    newData = await secretData();
    const served = await tlsHandshake(proxy!.port, 'jwlogin01i', await bundleCopy());
    expect(served.equals(leafDer(newData))).toBe(true);
  });

  it('is no longer trusted by a lab that holds only the old bundle', async () => {
    // Act
    const handshake = tlsHandshake(proxy!.port, 'jwlogin01i', oldData['notebooks-ca_trust.crt']!);

    // Assess
    await expect(handshake).rejects.toMatchObject({ code: UNTRUSTED });
  });

  it('rolls back, and the restarted proxy serves the old proxy-client again', async () => {
    // Prepare
    const confirm = `--confirm=rollback file:${dir}/secret.yaml`;
    const args = ['rotate', 'rollback', ...refs, `--plan-id=${planId}`, confirm, '--reason=test'];

    // Act
    const rolledBack = await hubcerts(args, { env });
    await restartProxy('mounted-2');

    // Assess
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(await secretData()).toEqual(oldData);
    expect(await bundleCopy()).toBe(oldData['notebooks-ca_trust.crt']!.toString());
    const served = await tlsHandshake(proxy!.port, 'jwlogin02i', await bundleCopy());
    expect(served.equals(leafDer(oldData))).toBe(true);
  });

  it('is no longer trusted by a lab that holds only the new bundle', async () => {
    // Act
    const handshake = tlsHandshake(proxy!.port, 'jwlogin01i', newData['notebooks-ca_trust.crt']!);

    // Assess
    await expect(handshake).rejects.toMatchObject({ code: UNTRUSTED });
  });
});
