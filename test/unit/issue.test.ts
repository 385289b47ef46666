import { type KeyObject, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { inspectPem } from '../../lib/pki/inspect.js';
import { createCa, issueLeaf, loadX509 } from '../../lib/pki/issue.js';
import { generateKey, type KeySpec, parseKeySpec, specOf } from '../../lib/pki/keys.js';
import { importPrivateKey, isSignedBy, keyMatchesCertificate } from '../../lib/pki/verify.js';
import { NOW } from '../helpers/hub.js';

async function caAndLeaf(
  spec: KeySpec,
  sans = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', 'DNS:jwlogin01i'],
) {
  const caKeys = await generateKey(spec);
  const caPem = await createCa({
    commonName: 'proxy-client-ca',
    keys: caKeys,
    days: 1826,
    now: NOW,
  });
  const leafKeys = await generateKey(spec);
  const leafPem = await issueLeaf({
    commonName: 'proxy-client',
    publicKey: leafKeys.publicKey,
    sans,
    days: 90,
    now: NOW,
    issuer: { certPem: caPem, privateKey: caKeys.privateKey },
  });
  return { caPem, caKeys, leafPem, leafKeys };
}

describe('CA creation', () => {
  it('makes a version-3 CA with SKI, CA:TRUE pathlen 0 and certificate signing', async () => {
    const { caPem } = await caAndLeaf('ec-p256');
    const x509 = await loadX509();
    const cert = new x509.X509Certificate(caPem);

    const info = inspectPem(caPem);
    expect(info.version).toBe(3);
    expect(info.isCa).toBe(true);
    expect(info.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(info.legacy).toEqual([]);
    const basic = cert.getExtension(x509.BasicConstraintsExtension);
    expect(basic?.critical).toBe(true);
    expect(basic?.pathLength).toBe(0);
    const usage = cert.getExtension(x509.KeyUsagesExtension);
    expect(usage?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(info.notAfter.getTime() - NOW.getTime()).toBe(1826 * 86_400_000);
  });

  it('gives every certificate a different positive serial', async () => {
    const keys = await generateKey('ec-p256');
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const pem = await createCa({ commonName: 'x', keys, days: 1, now: NOW });
      const serial = inspectPem(pem).serial;
      expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
      expect(serial).not.toMatch(/^0+$/);
      serials.add(serial);
    }
    expect(serials.size).toBe(5);
  });

  it('refuses a lifetime that is not a positive number of days', async () => {
    const keys = await generateKey('ec-p256');
    await expect(createCa({ commonName: 'x', keys, days: 0, now: NOW })).rejects.toThrow(
      /lifetime must be a positive number of days/,
    );
  });
});

describe('leaf issuance', () => {
  it.each(['rsa-2048', 'ec-p256', 'ec-p384'] as const)(
    'issues a %s leaf that chains to its CA, matches its key and names the SANs in order',
    async (spec) => {
      const { caPem, leafPem, leafKeys } = await caAndLeaf(spec);

      expect(isSignedBy(leafPem, caPem)).toBe(true);
      expect(keyMatchesCertificate(leafPem, leafKeys.privateKey)).toBe(true);
      const info = inspectPem(leafPem);
      expect(info.sans).toEqual(['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', 'DNS:jwlogin01i']);
      expect(info.isCa).toBe(false);
      expect(info.keyAlgorithm).toBe(spec);
    },
  );

  it('carries an AKI equal to the CA SKI and EKU serverAuth + clientAuth', async () => {
    const { caPem, leafPem } = await caAndLeaf('ec-p256');
    const x509 = await loadX509();
    const leaf = new x509.X509Certificate(leafPem);

    expect(inspectPem(leafPem).authorityKeyId).toBe(inspectPem(caPem).subjectKeyId);
    const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension);
    expect(eku?.usages).toEqual([
      x509.ExtendedKeyUsage.serverAuth,
      x509.ExtendedKeyUsage.clientAuth,
    ]);
    expect(new X509Certificate(leafPem).issuer).toBe('CN=proxy-client-ca');
  });

  it('refuses to issue a leaf without SANs', async () => {
    await expect(caAndLeaf('ec-p256', [])).rejects.toThrow(/at least one SAN/);
  });
});

describe('key types', () => {
  it.each(['rsa-2048', 'rsa-3072', 'ec-p256', 'ec-p384'] as const)(
    'generates and recognises %s',
    async (spec) => {
      const key = await generateKey(spec);
      expect(specOf(key.privateKey)).toBe(spec);
    },
  );

  it('names the allowed key types when given another', () => {
    expect(() => parseKeySpec('dsa-1024', 'HUBCERTS_KEY_TYPE')).toThrowError(
      /HUBCERTS_KEY_TYPE "dsa-1024" is not one of rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384/,
    );
  });

  it('imports a PKCS#1 key as the CA key for issuing', async () => {
    const caKeys = await generateKey('rsa-2048');
    const pkcs1 = caKeys.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    const caPem = await createCa({ commonName: 'legacy', keys: caKeys, days: 10, now: NOW });
    const leafKeys = await generateKey('rsa-2048');

    const leafPem = await issueLeaf({
      commonName: 'proxy-client',
      publicKey: leafKeys.publicKey,
      sans: ['DNS:localhost'],
      days: 1,
      now: NOW,
      issuer: { certPem: caPem, privateKey: importPrivateKey(pkcs1, 'legacy key') },
    });
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(isSignedBy(leafPem, caPem)).toBe(true);
  });
});

describe('a leaf whose key is still being made', () => {
  /** A P-256 CA, and a leaf request from it whose key is `publicKey`. */
  async function pendingLeaf(publicKey: Promise<KeyObject>) {
    const caKeys = await generateKey('ec-p256');
    const caPem = await createCa({
      commonName: 'proxy-client-ca',
      keys: caKeys,
      days: 9,
      now: NOW,
    });
    const request = {
      commonName: 'proxy-client',
      publicKey,
      sans: ['DNS:jwlogin01i'],
      days: 1,
      now: NOW,
      issuer: { certPem: caPem, privateKey: caKeys.privateKey },
    };
    return { caPem, request };
  }

  it('is issued for the key the promise brings, once it comes', async () => {
    // Prepare
    const leafKeys = generateKey('ec-p256');
    const { caPem, request } = await pendingLeaf(leafKeys.then((keys) => keys.publicKey));

    // Act
    const leafPem = await issueLeaf(request);

    // Assess
    expect(keyMatchesCertificate(leafPem, (await leafKeys).privateKey)).toBe(true);
    expect(isSignedBy(leafPem, caPem)).toBe(true);
  });

  it('fails with the key generation error when the key cannot be made', async () => {
    // Prepare
    const failed = Promise.reject(new Error('no entropy'));
    failed.catch(() => {});
    const { request } = await pendingLeaf(failed);

    // Act
    const failure = issueLeaf(request);

    // Assess
    await expect(failure).rejects.toThrow('no entropy');
  });
});
