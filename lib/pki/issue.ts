/**
 * CA creation and leaf issuance with the certipy profile plus what modern clients expect
 * (design section 3): version 3, random positive serials, SKI on CAs, AKI on leaves,
 * EKU serverAuth + clientAuth. The certificate library is loaded on first use, because
 * importing it costs about 0.2 s and most commands never issue anything.
 */
import { type KeyObject, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type RsaHashedImportParams = webcrypto.RsaHashedImportParams;
type EcKeyImportParams = webcrypto.EcKeyImportParams;
type EcdsaParams = webcrypto.EcdsaParams;
type Algorithm = webcrypto.Algorithm;

import { PkiError } from '../errors.js';
import { splitSan } from './names.js';

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

/** Loads @peculiar/x509 once; `reflect-metadata` must be in place before it. */
export function loadX509(): Promise<X509Module> {
  x509Module ??= (async () => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return x509Module;
}

export interface KeyPairObjects {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CaRequest {
  commonName: string;
  keys: KeyPairObjects;
  days: number;
  now: Date;
}

export interface LeafRequest {
  commonName: string;
  /** The leaf's key; while a new one is still being made, the rest of the work goes ahead. */
  publicKey: KeyObject | Promise<KeyObject>;
  /** SANs as `DNS:name` / `IP:address`, in the order they are to appear. */
  sans: readonly string[];
  days: number;
  now: Date;
  issuer: { certPem: string; privateKey: KeyObject };
}

/**
 * Certificates start a minute in the past so that a peer whose clock is slightly behind
 * does not reject a certificate issued a moment ago.
 */
const BACKDATE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A self-signed CA: basicConstraints CA:TRUE pathlen 0, keyCertSign + cRLSign, SKI. */
export async function createCa(request: CaRequest): Promise<string> {
  const x509 = await loadX509();
  const publicKey = await toWebPublicKey(request.keys.publicKey);
  const signingKey = await toWebPrivateKey(request.keys.privateKey);
  const flags = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${request.commonName}`,
    issuer: `CN=${request.commonName}`,
    ...validity(request.now, request.days),
    publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithm(request.keys.privateKey),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(flags, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return cert.toString('pem');
}

/** A leaf signed by `issuer`, with the given SANs, AKI and EKU serverAuth + clientAuth. */
export async function issueLeaf(request: LeafRequest): Promise<string> {
  const x509 = await loadX509();
  if (request.sans.length === 0) throw new PkiError('a leaf certificate needs at least one SAN');
  // Everything that does not need the leaf's key comes first: a new RSA key takes a while on
  // another thread, and this work fills the wait.
  const ca = new x509.X509Certificate(request.issuer.certPem);
  const signingKey = await toWebPrivateKey(request.issuer.privateKey);
  const usage = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment;
  const extensions = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension(
      [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await authorityKeyIdentifier(x509, ca),
    new x509.SubjectAlternativeNameExtension(request.sans.map(toGeneralName)),
  ];
  const publicKey = await toWebPublicKey(await request.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${request.commonName}`,
    issuer: ca.subjectName,
    ...validity(request.now, request.days),
    publicKey,
    signingKey,
    signingAlgorithm: signingAlgorithm(request.issuer.privateKey),
    extensions,
  });
  return cert.toString('pem');
}

/** 16 random bytes with the top bit clear: positive, and never zero in practice. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days <= 0) {
    throw new PkiError(`certificate lifetime must be a positive number of days, not ${days}`);
  }
  const start = now.getTime() - BACKDATE_MS;
  return { notBefore: new Date(start), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** The AKI repeats the CA's SKI when it has one (legacy CAs may not), else hashes its key. */
async function authorityKeyIdentifier(
  x509: X509Module,
  ca: InstanceType<X509Module['X509Certificate']>,
) {
  const ski = ca.getExtension(x509.SubjectKeyIdentifierExtension);
  if (ski) return new x509.AuthorityKeyIdentifierExtension(ski.keyId, false);
  return x509.AuthorityKeyIdentifierExtension.create(await ca.publicKey.export(), false);
}

function toGeneralName(san: string): { type: 'dns' | 'ip'; value: string } {
  const { type, value } = splitSan(san);
  return { type, value };
}

function webAlgorithm(key: KeyObject): RsaHashedImportParams | EcKeyImportParams {
  if (key.asymmetricKeyType === 'rsa') return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return { name: 'ECDSA', namedCurve: 'P-256' };
    if (curve === 'secp384r1') return { name: 'ECDSA', namedCurve: 'P-384' };
  }
  throw new PkiError(`unsupported key type ${key.asymmetricKeyType}`);
}

/** RSA signs with SHA-256 (as certipy does); ECDSA with the hash that matches the curve. */
function signingAlgorithm(key: KeyObject): Algorithm | EcdsaParams {
  const algorithm = webAlgorithm(key);
  if (algorithm.name === 'ECDSA') {
    const curve = (algorithm as EcKeyImportParams).namedCurve;
    return { name: 'ECDSA', hash: curve === 'P-384' ? 'SHA-384' : 'SHA-256' } as EcdsaParams;
  }
  return algorithm;
}

function toWebPrivateKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, webAlgorithm(key), false, ['sign']);
}

function toWebPublicKey(key: KeyObject): Promise<CryptoKey> {
  const der = key.export({ type: 'spki', format: 'der' });
  return webcrypto.subtle.importKey('spki', der, webAlgorithm(key), true, ['verify']);
}
