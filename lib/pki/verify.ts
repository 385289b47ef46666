/**
 * The exact checks, done by OpenSSL through node:crypto: does a key belong to a certificate,
 * did a CA sign a certificate, and loading private keys in every form production holds
 * (PKCS#1 from older certipy and `openssl genrsa`, PKCS#8, SEC1). These run before anything
 * is written, so they favour exactness over the speed of `inspect.ts`.
 *
 * Messages never quote key material: they name the source and the PEM label only.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { PkiError } from '../errors.js';
import { splitPem } from './pem.js';

/** The private-key PEM labels that can be read without a passphrase, and their DER form. */
const KEY_FORMS: Readonly<Record<string, 'pkcs1' | 'pkcs8' | 'sec1'>> = {
  'RSA PRIVATE KEY': 'pkcs1',
  'PRIVATE KEY': 'pkcs8',
  'EC PRIVATE KEY': 'sec1',
};

// RFC 1421 headers that OpenSSL writes into a passphrase-protected PKCS#1 or SEC1 block.
const LEGACY_ENCRYPTION = /^Proc-Type:\s*4,\s*ENCRYPTED/m;

function parseCertificate(pem: string, role: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new PkiError(`The ${role} certificate cannot be read by OpenSSL`, { cause: error });
  }
}

/** True when `key` is the private key of the certificate in `certPem`. */
export function keyMatchesCertificate(certPem: string, key: KeyObject): boolean {
  if (key.type !== 'private') throw new PkiError('A private key is needed to match a certificate');
  return parseCertificate(certPem, 'checked').checkPrivateKey(key);
}

/**
 * True when the CA in `caPem` issued the certificate in `certPem`: the names and key
 * identifiers link them (OpenSSL's check_issued, which also wants keyCertSign on a v3 CA)
 * and the signature verifies with the CA's public key.
 */
export function isSignedBy(certPem: string, caPem: string): boolean {
  const cert = parseCertificate(certPem, 'checked');
  const ca = parseCertificate(caPem, 'CA');
  return cert.checkIssued(ca) && cert.verify(ca.publicKey);
}

/**
 * The one private key in `pem`: PKCS#1, PKCS#8 or SEC1. Encrypted keys, several keys, and
 * anything unreadable are refused with a PkiError that names `source`.
 */
export function importPrivateKey(pem: string, source: string): KeyObject {
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || LEGACY_ENCRYPTION.test(pem)) {
    throw new PkiError(`${source} holds an encrypted private key; hubcerts needs it unencrypted`);
  }
  const keys = splitPem(pem, source).filter((block) => KEY_FORMS[block.label] !== undefined);
  if (keys.length !== 1) {
    const found = keys.length === 0 ? 'no' : `${keys.length}`;
    throw new PkiError(`${source} holds ${found} private keys; exactly one is expected`);
  }
  const { label, der } = keys[0]!;
  try {
    return createPrivateKey({ key: der, format: 'der', type: KEY_FORMS[label]! });
  } catch (error) {
    throw new PkiError(`${source} has a ${label} block that is not a valid key`, {
      cause: error,
    });
  }
}

/** The key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), the form hubcerts writes. */
export function toPkcs8Pem(key: KeyObject): string {
  if (key.type !== 'private') throw new PkiError('Only a private key can be written as PKCS#8');
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}
