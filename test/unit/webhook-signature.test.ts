import { describe, expect, it } from 'vitest';
import {
  hmacHex,
  signPayload,
  TOLERANCE_SECONDS,
  verifySignature,
} from '../../functions/http/signature.js';

const KEY = 'current-key';
const OLD_KEY = 'previous-key';
const NOW = 1_796_299_200;
const BODY = Buffer.from('{"revision":42,"systems":[]}');

const v1 = (key: string, t: number, body: Buffer | string = BODY) =>
  hmacHex(key, Buffer.concat([Buffer.from(`${t}.`), Buffer.from(body)]));

describe('webhook signature', () => {
  it('computes HMAC-SHA256 as GitHub documents it', () => {
    // Prepare: GitHub's published test vector.
    const key = "It's a Secret to Everybody";

    // Act
    const mac = hmacHex(key, 'Hello, World!');

    // Assess
    expect(mac).toBe('757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });

  it('accepts a body signed with the key at the current time', () => {
    const header = signPayload(BODY, KEY, NOW);

    const check = verifySignature(header, BODY, [KEY], NOW);

    expect(check).toEqual({ ok: true, timestamp: NOW });
    expect(header).toBe(`t=${NOW},v1=${v1(KEY, NOW)}`);
  });

  it('accepts a signature made with any of several configured keys', () => {
    const header = signPayload(BODY, OLD_KEY, NOW);

    const check = verifySignature(header, BODY, [KEY, OLD_KEY], NOW);

    expect(check.ok).toBe(true);
  });

  it('accepts a header with several v1 entries when one of them matches', () => {
    const header = `t=${NOW},v1=${v1('retired-key', NOW)},v1=${v1(KEY, NOW)}`;

    const check = verifySignature(header, BODY, [KEY], NOW);

    expect(check.ok).toBe(true);
  });

  it('accepts signatures up to the tolerance in either direction', () => {
    const past = signPayload(BODY, KEY, NOW - TOLERANCE_SECONDS);
    const future = signPayload(BODY, KEY, NOW + TOLERANCE_SECONDS);

    expect(verifySignature(past, BODY, [KEY], NOW).ok).toBe(true);
    expect(verifySignature(future, BODY, [KEY], NOW).ok).toBe(true);
  });

  it('refuses a correctly signed request older than 300 seconds', () => {
    const header = signPayload(BODY, KEY, NOW - TOLERANCE_SECONDS - 1);

    const check = verifySignature(header, BODY, [KEY], NOW);

    expect(check).toMatchObject({ ok: false, code: 'SIGNATURE_EXPIRED' });
    expect(check.ok || check.message).toMatch(/301 s ago/);
  });

  it('refuses a correctly signed request from more than 300 seconds ahead', () => {
    const header = signPayload(BODY, KEY, NOW + TOLERANCE_SECONDS + 1);

    const check = verifySignature(header, BODY, [KEY], NOW);

    expect(check).toMatchObject({ ok: false, code: 'SIGNATURE_FROM_FUTURE' });
  });

  it('refuses a signature made with a key that is not configured', () => {
    const header = signPayload(BODY, 'somebody-else', NOW);

    const check = verifySignature(header, BODY, [KEY, OLD_KEY], NOW);

    expect(check).toMatchObject({ ok: false, code: 'SIGNATURE_MISMATCH' });
  });

  it('refuses the same JSON serialised with other bytes', () => {
    // Prepare: signed compactly, sent pretty-printed; the value is the same, the bytes are not.
    const value = JSON.parse(BODY.toString());
    const header = signPayload(JSON.stringify(value), KEY, NOW);
    const resent = Buffer.from(JSON.stringify(value, null, 2));

    // Act
    const check = verifySignature(header, resent, [KEY], NOW);

    // Assess
    expect(JSON.parse(resent.toString())).toEqual(value);
    expect(check).toMatchObject({ ok: false, code: 'SIGNATURE_MISMATCH' });
  });

  it('refuses a timestamp that was changed after signing', () => {
    const header = `t=${NOW + 1},v1=${v1(KEY, NOW)}`;

    expect(verifySignature(header, BODY, [KEY], NOW)).toMatchObject({
      code: 'SIGNATURE_MISMATCH',
    });
  });

  it('refuses a request without the header', () => {
    expect(verifySignature(undefined, BODY, [KEY], NOW)).toMatchObject({
      code: 'SIGNATURE_MISSING',
    });
    expect(verifySignature('  ', BODY, [KEY], NOW)).toMatchObject({ code: 'SIGNATURE_MISSING' });
  });

  it.each([
    ['GitHub sha256= form', () => `sha256=${v1(KEY, NOW)}`, /sha256=<hex> form/],
    ['GitHub sha1= form', () => `sha1=${'ab'.repeat(20)}`, /sha256=<hex> form/],
    ['truncated hex', () => `t=${NOW},v1=${v1(KEY, NOW).slice(0, 63)}`, /64 lower-case hex/],
    ['upper-case hex', () => `t=${NOW},v1=${v1(KEY, NOW).toUpperCase()}`, /64 lower-case hex/],
    ['hex that is not hex', () => `t=${NOW},v1=${'zz'.repeat(32)}`, /64 lower-case hex/],
    ['no timestamp', () => `v1=${v1(KEY, NOW)}`, /no t= element/],
    ['no v1 entry', () => `t=${NOW}`, /no v1= element/],
    ['two timestamps', () => `t=${NOW},t=${NOW},v1=${v1(KEY, NOW)}`, /more than one t=/],
    ['timestamp in milliseconds', () => `t=${NOW}000,v1=${v1(KEY, NOW)}`, /whole seconds/],
    ['negative timestamp', () => `t=-${NOW},v1=${v1(KEY, NOW)}`, /whole seconds/],
    ['unknown element', () => `t=${NOW},v1=${v1(KEY, NOW)},v0=abc`, /unknown element "v0"/],
    ['element without =', () => `t=${NOW},${v1(KEY, NOW)}`, /is not key=value/],
    ['empty element', () => `t=${NOW},,v1=${v1(KEY, NOW)}`, /is not key=value/],
    ['semicolons', () => `t=${NOW};v1=${v1(KEY, NOW)}`, /whole seconds/],
    ['too many v1 entries', () => `t=${NOW}${`,v1=${v1(KEY, NOW)}`.repeat(9)}`, /more than 8/],
    ['an overlong header', () => `t=${NOW},v1=${'a'.repeat(2000)}`, /longer than 1024/],
  ])('refuses a malformed header: %s', (_name, header, reason) => {
    const check = verifySignature(header(), BODY, [KEY], NOW);

    expect(check).toMatchObject({ ok: false, code: 'SIGNATURE_MALFORMED' });
    expect(check.ok || check.message).toMatch(reason);
  });

  it('tolerates spaces around the elements', () => {
    const header = ` t=${NOW} , v1=${v1(KEY, NOW)} `;

    expect(verifySignature(header, BODY, [KEY], NOW).ok).toBe(true);
  });

  it('refuses everything when no key is configured', () => {
    const header = signPayload(BODY, KEY, NOW);

    expect(verifySignature(header, BODY, [], NOW)).toMatchObject({ code: 'SIGNATURE_MISMATCH' });
  });
});
