import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { beforeAll, describe, expect, it } from 'vitest';
import { PkiError } from '../../lib/errors.js';
import { asBuffer, readIntegerHex, readOid, readTime, readTlv } from '../../lib/pki/der.js';
import { type CertificateInfo, inspectAll, inspectDer, inspectPem } from '../../lib/pki/inspect.js';
import { toPem } from '../../lib/pki/pem.js';
import {
  certipyPair,
  makeCa,
  makeLeaf,
  opensslV1Cert,
  type TestCa,
  type TestCert,
} from '../helpers/certs.js';

// OpenSSL writes IPv6 uncompressed; the WHATWG URL parser gives the RFC 5952 form.
function ipText(address: string): string {
  return address.includes(':') ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
}

/** What node's X509Certificate (OpenSSL) reports, in the shape inspectDer uses. */
function asNodeSeesIt(der: Uint8Array): Partial<CertificateInfo> {
  const cert = new X509Certificate(der);
  const sans = (cert.subjectAltName ?? '').split(', ').filter((san) => san !== '');
  return {
    // OpenSSL puts spaces around the `+` of a multi-valued RDN; RFC 4514 does not.
    subject: cert.subject.replaceAll('\n', ', ').replaceAll(' + ', '+'),
    issuer: cert.issuer.replaceAll('\n', ', ').replaceAll(' + ', '+'),
    serial: cert.serialNumber === '0' ? '00' : cert.serialNumber,
    fingerprintSha256: cert.fingerprint256,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    sans: sans.map((san) => (san.startsWith('IP Address:') ? `IP:${ipText(san.slice(11))}` : san)),
  };
}

function pick(info: CertificateInfo, like: Partial<CertificateInfo>): Partial<CertificateInfo> {
  return Object.fromEntries(Object.keys(like).map((key) => [key, info[key as keyof typeof info]]));
}

let rsaCa: TestCa;
let ecCa: TestCa;
let leaf: TestCert;
let opensslV1: TestCert;
let awkwardNames: TestCert;
let certipy: { ca: TestCert; leaf: TestCert };

