/**
 * Fast certificate inspection: the fields a scan reports and judges, read straight from the
 * DER with `der.ts`. The fleet scan reads far more certificates per second than
 * @peculiar/x509 or node's X509Certificate can parse, so nothing here goes through them.
 * Nothing here checks a signature either: `verify.ts` does the exact checks with OpenSSL.
 *
 * certipy 0.1.3 writes X.509 version 1 certificates that still carry an extensions block,
 * so extensions are read whatever the version says, as OpenSSL reads them.
 */
import { hash } from 'node:crypto';
import { PkiError } from '../errors.js';
import {
  asBuffer,
  childrenOf,
  encodeOid,
  expectTlv,
  isStringTag,
  isZeroInteger,
  oidIs,
  readIntegerHex,
  readOid,
  readSmallInteger,
  readString,
  readTime,
  readTlv,
  TAG,
  type Tlv,
} from './der.js';
import { formatIPv6 } from './ip-literal.js';
import { certificatesIn } from './pem.js';

/**
 * A trait of material made by older tools, reported as `LEGACY_X509`. `NO_AKI` means a
 * certificate that is not self-issued has no AKI key identifier to find its issuer by.
 */
export type LegacyTrait = 'VERSION_1' | 'SERIAL_ZERO' | 'NO_AKI';

/** What a scan needs to know about one certificate. */
export interface CertificateInfo {
  /** Distinguished name in certificate order, RFC 4514 escaping: `C=DE, O=x, CN=y`. */
  subject: string;
  issuer: string;
  /** Upper-case hex of even length, as node's X509Certificate prints it; zero is `00`. */
  serial: string;
  /** SHA-256 of the DER as upper-case hex pairs joined by `:`. */
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
  /** In certificate order: `DNS:name`, `IP:addr` (IPv6 per RFC 5952), `email:`, `URI:`, … */
  sans: string[];
  /** 1 to 3. */
  version: number;
  /** The basicConstraints cA flag. */
  isCa: boolean;
  /** Lower-case hex. */
  subjectKeyId: string | null;
  /** The keyIdentifier of the AKI, lower-case hex; null without one. */
  authorityKeyId: string | null;
  /** `rsa-2048`, `ec-p256`, `ed25519`, `dsa-2048`; otherwise the algorithm OID. */
  keyAlgorithm: string;
  legacy: LegacyTrait[];
}

/**
 * Reads one DER certificate; a Buffer is read in place, any other Uint8Array through a
 * Buffer view. Malformed input is a PkiError whose message starts `Malformed DER:`.
 */
export function inspectDer(bytes: Uint8Array): CertificateInfo {
  const der = asBuffer(bytes);
  const fields = locateFields(der);
  const extensions = readExtensions(der, fields.spki.end, fields.tbs.end, true);
  const info: CertificateInfo = {
    subject: formatName(der, fields.subject),
    issuer: formatName(der, fields.issuer),
    serial: readIntegerHex(der, fields.serial),
    fingerprintSha256: fingerprint(der),
    notBefore: new Date(readTime(der, fields.notBefore)),
    notAfter: new Date(readTime(der, fields.notAfter)),
    sans: extensions.sans,
    version: fields.version,
    isCa: extensions.isCa,
    subjectKeyId: extensions.subjectKeyId,
    authorityKeyId: extensions.authorityKeyId,
    keyAlgorithm: keyAlgorithm(der, fields.spki),
    legacy: [],
  };
  if (fields.version === 1) info.legacy.push('VERSION_1');
  if (isZeroInteger(der, fields.serial)) info.legacy.push('SERIAL_ZERO');
  if (info.authorityKeyId === null && info.issuer !== info.subject) info.legacy.push('NO_AKI');
  return info;
}

/** What a fleet scan decides on: validity, the CA flag and legacy traits. */
export interface Triage {
  notBefore: number;
  notAfter: number;
  isCa: boolean;
  legacy: LegacyTrait[];
}

/**
 * The fields the expiry and legacy checks need, and nothing else: no names are formatted,
 * no fingerprint hashed. A fleet scan triages every certificate this way and inspects in
 * full only those with a finding. Checks the same structure as `inspectDer`.
 */
