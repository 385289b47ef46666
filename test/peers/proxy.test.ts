import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretManifest } from '../../lib/certset/manifest.js';
import { certificatesIn } from '../../lib/pki/pem.js';
import { hubcerts } from '../helpers/cli.js';
import { inventoryOf, tempDir, writeInventory } from '../helpers/hub.js';
import { type RunningProxy, startProxy, tlsHandshake } from './proxy-peer.js';

const NODES = ['jwlogin01i', 'jwlogin02i', 'jrlogin07.fz-juelich.de'];
let dir: string;
let cleanup: () => Promise<void>;
let proxy: RunningProxy;
let data: Record<string, Buffer>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-proxy-'));
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(1, ['jwlogin01i']));
  const refs = [`--store=dir:${dir}/ca_certs`, `--secret=file:${dir}/secret.yaml`];
  expect((await hubcerts(['init', ...refs, `--inventory=file:${dir}/inventory.yaml`])).code).toBe(
    0,
  );

  // Re-issue for a grown inventory, then serve exactly what the Secret holds.
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(2, NODES));
  const reissue = await hubcerts(['reissue', ...refs, `--inventory=file:${dir}/inventory.yaml`]);
  expect(reissue.code, reissue.stderr).toBe(0);
  data = parseSecretManifest(await readFile(join(dir, 'secret.yaml'), 'utf8'), 'secret.yaml').data;
  proxy = await startProxy(data, join(dir, 'mounted'));
});

afterAll(async () => {
  await proxy?.stop();
  await cleanup();
});

describe('configurable-http-proxy serving the re-issued proxy-client', () => {
  it.each(NODES)('lets a lab trusting only notebooks-ca_trust.crt connect as %s', async (name) => {
    const served = await tlsHandshake(proxy.port, name, data['notebooks-ca_trust.crt']!);
    expect(
      served.equals(certificatesIn(data['proxy-client_proxy-client.crt']!.toString())[0]!),
    ).toBe(true);
  });

  it('refuses a name that is not in the inventory', async () => {
    await expect(
      tlsHandshake(proxy.port, 'jwlogin99i', data['notebooks-ca_trust.crt']!),
    ).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('is not trusted by a client holding only another CA set', async () => {
    await expect(
      tlsHandshake(proxy.port, 'jwlogin01i', data['proxy-api-ca_proxy-api-ca.crt']!),
    ).rejects.toMatchObject({
      code: expect.stringMatching(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER/,
      ),
    });
  });
});
