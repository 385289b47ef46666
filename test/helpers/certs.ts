/**
 * Certificate fixtures, generated fresh for each test run rather than pasted as PEM:
 * modern v3 material from @peculiar/x509, and legacy material from the real peers that made
 * the certificates already in production (the openssl CLI, Debian's certipy 0.1.3).
 */
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

/** A generated certificate with its private key (PKCS#8 PEM). */
export interface TestCert {
  pem: string;
  der: Uint8Array;
  keyPem: string;
}

/** A CA that can sign further certificates. */
export interface TestCa extends TestCert {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

export type TestKeyType = 'rsa' | 'ec';

export interface CertOptions {
  name: string;
  key?: TestKeyType;
  /** Hex; random when absent. */
  serial?: string;
  notBefore?: Date;
  notAfter?: Date;
  dns?: string[];
  ips?: string[];
  /** Reuse a key pair instead of generating one (key generation dominates fixture time). */
  keys?: webcrypto.CryptoKeyPair;
}

const DAY_MS = 86_400_000;

/** A fresh key pair: RSA-2048 or ECDSA P-256, both signing with SHA-256. */
export function generateKeys(type: TestKeyType = 'ec'): Promise<webcrypto.CryptoKeyPair> {
  const algorithm =
    type === 'rsa'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        }
      : { name: 'ECDSA', namedCurve: 'P-256' };
  return webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
}

function signingAlgorithm(
  keys: webcrypto.CryptoKeyPair,
): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return keys.privateKey.algorithm.name === 'ECDSA'
    ? { name: 'ECDSA', hash: 'SHA-256' }
    : { name: 'RSASSA-PKCS1-v1_5' };
}

async function toTestCert(
  cert: x509.X509Certificate,
  keys: webcrypto.CryptoKeyPair,
): Promise<TestCert> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    pem: cert.toString('pem'),
    der: new Uint8Array(cert.rawData),
    keyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'),
  };
}

function sanExtension(options: CertOptions): x509.Extension[] {
  const names = [
    ...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  return names.length === 0 ? [] : [new x509.SubjectAlternativeNameExtension(names)];
}

/** A self-signed v3 CA with basicConstraints, keyUsage and SKI, as hubcerts issues them. */
export async function makeCa(options: CertOptions): Promise<TestCa> {
  const keys = options.keys ?? (await generateKeys(options.key));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${options.name}`,
    keys,
    serialNumber: options.serial,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 5 * 365 * DAY_MS),
    signingAlgorithm: signingAlgorithm(keys),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...sanExtension(options),
    ],
  });
  return { ...(await toTestCert(cert, keys)), cert, keys };
}

/** A v3 leaf signed by `ca`, with AKI and the requested SANs (DNS first, then IPs). */
export async function makeLeaf(
  ca: TestCa,
  options: CertOptions & { subject?: string },
): Promise<TestCert> {
  const keys = options.keys ?? (await generateKeys(options.key));
  const cert = await x509.X509CertificateGenerator.create({
    subject: options.subject ?? `CN=${options.name}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    serialNumber: options.serial,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 90 * DAY_MS),
    signingAlgorithm: signingAlgorithm(ca.keys),
    extensions: [
      new x509.BasicConstraintsExtension(false),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...sanExtension(options),
    ],
  });
  return toTestCert(cert, keys);
}

/** Runs `work` in a fresh temporary directory that is removed afterwards. */
function inTempDir<T>(work: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hubcerts-test-'));
  try {
    return work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * A self-signed X.509 version 1 certificate made by the openssl CLI (`x509 -req` without
 * extensions) with an RSA key in PKCS#1 form: what certipy-era tooling left in production.
 * `subject` is in openssl's `/C=DE/CN=name` form; `+` joins values into one RDN.
 */
export function opensslV1Cert(subject: string, serial = 0): TestCert {
  return inTempDir((dir) => {
    openssl(['genrsa', '-traditional', '-out', 'key.pem', '2048'], dir);
    const request = ['req', '-new', '-key', 'key.pem', '-multivalue-rdn', '-subj', subject];
    openssl([...request, '-out', 'req.pem'], dir);
    const args = ['x509', '-req', '-in', 'req.pem', '-signkey', 'key.pem', '-days', '30'];
    openssl([...args, '-set_serial', String(serial), '-out', 'cert.pem'], dir);
    return fromFiles(join(dir, 'cert.pem'), join(dir, 'key.pem'));
  });
}

/** An RSA-2048 key in PKCS#1 form (`BEGIN RSA PRIVATE KEY`), as `genrsa -traditional` writes. */
export function opensslPkcs1Key(): string {
  return openssl(['genrsa', '-traditional', '2048'], tmpdir());
}

/** A P-256 key in SEC1 form (`BEGIN EC PRIVATE KEY`). */
export function opensslSec1Key(): string {
  return inTempDir((dir) => openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout'], dir));
}

/** `keyPem` encrypted with a passphrase: PKCS#8 (`ENCRYPTED PRIVATE KEY`) or legacy PKCS#1. */
export function opensslEncryptedKey(keyPem: string, form: 'pkcs8' | 'pkcs1'): string {
  return inTempDir((dir) => {
    const input = join(dir, 'key.pem');
    writeFileSync(input, keyPem, { mode: 0o600 });
    const common = ['-in', input, '-passout', 'pass:secret'];
    if (form === 'pkcs8') return openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', ...common], dir);
    return openssl(['rsa', '-traditional', '-aes256', ...common], dir);
  });
}

/**
 * A CA and a signed leaf made by Debian's certipy 0.1.3, as JupyterHub's `init_internal_ssl`
 * makes them: version 1 and serial 0, yet with SAN, basicConstraints, SKI and AKI.
 */
export function certipyPair(leafSans: string[]): { ca: TestCert; leaf: TestCert } {
  return inTempDir((dir) => {
    const script = [
      'import json, sys',
      'from certipy import Certipy',
      'c = Certipy(store_dir=sys.argv[1])',
      "c.create_ca('hub-ca')",
      "c.create_signed_pair('proxy-client', 'hub-ca', alt_names=json.loads(sys.argv[2]))",
    ].join('\n');
    execFileSync('/usr/bin/python3', ['-c', script, dir, JSON.stringify(leafSans)]);
    const files = (name: string) => [
      join(dir, name, `${name}.crt`),
      join(dir, name, `${name}.key`),
    ];
    const [caCert = '', caKey = ''] = files('hub-ca');
    const [leafCert = '', leafKey = ''] = files('proxy-client');
    return { ca: fromFiles(caCert, caKey), leaf: fromFiles(leafCert, leafKey) };
  });
}

function fromFiles(certPath: string, keyPath: string): TestCert {
  const pem = readFileSync(certPath, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return { pem, der: new Uint8Array(der), keyPem: readFileSync(keyPath, 'utf8') };
}