export function triageDer(bytes: Uint8Array): Triage {
  const der = asBuffer(bytes);
  const fields = locateFields(der);
  const extensions = readExtensions(der, fields.spki.end, fields.tbs.end, false);
  const legacy: LegacyTrait[] = [];
  if (fields.version === 1) legacy.push('VERSION_1');
  if (isZeroInteger(der, fields.serial)) legacy.push('SERIAL_ZERO');
  if (extensions.authorityKeyId === null && !sameName(der, fields.issuer, fields.subject)) {
    legacy.push('NO_AKI');
  }
  return {
    notBefore: readTime(der, fields.notBefore),
    notAfter: readTime(der, fields.notAfter),
    isCa: extensions.isCa,
    legacy,
  };
}

interface CertificateFields {
  tbs: Tlv;
  version: number;
  serial: Tlv;
  issuer: Tlv;
  notBefore: Tlv;
  notAfter: Tlv;
  subject: Tlv;
  spki: Tlv;
}

/** The TBSCertificate fields in RFC 5280 order; only the version and the tail are optional. */
function locateFields(der: Buffer): CertificateFields {
  const cert = expectTlv(der, 0, der.length, TAG.SEQUENCE, 'Certificate');
  if (cert.end !== der.length) throw new PkiError('Malformed DER: data after the certificate');
  const tbs = expectTlv(der, cert.body, cert.end, TAG.SEQUENCE, 'TBSCertificate');
  const signatureAlgorithm = expectTlv(der, tbs.end, cert.end, TAG.SEQUENCE, 'algorithm');
  const signature = expectTlv(der, signatureAlgorithm.end, cert.end, TAG.BIT_STRING, 'signature');
  if (signature.end !== cert.end) throw new PkiError('Malformed DER: data after the signature');

  let field = readTlv(der, tbs.body, tbs.end);
  let version = 1;
  if (field.tag === 0xa0) {
    version = readSmallInteger(der, expectTlv(der, field.body, field.end, TAG.INTEGER, 'version'));
    version += 1;
    if (version > 3) throw new PkiError(`Malformed DER: unknown certificate version ${version}`);
    field = readTlv(der, field.end, tbs.end);
  }
  const serial = expectField(field, TAG.INTEGER, 'serialNumber');
  const algorithm = expectTlv(der, serial.end, tbs.end, TAG.SEQUENCE, 'signature');
  const issuer = expectTlv(der, algorithm.end, tbs.end, TAG.SEQUENCE, 'issuer');
  const validity = expectTlv(der, issuer.end, tbs.end, TAG.SEQUENCE, 'validity');
  const notBefore = readTlv(der, validity.body, validity.end);
  const notAfter = readTlv(der, notBefore.end, validity.end);
  const subject = expectTlv(der, validity.end, tbs.end, TAG.SEQUENCE, 'subject');
  const spki = expectTlv(der, subject.end, tbs.end, TAG.SEQUENCE, 'subjectPublicKeyInfo');
  return { tbs, version, serial, issuer, notBefore, notAfter, subject, spki };
}

/** Equal names: the same bytes, or (rarely, other string types) the same formatted text. */
function sameName(der: Buffer, a: Tlv, b: Tlv): boolean {
  const length = a.end - a.start;
  if (length === b.end - b.start && der.compare(der, a.start, a.end, b.start, b.end) === 0) {
    return true;
  }
  return formatName(der, a) === formatName(der, b);
}

/** The first certificate in `pem`; errors name `source`. */
export function inspectPem(pem: string, source = 'PEM text'): CertificateInfo {
  const [first] = certificatesIn(pem, source);
  return inspectNamed(first!, source, 1);
}

/** Every certificate in `pem` (a trust bundle), in order; errors name `source`. */
export function inspectAll(pem: string, source = 'PEM text'): CertificateInfo[] {
  return certificatesIn(pem, source).map((der, i) => inspectNamed(der, source, i + 1));
}

function inspectNamed(der: Buffer, source: string, position: number): CertificateInfo {
  try {
    return inspectDer(der);
  } catch (error) {
    if (!(error instanceof PkiError)) throw error;
    const reason = error.message.replace(/^Malformed DER: /, '');
    throw new PkiError(`${source}: certificate ${position} cannot be read (${reason})`, {
      cause: error,
    });
  }
}

function expectField(tlv: Tlv, tag: number, what: string): Tlv {
  if (tlv.tag !== tag) throw new PkiError(`Malformed DER: expected ${what} at byte ${tlv.start}`);
  return tlv;
}

