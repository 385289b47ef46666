/**
 * A minimal DER reader (X.690) for certificate inspection. It works on offsets into one
 * Buffer and copies nothing, because the fleet scan reads hundreds of thousands of
 * certificates per second; text is cut out with Buffer's native decoders, which beat a
 * per-octet loop for all but the shortest values. Every length is checked against the
 * enclosing element, so a malformed input ends in a PkiError, never in a read past the end
 * or an endless loop.
 *
 * Only what X.509 needs is supported: single-octet tags and definite lengths of up to four
 * octets. Non-minimal length encodings are accepted, as inspection does not judge encoding.
 */
import { PkiError } from '../errors.js';

/** Identifier octets used by X.509 (context-specific tags are built as `0x80 | n`). */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  T61_STRING: 0x14,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  VISIBLE_STRING: 0x1a,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** One element: its identifier octet and where its contents lie in the input. */
export interface Tlv {
  tag: number;
  /** Offset of the identifier octet. */
  start: number;
  /** Offset of the first content octet. */
  body: number;
  /** Offset one past the last content octet. */
  end: number;
}

function malformed(what: string, offset: number): never {
  throw new PkiError(`Malformed DER: ${what} at byte ${offset}`);
}

/** The element that starts at `offset` and must end at or before `limit`. */
export function readTlv(der: Buffer, offset: number, limit: number = der.length): Tlv {
  if (offset + 2 > limit) malformed('element header runs past the end', offset);
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) malformed('multi-octet tag is not supported', offset);
  let length = der[offset + 1]!;
  let body = offset + 2;
  if (length >= 0x80) {
    const octets = length & 0x7f;
    if (octets === 0) malformed('indefinite length is not DER', offset);
    if (octets > 4) malformed('length of more than four octets', offset);
    if (body + octets > limit) malformed('length runs past the end', offset);
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[body + i]!;
    body += octets;
  }
  const end = body + length;
  if (end > limit) malformed('length runs past the end of its container', offset);
  return { tag, start: offset, body, end };
}

/** Like readTlv, but the element must carry `tag`; `what` names it in the error. */
export function expectTlv(
  der: Buffer,
  offset: number,
  limit: number,
  tag: number,
  what: string,
): Tlv {
  const tlv = readTlv(der, offset, limit);
  if (tlv.tag !== tag) {
    const found = tlv.tag.toString(16).padStart(2, '0');
    malformed(`expected ${what} but found tag 0x${found}`, offset);
  }
  return tlv;
}

/** The elements inside a constructed element, in order; they must fill it exactly. */
export function childrenOf(der: Buffer, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const child = readTlv(der, at, parent.end);
    children.push(child);
    at = child.end;
  }
  return children;
}

/** A Buffer over the same memory as `bytes`, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * An INTEGER as upper-case hex of even length, the way OpenSSL prints serial numbers: the
 * sign octet of a positive value is dropped, a negative value gets a `-` and its magnitude,
 * and zero is `00`.
 */
export function readIntegerHex(der: Buffer, tlv: Tlv): string {
  let { body } = tlv;
  const { end } = tlv;
  if (body === end) malformed('empty INTEGER', tlv.start);
  if (der[body]! >= 0x80) return `-${negativeMagnitude(der, body, end)}`;
  while (body < end - 1 && der[body] === 0) body++;
  return der.toString('hex', body, end).toUpperCase();
}

// Two's complement of a negative INTEGER; rare enough (a broken serial) to allocate.
function negativeMagnitude(der: Buffer, body: number, end: number): string {
  const magnitude = Buffer.alloc(end - body);
  let carry = 1;
  for (let i = end - 1; i >= body; i--) {
    const value = (~der[i]! & 0xff) + carry;
    magnitude[i - body] = value & 0xff;
    carry = value >> 8;
  }
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  return magnitude.toString('hex', first).toUpperCase();
}

/** True when the INTEGER's value is zero. */
export function isZeroInteger(der: Buffer, tlv: Tlv): boolean {
  for (let i = tlv.body; i < tlv.end; i++) if (der[i] !== 0) return false;
  return tlv.body < tlv.end;
}

/** A small non-negative INTEGER (versions, counts) as a number. */
export function readSmallInteger(der: Buffer, tlv: Tlv): number {
  const length = tlv.end - tlv.body;
  if (length < 1 || length > 4 || der[tlv.body]! >= 0x80) {
    malformed('INTEGER out of range', tlv.start);
  }
  let value = 0;
  for (let i = tlv.body; i < tlv.end; i++) value = value * 256 + der[i]!;
  return value;
}

/** An OBJECT IDENTIFIER in dotted form. Arcs beyond 2^53 (UUID OIDs) are exact too. */
export function readOid(der: Buffer, tlv: Tlv): string {
  const { body, end } = tlv;
  if (body === end || (der[end - 1]! & 0x80) !== 0) malformed('truncated OID', tlv.start);
  let text = '';
  let arc = 0n;
  let small = 0;
  let big = false;
  for (let i = body; i < end; i++) {
    const octet = der[i]!;
    if (big) arc = (arc << 7n) | BigInt(octet & 0x7f);
    else if (small >= 2 ** 45) {
      big = true;
      arc = (BigInt(small) << 7n) | BigInt(octet & 0x7f);
    } else small = small * 128 + (octet & 0x7f);
    if (octet & 0x80) continue;
    const value = big ? arc : small;
    // The first subidentifier packs the first two arcs (X.690 8.19.4).
    text = text === '' ? firstArcs(value) : `${text}.${value}`;
    small = 0;
    big = false;
  }
  return text;
}