beforeAll(async () => {
  rsaCa = await makeCa({ name: 'proxy-client-ca', key: 'rsa' });
  ecCa = await makeCa({ name: 'services-ca', key: 'ec' });
  leaf = await makeLeaf(rsaCa, {
    name: 'proxy-client',
    dns: ['localhost', 'jwlogin01i'],
    ips: ['127.0.0.1', '::1', '2001:db8:0:0:1:0:0:1', '10.1.2.3'],
    notAfter: new Date('2051-06-30T12:00:00Z'),
  });
  opensslV1 = opensslV1Cert('/C=DE/O=Lab, Inc./CN=legacy', 0);
  awkwardNames = opensslV1Cert('/C=DE/O=#1 "q" <x>;y\\+z /CN=lab+OU=ops', 0x80);
  certipy = certipyPair(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', 'DNS:jwlogin01i']);
});

describe('inspectDer', () => {
  it('reads every generated certificate as node X509Certificate does', () => {
    // Prepare
    const all = [rsaCa, ecCa, leaf, opensslV1, awkwardNames, certipy.ca, certipy.leaf];

    for (const cert of all) {
      // Act
      const info = inspectDer(cert.der);
      const expected = asNodeSeesIt(cert.der);

      // Assess
      expect(pick(info, expected)).toEqual(expected);
    }
  });

  it('escapes names as RFC 4514 asks and joins multi-valued RDNs with +', () => {
    // Act
    const { subject, serial } = inspectDer(awkwardNames.der);

    // Assess
    expect(subject).toBe('C=DE, O=\\#1 \\"q\\" \\<x\\>\\;y\\+z\\ , CN=lab+OU=ops');
    expect(serial).toBe('80');
  });

  it('lists SANs in certificate order, IPv6 in RFC 5952 form', () => {
    // Act
    const { sans } = inspectDer(leaf.der);

    // Assess
    expect(sans).toEqual([
      'DNS:localhost',
      'DNS:jwlogin01i',
      'IP:127.0.0.1',
      'IP:::1',
      'IP:2001:db8::1:0:0:1',
      'IP:10.1.2.3',
    ]);
  });

  it('reads a notAfter after 2049, which is a GeneralizedTime', () => {
    // Act
    const { notAfter } = inspectDer(leaf.der);

    // Assess
    expect(notAfter.toISOString()).toBe('2051-06-30T12:00:00.000Z');
  });

  it('reports key type, CA flag and key identifiers of v3 material', () => {
    // Prepare
    const ski = rsaCa.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;

    // Act
    const ca = inspectDer(rsaCa.der);
    const ec = inspectDer(ecCa.der);
    const issued = inspectDer(leaf.der);

    // Assess
    expect(ca).toMatchObject({ version: 3, isCa: true, keyAlgorithm: 'rsa-2048', legacy: [] });
    expect(ca.subjectKeyId).toBe(ski);
    expect(ec).toMatchObject({ isCa: true, keyAlgorithm: 'ec-p256' });
    expect(issued).toMatchObject({ version: 3, isCa: false, authorityKeyId: ski, legacy: [] });
  });

  it('flags an openssl version-1 certificate with serial 0 as legacy', () => {
    // Act
    const info = inspectDer(opensslV1.der);

    // Assess
    expect(info).toMatchObject({ version: 1, serial: '00', sans: [], isCa: false });
    expect(info.subject).toBe('C=DE, O=Lab\\, Inc., CN=legacy');
    expect(info.legacy).toEqual(['VERSION_1', 'SERIAL_ZERO']);
  });

  it('reads the extensions certipy puts into its version-1 certificates', () => {
    // Act
    const ca = inspectDer(certipy.ca.der);
    const signed = inspectDer(certipy.leaf.der);

    // Assess
    expect(ca).toMatchObject({ version: 1, isCa: true, legacy: ['VERSION_1', 'SERIAL_ZERO'] });
    expect(ca.subjectKeyId).toMatch(/^[0-9a-f]{40}$/);
    expect(ca.authorityKeyId).toBe(ca.subjectKeyId);
    expect(signed.sans).toEqual(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1', 'DNS:jwlogin01i']);
    expect(signed.legacy).toEqual(['VERSION_1', 'SERIAL_ZERO', 'NO_AKI']);
  });
});

describe('inspectPem and inspectAll', () => {
  it('reads every certificate of a trust bundle in order', () => {
    // Prepare
    const bundle = rsaCa.pem + ecCa.pem + certipy.ca.pem;

    // Act
    const subjects = inspectAll(bundle, 'hub-ca_trust.crt').map((info) => info.subject);

    // Assess
    expect(subjects).toEqual(['CN=proxy-client-ca', 'CN=services-ca', 'CN=hub-ca']);
    expect(inspectPem(bundle).subject).toBe('CN=proxy-client-ca');
  });

  it('names the source and position of a certificate that cannot be read', () => {
    // Prepare
    const broken = toPem('CERTIFICATE', leaf.der.subarray(0, 300));

    // Act
    const act = () => inspectAll(rsaCa.pem + broken, 'proxy-client.crt');

    // Assess
    expect(act).toThrow(PkiError);
    expect(act).toThrow(/^proxy-client\.crt: certificate 2 cannot be read/);
  });
});

describe('malformed DER', () => {
  const cases: Array<[string, () => Uint8Array]> = [
    ['an empty input', () => new Uint8Array(0)],
    ['a wrong outer tag', () => Uint8Array.from([0x31, ...leaf.der.subarray(1)])],
    ['an indefinite length', () => Uint8Array.from([0x30, 0x80, 0x02, 0x01, 0x00, 0, 0])],
    ['a length beyond the input', () => Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff])],
    ['a length of five octets', () => Uint8Array.from([0x30, 0x85, 0, 0, 0, 0, 1, 0])],
    ['data after the certificate', () => Uint8Array.from([...leaf.der, 0])],
  ];

  it.each(cases)('refuses %s with a PkiError', (_, make) => {
    expect(() => inspectDer(make())).toThrow(PkiError);
  });

  it('refuses every truncation of a real certificate with a PkiError', () => {
    for (let length = 0; length < certipy.leaf.der.length; length++) {
      expect(() => inspectDer(certipy.leaf.der.subarray(0, length))).toThrow(PkiError);
    }
  });

  it('answers any single corrupted octet with a result or a PkiError, never a crash', () => {
    // Prepare
    const original = leaf.der;
    const failures: string[] = [];

    for (let at = 0; at < original.length; at++) {
      for (const flip of [0x01, 0x80, 0xff]) {
        const corrupted = Uint8Array.from(original);
        corrupted[at] = (corrupted[at] ?? 0) ^ flip;

        // Act
        try {
          inspectDer(corrupted);
        } catch (error) {
          if (!(error instanceof PkiError)) failures.push(`${at}^${flip}: ${String(error)}`);
        }
      }
    }

    // Assess
    expect(failures).toEqual([]);
  });
});

describe('DER reader', () => {
  const tlv = (...bytes: number[]) => {
    const der = asBuffer(Uint8Array.from(bytes));
    return { der, tlv: readTlv(der, 0) };
  };
  const time = (tag: number, text: string) => {
    const { der, tlv: element } = tlv(tag, text.length, ...Buffer.from(text));
    return new Date(readTime(der, element));
  };

  it('maps UTCTime years below 50 to 20xx and the rest to 19xx (RFC 5280)', () => {
    expect(time(0x17, '491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(time(0x17, '500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(time(0x18, '20510630120000Z').toISOString()).toBe('2051-06-30T12:00:00.000Z');
  });

  it('refuses times RFC 5280 does not allow', () => {
    expect(() => time(0x17, '4912312359Z')).toThrow(PkiError);
    expect(() => time(0x17, '490230000000Z')).toThrow(PkiError);
    expect(() => time(0x18, '20510630120000.5Z')).toThrow(PkiError);
  });

  it('reads OIDs in dotted form, arcs beyond 2^53 included', () => {
    const { der, tlv: sha256 } = tlv(0x06, 9, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01);
    const uuid = tlv(0x06, 10, 0x69, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);

    expect(readOid(der, sha256)).toBe('2.16.840.1.101.3.4.2.1');
    expect(readOid(uuid.der, uuid.tlv)).toBe(`2.25.${2n ** 56n + 1n}`);
  });

  it('prints INTEGERs as OpenSSL prints serials', () => {
    const hex = (...bytes: number[]) => {
      const { der, tlv: integer } = tlv(0x02, bytes.length, ...bytes);
      return readIntegerHex(der, integer);
    };

    expect(hex(0x00)).toBe('00');
    expect(hex(0x00, 0x80)).toBe('80');
    expect(hex(0x01, 0x00)).toBe('0100');
    expect(hex(0xfb)).toBe('-05');
  });
});