// One scratch buffer for the 95 characters of a fingerprint; inspection is synchronous.
const FINGERPRINT_TEXT = Buffer.alloc(95, ':');
const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * SHA-256 as `AB:CD:…`. The one-shot `hash` with string output is the fastest digest node
 * offers: a `createHash` object or a Buffer digest costs 1.6 to 2.8 times as much, adding a
 * tenth of the whole inspection. The digits go into a reused buffer, not 63 concatenations.
 */
function fingerprint(der: Buffer): string {
  const digest = hash('sha256', der, 'binary');
  for (let i = 0, at = 0; i < 32; i++, at += 3) {
    const octet = digest.charCodeAt(i);
    FINGERPRINT_TEXT[at] = HEX_DIGITS[octet >> 4]!;
    FINGERPRINT_TEXT[at + 1] = HEX_DIGITS[octet & 0x0f]!;
  }
  return FINGERPRINT_TEXT.toString('latin1');
}

interface ExtensionFields {
  sans: string[];
  isCa: boolean;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
}

// The last byte of the 2.5.29.x extensions read here, and a bit for each to catch
// duplicates: OpenSSL ignores a duplicated extension, so its value must not be trusted.
const SKI = 0x0e;
const SAN = 0x11;
const BASIC_CONSTRAINTS = 0x13;
const AKI = 0x23;
const EXTENSION_BIT: Readonly<Record<number, number>> = {
  [SKI]: 1,
  [SAN]: 2,
  [BASIC_CONSTRAINTS]: 4,
  [AKI]: 8,
};

// The tail of TBSCertificate: issuerUniqueID [1], subjectUniqueID [2], extensions [3].
function readExtensions(der: Buffer, at: number, end: number, wantSans: boolean): ExtensionFields {
  const found: ExtensionFields = {
    sans: [],
    isCa: false,
    subjectKeyId: null,
    authorityKeyId: null,
  };
  let previous = 0;
  while (at < end) {
    const field = readTlv(der, at, end);
    const known = field.tag === 0x81 || field.tag === 0x82 || field.tag === 0xa3;
    if (!known || (field.tag & 0x1f) <= previous) {
      throw new PkiError(`Malformed DER: unexpected field at byte ${field.start}`);
    }
    previous = field.tag & 0x1f;
    if (field.tag === 0xa3) readExtensionList(der, field, found, wantSans);
    at = field.end;
  }
  return found;
}

function readExtensionList(
  der: Buffer,
  field: Tlv,
  found: ExtensionFields,
  wantSans: boolean,
): void {
  const list = expectTlv(der, field.body, field.end, TAG.SEQUENCE, 'Extensions');
  let seen = 0;
  for (let at = list.body; at < list.end; ) {
    const extension = expectTlv(der, at, list.end, TAG.SEQUENCE, 'Extension');
    at = extension.end;
    const id = expectTlv(der, extension.body, extension.end, TAG.OID, 'extnID');
    let value = readTlv(der, id.end, extension.end);
    if (value.tag === TAG.BOOLEAN) value = readTlv(der, value.end, extension.end);
    expectField(value, TAG.OCTET_STRING, 'extnValue');
    if (id.end - id.body !== 3 || der[id.body] !== 0x55 || der[id.body + 1] !== 0x1d) continue;

    const kind = der[id.body + 2]!;
    const bit = EXTENSION_BIT[kind] ?? 0;
    if (seen & bit) throw new PkiError(`Malformed DER: duplicate extension 2.5.29.${kind}`);
    seen |= bit;
    if (kind === SAN) {
      if (wantSans) found.sans = readSans(der, value);
    } else if (kind === BASIC_CONSTRAINTS) found.isCa = readCaFlag(der, value);
    else if (kind === SKI) found.subjectKeyId = readKeyId(der, value, TAG.OCTET_STRING);
    else if (kind === AKI) {
      const aki = expectTlv(der, value.body, value.end, TAG.SEQUENCE, 'authorityKeyIdentifier');
      found.authorityKeyId = aki.body < aki.end ? readKeyId(der, aki, 0x80) : null;
    }
  }
}

// The first element of `container`, when it carries `tag`, as lower-case hex.
function readKeyId(der: Buffer, container: Tlv, tag: number): string | null {
  const id = readTlv(der, container.body, container.end);
  return id.tag === tag ? der.toString('hex', id.body, id.end) : null;
}

function readCaFlag(der: Buffer, value: Tlv): boolean {
  const constraints = expectTlv(der, value.body, value.end, TAG.SEQUENCE, 'basicConstraints');
  if (constraints.body === constraints.end) return false;
  const flag = readTlv(der, constraints.body, constraints.end);
  return flag.tag === TAG.BOOLEAN && flag.end - flag.body === 1 && der[flag.body] !== 0;
}

