import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretManifest } from '../../lib/certset/manifest.js';
import { CA_NAMES, LEAF_ISSUER, LEAF_NAMES, TRUST_GRAPH } from '../../lib/certset/model.js';
import { hubcerts, run } from '../helpers/cli.js';
import { inventoryOf, tempDir, writeInventory } from '../helpers/hub.js';
import { requirePeer } from '../helpers/peers.js';

let dir: string;
let cleanup: () => Promise<void>;
let files: Record<string, string>;

beforeAll(async () => {
  requirePeer('openssl', ['version']);
  ({ dir, cleanup } = await tempDir('hubcerts-openssl-'));
  await writeInventory(
    join(dir, 'inventory.yaml'),
    inventoryOf(1, ['jwlogin01i', 'JWLOGIN02I', '10.1.2.3', '2001:DB8::0:1']),
  );
  const refs = [
    `--store=dir:${dir}/ca_certs`,
    `--secret=file:${dir}/secret.yaml`,
    `--inventory=file:${dir}/inventory.yaml`,
  ];
  const init = await hubcerts(['init', ...refs, '--key-type=rsa-2048']);
  expect(init.code, init.stderr).toBe(0);
  const data = parseSecretManifest(await readFile(join(dir, 'secret.yaml'), 'utf8'), 's').data;
  files = {};
  for (const [key, value] of Object.entries(data)) {
    files[key] = join(dir, key);
    await writeFile(files[key], value);
  }
});
afterAll(() => cleanup());

const openssl = (...args: string[]) => run('openssl', args);

describe('openssl on what hubcerts made', () => {
  it.each(LEAF_NAMES)(
    'verifies the %s leaf against its CA, for TLS server and client use',
    async (leaf) => {
      const ca = files[`${LEAF_ISSUER[leaf]}_${LEAF_ISSUER[leaf]}.crt`]!;
      const cert = files[`${leaf}_${leaf}.crt`]!;
      for (const purpose of ['sslserver', 'sslclient']) {
        const result = await openssl(
          'verify',
          '-x509_strict',
          '-purpose',
          purpose,
          '-CAfile',
          ca,
          cert,
        );
        expect(result.stdout.trim(), result.stderr).toBe(`${cert}: OK`);
      }
    },
  );

  it.each(CA_NAMES)('verifies every certificate of the %s bundle as a trusted root', async (ca) => {
    const bundle = files[`${ca}_trust.crt`]!;
    for (const member of TRUST_GRAPH[ca]) {
      const cert = files[`${member}_${member}.crt`]!;
      const result = await openssl('verify', '-x509_strict', '-CAfile', bundle, cert);
      expect(result.stdout.trim(), result.stderr).toBe(`${cert}: OK`);
    }
  });

  it('does not accept a leaf against a bundle that lacks its CA', async () => {
    const result = await openssl(
      'verify',
      '-CAfile',
      files['services-ca_trust.crt']!,
      files['proxy-client_proxy-client.crt']!,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/unable to get local issuer certificate/);
  });

  it('shows exactly the SAN list derived from the inventory', async () => {
    const result = await openssl(
      'x509',
      '-in',
      files['proxy-client_proxy-client.crt']!,
      '-noout',
      '-ext',
      'subjectAltName',
    );
    expect(result.stdout.trim().split('\n').at(-1)?.trim()).toBe(
      'IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost, DNS:hub, ' +
        'DNS:jwlogin01i, DNS:jwlogin02i, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:1',
    );
  });

  it('reads the keys as PKCS#8 RSA-2048 that match their certificates', async () => {
    const key = files['proxy-client_proxy-client.key']!;
    expect(await readFile(key, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const fromKey = await openssl('pkey', '-in', key, '-pubout');
    const fromCert = await openssl(
      'x509',
      '-in',
      files['proxy-client_proxy-client.crt']!,
      '-noout',
      '-pubkey',
    );
    expect(fromKey.stdout).toBe(fromCert.stdout);
    const text = await openssl('x509', '-in', files['hub-ca_hub-ca.crt']!, '-noout', '-text');
    expect(text.stdout).toMatch(/Version: 3 \(0x2\)/);
    expect(text.stdout).toMatch(/Public-Key: \(2048 bit\)/);
    expect(text.stdout).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
  });
});
