import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkiError } from '../../lib/errors.js';
import { toPem } from '../../lib/pki/pem.js';
import {
  importPrivateKey,
  isSignedBy,
  keyMatchesCertificate,
  toPkcs8Pem,
} from '../../lib/pki/verify.js';
import {
  certipyPair,
  makeCa,
  makeLeaf,
  opensslEncryptedKey,
  opensslPkcs1Key,
  opensslSec1Key,
  opensslV1Cert,
  type TestCa,
  type TestCert,
} from '../helpers/certs.js';

/** Every 16-character run of the base64 body, to prove none of it reached a message. */
function bodyChunks(pem: string): string[] {
  const body = pem.replace(/-----[^-]+-----|\s|Proc-Type:.*|DEK-Info:.*/g, '');
  return Array.from({ length: Math.floor(body.length / 16) }, (_, i) =>
    body.slice(i * 16, i * 16 + 16),
  );
}

function refusal(act: () => unknown): PkiError {
  try {
    act();
  } catch (error) {
    if (error instanceof PkiError) return error;
    throw error;
  }
  throw new Error('expected a PkiError, but nothing was thrown');
}

let ca: TestCa;
let impostorCa: TestCa;
let leaf: TestCert;
let legacy: TestCert;
let certipy: { ca: TestCert; leaf: TestCert };

beforeAll(async () => {
  ca = await makeCa({ name: 'proxy-client-ca', key: 'rsa' });
  impostorCa = await makeCa({ name: 'proxy-client-ca', key: 'ec' });
  leaf = await makeLeaf(ca, { name: 'proxy-client', dns: ['localhost'], ips: ['::1'] });
  legacy = opensslV1Cert('/CN=legacy');
  certipy = certipyPair(['DNS:localhost']);
});

describe('keyMatchesCertificate', () => {
  it('accepts the key a certificate was issued for, in any stored form', () => {
    expect(keyMatchesCertificate(leaf.pem, importPrivateKey(leaf.keyPem, 'leaf.key'))).toBe(true);
    expect(keyMatchesCertificate(legacy.pem, importPrivateKey(legacy.keyPem, 'v1.key'))).toBe(true);
    const certipyKey = importPrivateKey(certipy.leaf.keyPem, 'proxy-client.key');
    expect(keyMatchesCertificate(certipy.leaf.pem, certipyKey)).toBe(true);
  });

  it('rejects the key of another certificate, of the same or another type', () => {
    // Prepare
    const rsaKey = importPrivateKey(legacy.keyPem, 'legacy.key');

    // Act
    const sameType = keyMatchesCertificate(certipy.leaf.pem, rsaKey);
    const otherType = keyMatchesCertificate(leaf.pem, rsaKey);

    // Assess
    expect([sameType, otherType]).toEqual([false, false]);
  });

  it('refuses a public key and an unreadable certificate with a PkiError', () => {
    const key = importPrivateKey(leaf.keyPem, 'leaf.key');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    expect(() => keyMatchesCertificate(leaf.pem, publicKey)).toThrow(PkiError);
    expect(() => keyMatchesCertificate('not a certificate', key)).toThrow(PkiError);
  });
});

describe('isSignedBy', () => {
  it('confirms a leaf signed by its CA, modern and certipy-made', () => {
    expect(isSignedBy(leaf.pem, ca.pem)).toBe(true);
    expect(isSignedBy(certipy.leaf.pem, certipy.ca.pem)).toBe(true);
    expect(isSignedBy(legacy.pem, legacy.pem)).toBe(true);
  });

  it('rejects a CA with the same name but another key', () => {
    // Act
    const signed = isSignedBy(leaf.pem, impostorCa.pem);

    // Assess
    expect(signed).toBe(false);
  });

  it('rejects a CA that signed nothing of the kind', () => {
    expect(isSignedBy(leaf.pem, certipy.ca.pem)).toBe(false);
    expect(isSignedBy(ca.pem, leaf.pem)).toBe(false);
  });
});

describe('importPrivateKey', () => {
  it('reads PKCS#1, PKCS#8 and SEC1 keys', () => {
    // Prepare
    const pkcs1 = opensslPkcs1Key();
    const sec1 = opensslSec1Key();

    // Act
    const rsa = importPrivateKey(pkcs1, 'rsa.key');
    const pkcs8 = importPrivateKey(leaf.keyPem, 'leaf.key');
    const ec = importPrivateKey(sec1, 'ec.key');

    // Assess
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(sec1).toContain('BEGIN EC PRIVATE KEY');
    expect([rsa, pkcs8, ec].map((key) => [key.type, key.asymmetricKeyType])).toEqual([
      ['private', 'rsa'],
      ['private', 'ec'],
      ['private', 'ec'],
    ]);
  });

  it.each([
    ['PKCS#8', 'pkcs8'],
    ['PKCS#1', 'pkcs1'],
  ] as const)('refuses an encrypted %s key without quoting it', (_, form) => {
    // Prepare
    const encrypted = opensslEncryptedKey(legacy.keyPem, form);

    // Act
    const error = refusal(() => importPrivateKey(encrypted, 'vault:secret/ca#key'));

    // Assess
    expect(error.message).toBe(
      'vault:secret/ca#key holds an encrypted private key; hubcerts needs it unencrypted',
    );
  });

  it('refuses a damaged key, naming the source but never quoting the key', () => {
    // Prepare
    const der = Buffer.from(legacy.keyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const damaged = toPem('RSA PRIVATE KEY', der.subarray(0, der.length - 40));

    // Act
    const error = refusal(() => importPrivateKey(damaged, 'hub-ca/hub-ca.key'));

    // Assess
    expect(error.message).toMatch(/^hub-ca\/hub-ca\.key has a RSA PRIVATE KEY block/);
    for (const chunk of bodyChunks(damaged)) expect(error.message).not.toContain(chunk);
  });

  it('refuses text without a key, and text with two keys', () => {
    expect(() => importPrivateKey('garbage', 'a.key')).toThrow(/a\.key holds no private keys/);
    expect(() => importPrivateKey(leaf.pem, 'b.key')).toThrow(/b\.key holds no private keys/);
    const twoKeys = leaf.keyPem + legacy.keyPem;
    expect(() => importPrivateKey(twoKeys, 'c.key')).toThrow(/c\.key holds 2 private keys/);
  });
});

describe('toPkcs8Pem', () => {
  it('writes a PKCS#1 key as the same key in PKCS#8', () => {
    // Prepare
    const original = importPrivateKey(legacy.keyPem, 'legacy.key');

    // Act
    const pem = toPkcs8Pem(original);

    // Assess
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(importPrivateKey(pem, 'converted').equals(original)).toBe(true);
    expect(keyMatchesCertificate(legacy.pem, importPrivateKey(pem, 'converted'))).toBe(true);
  });

  it('refuses a public key', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    expect(() => toPkcs8Pem(publicKey)).toThrow(PkiError);
  });
});