function readSans(der: Buffer, value: Tlv): string[] {
  const names = expectTlv(der, value.body, value.end, TAG.SEQUENCE, 'subjectAltName');
  const sans: string[] = [];
  for (const name of childrenOf(der, names)) sans.push(formatGeneralName(der, name));
  return sans;
}

function formatGeneralName(der: Buffer, name: Tlv): string {
  switch (name.tag) {
    case 0x82:
      return `DNS:${readString(der, name, TAG.IA5_STRING)}`;
    case 0x87:
      return `IP:${formatIp(der, name)}`;
    case 0x81:
      return `email:${readString(der, name, TAG.IA5_STRING)}`;
    case 0x86:
      return `URI:${readString(der, name, TAG.IA5_STRING)}`;
    case 0xa4: {
      const directoryName = expectTlv(der, name.body, name.end, TAG.SEQUENCE, 'Name');
      return `DirName:${formatName(der, directoryName)}`;
    }
    case 0x88:
      return `RID:${readOid(der, name)}`;
    case 0xa0:
      return 'othername';
    case 0xa3:
      return 'X400Name';
    case 0xa5:
      return 'EdiPartyName';
    default:
      throw new PkiError(`Malformed DER: unknown GeneralName at byte ${name.start}`);
  }
}

/**
 * An iPAddress entry: IPv4 dotted quad, IPv6 in the canonical form of `ip-literal.ts`, so a
 * SAN read from a certificate compares equal, as a string, to the same inventory name.
 */
function formatIp(der: Buffer, name: Tlv): string {
  const { body } = name;
  const length = name.end - body;
  if (length === 4) return `${der[body]}.${der[body + 1]}.${der[body + 2]}.${der[body + 3]}`;
  if (length !== 16) throw new PkiError(`Malformed DER: IP address of ${length} octets`);
  const groups: number[] = [];
  for (let at = body; at < name.end; at += 2) groups.push(der[at]! * 256 + der[at + 1]!);
  return formatIPv6(groups);
}

// OpenSSL's short names, so that a subject reads as `openssl x509 -subject` prints it.
const X520_NAMES: Readonly<Record<number, string>> = {
  3: 'CN',
  4: 'SN',
  5: 'serialNumber',
  6: 'C',
  7: 'L',
  8: 'ST',
  9: 'street',
  10: 'O',
  11: 'OU',
  12: 'title',
  17: 'postalCode',
  42: 'GN',
  43: 'initials',
  46: 'dnQualifier',
  65: 'pseudonym',
};
const OTHER_ATTRIBUTES: ReadonlyArray<readonly [Uint8Array, string]> = [
  [encodeOid('1.2.840.113549.1.9.1'), 'emailAddress'],
  [encodeOid('0.9.2342.19200300.100.1.25'), 'DC'],
  [encodeOid('0.9.2342.19200300.100.1.1'), 'UID'],
];

/** A Name as `type=value` pairs in certificate order, `, ` between RDNs, `+` within one. */
function formatName(der: Buffer, name: Tlv): string {
  let text = '';
  for (let at = name.body; at < name.end; ) {
    const rdn = expectTlv(der, at, name.end, TAG.SET, 'RelativeDistinguishedName');
    at = rdn.end;
    let part = '';
    for (let inner = rdn.body; inner < rdn.end; ) {
      const pair = expectTlv(der, inner, rdn.end, TAG.SEQUENCE, 'AttributeTypeAndValue');
      inner = pair.end;
      const type = expectTlv(der, pair.body, pair.end, TAG.OID, 'AttributeType');
      const value = readTlv(der, type.end, pair.end);
      const rendered = `${attributeName(der, type)}=${attributeValue(der, value)}`;
      part = part === '' ? rendered : `${part}+${rendered}`;
    }
    text = text === '' ? part : `${text}, ${part}`;
  }
  return text;
}

function attributeName(der: Buffer, type: Tlv): string {
  if (type.end - type.body === 3 && der[type.body] === 0x55 && der[type.body + 1] === 0x04) {
    const known = X520_NAMES[der[type.body + 2]!];
    if (known !== undefined) return known;
  }
  for (const [encoded, label] of OTHER_ATTRIBUTES) if (oidIs(der, type, encoded)) return label;
  return readOid(der, type);
}

