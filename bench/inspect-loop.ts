/**
 * Parse-loop throughput of certificate inspection, against the two parsers it replaces.
 * The fleet scan needs at least 150,000 certificates/s from `inspectDer`.
 *
 * Run:
 *   npx esbuild bench/inspect-loop.ts --bundle --platform=node --format=esm \
 *     --outfile=/tmp/b.mjs && node /tmp/b.mjs
 *
 * The certificates are generated first (about 200 distinct ones: v3 RSA and ECDSA leaves
 * with SANs, openssl v1 certificates, a certipy pair), then cycled through the loops as
 * Buffers, the form `certificatesIn` hands to the scan. inspectDer is timed cold and after
 * 50,000 certificates of warm-up: a fleet scan runs long enough for the JIT to settle.
 */
import 'reflect-metadata';
import { X509Certificate as NodeCertificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { inspectDer } from '../lib/pki/inspect.js';
import {
  certipyPair,
  generateKeys,
  makeCa,
  makeLeaf,
  opensslV1Cert,
} from '../test/helpers/certs.js';

const TARGET_PER_SECOND = 150_000;

async function corpus(): Promise<Uint8Array[]> {
  const rsaCa = await makeCa({ name: 'proxy-client-ca', key: 'rsa' });
  const ecCa = await makeCa({ name: 'services-ca', key: 'ec' });
  // RSA key generation dominates; a few RSA leaf keys are shared between distinct leaves.
  const rsaKeys = await Promise.all([1, 2, 3, 4].map(() => generateKeys('rsa')));
  const ders: Uint8Array[] = [rsaCa.der, ecCa.der];
  for (let i = 0; i < 190; i++) {
    const ca = i % 3 === 0 ? ecCa : rsaCa;
    const keys = i % 2 === 0 ? rsaKeys[i % rsaKeys.length] : undefined;
    const leaf = await makeLeaf(ca, {
      name: `proxy-client-${i}`,
      keys,
      dns: ['localhost', 'proxy-api', `jwlogin${String(i).padStart(2, '0')}i.fz-juelich.de`],
      ips: ['127.0.0.1', '::1', `10.1.${i}.3`],
    });
    ders.push(leaf.der);
  }
  for (const serial of [0, 1, 4096]) ders.push(opensslV1Cert(`/CN=legacy-${serial}`, serial).der);
  const certipy = certipyPair(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  ders.push(certipy.ca.der, certipy.leaf.der);
  return ders.map((der) => Buffer.from(der));
}

function cycle(ders: Uint8Array[], count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => ders[i % ders.length]!);
}

// Reads what a scan reports, so that lazily computed fields are paid for in every parser.
const parsers: Record<string, (der: Uint8Array) => unknown> = {
  inspectDer: (der) => inspectDer(der),
  'node X509Certificate': (der) => {
    const cert = new NodeCertificate(der);
    return [cert.subject, cert.issuer, cert.serialNumber, cert.fingerprint256, cert.validTo].concat(
      cert.validFrom,
      cert.subjectAltName ?? '',
    );
  },
  '@peculiar/x509': (der) => {
    const cert = new x509.X509Certificate(der);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    return [cert.subject, cert.issuer, cert.serialNumber, cert.notBefore, cert.notAfter, san];
  },
};

interface Rate {
  /** Certificates per second of elapsed time: the figure the target is about. */
  wall: number;
  /** Per second of this process's CPU time, which other load on the machine distorts less. */
  cpu: number;
}

function perSecond(parse: (der: Uint8Array) => unknown, ders: Uint8Array[]): Rate {
  let sink = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  for (const der of ders) sink += parse(der) ? 1 : 0;
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (sink !== ders.length) throw new Error('a parser returned nothing');
  return { wall: ders.length / seconds, cpu: ders.length / ((cpu.user + cpu.system) / 1e6) };
}

const perSecondText = (rate: number) => Math.round(rate).toLocaleString('en').padStart(9);

const ders = await corpus();
console.log(`corpus: ${ders.length} distinct certificates`);
console.log(
  `${'parser'.padEnd(27)} ${'certs'.padStart(6)}  ${'wall'.padStart(9)}  ${'cpu'.padStart(9)}`,
);
// Certificates parsed before timing: none for the first round on purpose, to show what a
// short scan sees before the JIT has settled; the rounds after it run on warm code.
const rounds: Array<{ name: string; count: number; warmUp: number }> = [
  { name: 'inspectDer', count: 10_000, warmUp: 0 },
  { name: 'inspectDer', count: 10_000, warmUp: 50_000 },
  { name: 'inspectDer', count: 50_000, warmUp: 0 },
  { name: 'node X509Certificate', count: 10_000, warmUp: 1_000 },
  { name: '@peculiar/x509', count: 10_000, warmUp: 1_000 },
];
for (const [index, { name, count, warmUp }] of rounds.entries()) {
  const parse = parsers[name]!;
  if (warmUp > 0) perSecond(parse, cycle(ders, warmUp));
  const rate = perSecond(parse, cycle(ders, count));
  const label = `${name.padEnd(22)} ${index === 0 ? 'cold' : 'warm'}`;
  const met = rate.wall >= TARGET_PER_SECOND ? 'target met' : 'below target';
  const verdict = name === 'inspectDer' ? met : '';
  const figures = `${perSecondText(rate.wall)}/s ${perSecondText(rate.cpu)}/s`;
  console.log(`${label} ${String(count).padStart(6)}  ${figures}  ${verdict}`);
}
