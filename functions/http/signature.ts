/**
 * The inventory webhook's signature (design 4.5): `X-Hubcerts-Signature: t=<unix
 * seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` an HMAC-SHA256 of `<t>.<raw body>`. Any
 * configured key may match any `v1`, so the sender and hubcerts can change keys one at a
 * time. The check runs on the raw bytes, before anything parses the body.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header, lower-case as HTTP API payload 2.0 delivers it. */
export const SIGNATURE_HEADER = 'x-hubcerts-signature';

/** How far the signed time may lie from ours, in either direction. */
export const TOLERANCE_SECONDS = 300;

/** Bounds the work an unauthenticated caller can ask for. */
const MAX_HEADER_LENGTH = 1024;
const MAX_V1_ENTRIES = 8;

/** Why a signature was refused; each is answered with 401 under this code. */
export type SignatureFailure =
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_MISMATCH'
  | 'SIGNATURE_EXPIRED'
  | 'SIGNATURE_FROM_FUTURE';

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | { ok: false; code: SignatureFailure; message: string };

/** Lower-case hex HMAC-SHA256 of `message` under `key`. */
export function hmacHex(key: string, message: Buffer | string): string {
  return createHmac('sha256', key).update(message).digest('hex');
}

/** The header value that signs `body` with `key` at unix time `t` (for senders and tests). */
export function signPayload(body: Buffer | string, key: string, t: number): string {
  return `t=${t},v1=${hmacHex(key, Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)]))}`;
}

/**
 * Checks `header` against `body` with every key in `keys`, at unix time `now`. The HMAC is
 * checked before the time, so only a holder of a key learns that its clock is off.
 */
export function verifySignature(
  header: string | undefined,
  body: Buffer,
  keys: readonly string[],
  now: number,
): SignatureCheck {
  if (header === undefined || header.trim() === '') {
    return fail('SIGNATURE_MISSING', 'the X-Hubcerts-Signature header is missing');
  }
  const parsed = parseHeader(header);
  if (typeof parsed === 'string') return fail('SIGNATURE_MALFORMED', parsed);

  const signed = Buffer.concat([Buffer.from(`${parsed.t}.`), body]);
  const expected = keys.map((key) => createHmac('sha256', key).update(signed).digest());
  const matches = parsed.v1.some((given) =>
    expected.some((mac) => mac.length === given.length && timingSafeEqual(mac, given)),
  );
  if (!matches) {
    return fail('SIGNATURE_MISMATCH', 'no v1 signature matches the body under any current key');
  }
  const age = now - parsed.t;
  if (age > TOLERANCE_SECONDS) {
    return fail(
      'SIGNATURE_EXPIRED',
      `the signature was made ${age} s ago; at most ${TOLERANCE_SECONDS} s are accepted`,
    );
  }
  if (-age > TOLERANCE_SECONDS) {
    return fail(
      'SIGNATURE_FROM_FUTURE',
      `the signature time lies ${-age} s ahead of ours; ` +
        `at most ${TOLERANCE_SECONDS} s are accepted`,
    );
  }
  return { ok: true, timestamp: parsed.t };
}

function fail(code: SignatureFailure, message: string): SignatureCheck {
  return { ok: false, code, message };
}

/** The timestamp and the decoded `v1` entries, or the sentence saying what is wrong. */
function parseHeader(header: string): { t: number; v1: Buffer[] } | string {
  if (header.length > MAX_HEADER_LENGTH) {
    return `the X-Hubcerts-Signature header is longer than ${MAX_HEADER_LENGTH} characters`;
  }
  if (/^sha(1|256)=/i.test(header.trim())) {
    return 'the signature is in the sha256=<hex> form; send t=<unix seconds>,v1=<hex> instead';
  }
  let t: number | undefined;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const match = /^\s*([A-Za-z0-9]+)=(\S*)\s*$/.exec(part);
    if (!match) return `the element ${JSON.stringify(part.slice(0, 40))} is not key=value`;
    const [, key, value] = match as unknown as [string, string, string];
    if (key === 't') {
      if (t !== undefined) return 'the header has more than one t= element';
      // Ten digits reach the year 2286; more is not a time a sender could mean.
      if (!/^\d{1,10}$/.test(value)) return 't= must be a unix time in whole seconds';
      t = Number(value);
    } else if (key === 'v1') {
      // Lower case only: that is what HMAC tools print, and one spelling keeps it simple.
      if (!/^[0-9a-f]{64}$/.test(value)) return 'each v1= must be 64 lower-case hex digits';
      v1.push(Buffer.from(value, 'hex'));
    } else {
      return `the header has the unknown element ${JSON.stringify(key.slice(0, 20))}`;
    }
  }
  if (t === undefined) return 'the header has no t= element';
  if (v1.length === 0) return 'the header has no v1= element';
  if (v1.length > MAX_V1_ENTRIES) return `the header has more than ${MAX_V1_ENTRIES} v1= elements`;
  return { t, v1 };
}