// RFC 4514 2.4: a value that is not a string is shown as `#` and the hex of its encoding.
function attributeValue(der: Buffer, value: Tlv): string {
  if (!isStringTag(value.tag)) return `#${der.toString('hex', value.start, value.end)}`;
  const text = readString(der, value);
  for (let i = 0; i < text.length; i++) {
    if (needsEscape(text.charCodeAt(i), i, text.length)) return escapeValue(text);
  }
  return text;
}

// RFC 4514 2.4 specials, plus control characters as OpenSSL escapes them (\XX).
function needsEscape(code: number, index: number, length: number): boolean {
  if (code < 0x20 || code === 0x7f) return true;
  if (code === 0x20) return index === 0 || index === length - 1;
  if (code === 0x23) return index === 0;
  return (
    code === 0x22 ||
    code === 0x2b ||
    code === 0x2c ||
    code === 0x3b ||
    code === 0x3c ||
    code === 0x3e ||
    code === 0x5c
  );
}

function escapeValue(text: string): string {
  let escaped = '';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const control = code < 0x20 || code === 0x7f;
    const hex = code.toString(16).padStart(2, '0').toUpperCase();
    if (!needsEscape(code, i, text.length)) escaped += text[i];
    else escaped += control ? `\\${hex}` : `\\${text[i]}`;
  }
  return escaped;
}

const RSA = encodeOid('1.2.840.113549.1.1.1');
const RSA_PSS = encodeOid('1.2.840.113549.1.1.10');
const EC = encodeOid('1.2.840.10045.2.1');
const DSA = encodeOid('1.2.840.10040.4.1');
const ED25519 = encodeOid('1.3.101.112');
const ED448 = encodeOid('1.3.101.113');
const CURVES: ReadonlyArray<readonly [Uint8Array, string]> = [
  [encodeOid('1.2.840.10045.3.1.7'), 'p256'],
  [encodeOid('1.3.132.0.34'), 'p384'],
  [encodeOid('1.3.132.0.35'), 'p521'],
  [encodeOid('1.3.132.0.10'), 'secp256k1'],
];

/** `rsa-<modulus bits>`, `ec-<curve>`, `dsa-<p bits>`, `ed25519`; else the dotted OID. */
function keyAlgorithm(der: Buffer, spki: Tlv): string {
  const algorithm = expectTlv(der, spki.body, spki.end, TAG.SEQUENCE, 'AlgorithmIdentifier');
  const id = expectTlv(der, algorithm.body, algorithm.end, TAG.OID, 'algorithm');
  const key = expectTlv(der, algorithm.end, spki.end, TAG.BIT_STRING, 'subjectPublicKey');
  const pss = oidIs(der, id, RSA_PSS);
  if (pss || oidIs(der, id, RSA)) {
    // The BIT STRING holds one unused-bits octet, then RSAPublicKey { modulus, exponent }.
    const rsaKey = expectTlv(der, key.body + 1, key.end, TAG.SEQUENCE, 'RSAPublicKey');
    const modulus = expectTlv(der, rsaKey.body, rsaKey.end, TAG.INTEGER, 'modulus');
    return `${pss ? 'rsa-pss' : 'rsa'}-${bitLength(der, modulus)}`;
  }
  if (oidIs(der, id, EC)) {
    const curve = readTlv(der, id.end, algorithm.end);
    if (curve.tag !== TAG.OID) return 'ec-explicit';
    for (const [encoded, label] of CURVES) if (oidIs(der, curve, encoded)) return `ec-${label}`;
    return `ec-${readOid(der, curve)}`;
  }
  if (oidIs(der, id, ED25519)) return 'ed25519';
  if (oidIs(der, id, ED448)) return 'ed448';
  if (oidIs(der, id, DSA)) {
    // Parameters { p, q, g } may be inherited from the issuer and then absent.
    if (id.end === algorithm.end) return 'dsa';
    const params = expectTlv(der, id.end, algorithm.end, TAG.SEQUENCE, 'Dss-Parms');
    return `dsa-${bitLength(der, expectTlv(der, params.body, params.end, TAG.INTEGER, 'p'))}`;
  }
  return readOid(der, id);
}

function bitLength(der: Buffer, integer: Tlv): number {
  let at = integer.body;
  while (at < integer.end && der[at] === 0) at++;
  if (at === integer.end) return 0;
  return (integer.end - at - 1) * 8 + (32 - Math.clz32(der[at]!));
}