function firstArcs(value: number | bigint): string {
  if (typeof value === 'bigint') return `2.${value - 80n}`;
  return value < 80 ? `${Math.floor(value / 40)}.${value % 40}` : `2.${value - 80}`;
}

/** The DER contents of a dotted OID, for comparing with `oidIs` without decoding. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const octets: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const group = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      group.unshift((value & 0x7f) | 0x80);
    }
    octets.push(...group);
  }
  return Uint8Array.from(octets);
}

/** True when the OID element holds exactly `encoded` (from `encodeOid`). */
export function oidIs(der: Buffer, tlv: Tlv, encoded: Uint8Array): boolean {
  if (tlv.tag !== TAG.OID || tlv.end - tlv.body !== encoded.length) return false;
  for (let i = 0; i < encoded.length; i++) if (der[tlv.body + i] !== encoded[i]) return false;
  return true;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A UTCTime or GeneralizedTime as epoch milliseconds, in the forms RFC 5280 4.1.2.5 allows:
 * `YYMMDDHHMMSSZ` (years 50-99 are 19xx, 00-49 are 20xx) and `YYYYMMDDHHMMSSZ`.
 */
export function readTime(der: Buffer, tlv: Tlv): number {
  const { body, end } = tlv;
  const utc = tlv.tag === TAG.UTC_TIME;
  if (!utc && tlv.tag !== TAG.GENERALIZED_TIME) malformed('expected a time', tlv.start);
  if (end - body !== (utc ? 13 : 15) || der[end - 1] !== 0x5a) {
    malformed('time is not in the RFC 5280 form', tlv.start);
  }
  let year: number;
  let at = body;
  if (utc) {
    year = twoDigits(der, at, tlv);
    year += year < 50 ? 2000 : 1900;
    at += 2;
  } else {
    year = twoDigits(der, at, tlv) * 100 + twoDigits(der, at + 2, tlv);
    at += 4;
  }
  const month = twoDigits(der, at, tlv);
  const day = twoDigits(der, at + 2, tlv);
  const hour = twoDigits(der, at + 4, tlv);
  const minute = twoDigits(der, at + 6, tlv);
  const second = twoDigits(der, at + 8, tlv);
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const lastDay = (DAYS_IN_MONTH[month - 1] ?? 0) + (leap ? 1 : 0);
  if (day < 1 || day > lastDay || hour > 23 || minute > 59 || second > 59) {
    malformed('time out of range', tlv.start);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function twoDigits(der: Buffer, at: number, tlv: Tlv): number {
  const tens = der[at]! - 0x30;
  const ones = der[at + 1]! - 0x30;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) malformed('non-digit in time', tlv.start);
  return tens * 10 + ones;
}

/** True for the string types a certificate name or SAN may use. */
export function isStringTag(tag: number): boolean {
  return (
    tag === TAG.UTF8_STRING ||
    tag === TAG.PRINTABLE_STRING ||
    tag === TAG.IA5_STRING ||
    tag === TAG.T61_STRING ||
    tag === TAG.BMP_STRING ||
    tag === TAG.UNIVERSAL_STRING ||
    tag === TAG.VISIBLE_STRING ||
    tag === TAG.NUMERIC_STRING
  );
}

/**
 * A string element as text. T61String is read as Latin-1, as OpenSSL does, and so are the
 * ASCII-only types, so that a stray octet above 0x7f stays visible instead of vanishing.
 * Context-tagged IA5 values (SAN entries) are read by passing their implicit type as `type`.
 */
export function readString(der: Buffer, tlv: Tlv, type: number = tlv.tag): string {
  if (type === TAG.BMP_STRING) return readWideString(der, tlv, 2);
  if (type === TAG.UNIVERSAL_STRING) return readWideString(der, tlv, 4);
  if (!isStringTag(type)) malformed('expected a string', tlv.start);
  const encoding = type === TAG.UTF8_STRING ? 'utf8' : 'latin1';
  const { body, end } = tlv;
  // Buffer's decoder has a fixed cost that a loop beats for short values such as `hub-ca`.
  if (end - body > 10) return der.toString(encoding, body, end);
  let text = '';
  for (let i = body; i < end; i++) {
    const octet = der[i]!;
    if (octet >= 0x80 && encoding === 'utf8') return der.toString(encoding, body, end);
    text += String.fromCharCode(octet);
  }
  return text;
}

function readWideString(der: Buffer, tlv: Tlv, width: 2 | 4): string {
  const { body, end } = tlv;
  if ((end - body) % width !== 0) malformed('string length is not a whole character', tlv.start);
  let text = '';
  for (let i = body; i < end; i += width) {
    const unit = width === 2 ? der.readUInt16BE(i) : der.readUInt32BE(i);
    if (unit > 0x10ffff) malformed('character out of range', tlv.start);
    text += width === 2 ? String.fromCharCode(unit) : String.fromCodePoint(unit);
  }
  return text;
}
