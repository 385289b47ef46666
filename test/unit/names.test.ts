import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidNameError } from '../../lib/errors.js';
import {
  canonicalNames,
  canonicalSan,
  DEFAULT_SANS,
  desiredSans,
  parseName,
  sanDiff,
  splitSan,
} from '../../lib/pki/names.js';

/** The SAN of an input that must be accepted; fails the test with the reason otherwise. */
function sanOf(input: string): string {
  const result = parseName(input);
  if (!result.ok) throw new Error(`${JSON.stringify(input)} was rejected: ${result.reason}`);
  return result.san;
}

/** The reason an input is rejected; fails the test when it is accepted. */
function reasonFor(input: string): string {
  const result = parseName(input);
  if (result.ok) throw new Error(`${JSON.stringify(input)} was accepted as ${result.san}`);
  return result.reason;
}

describe('parseName accepts host names and IP literals in canonical form', () => {
  it.each([
    ['a one-label host name', 'jwlogin01i', 'DNS:jwlogin01i'],
    [
      'a name in upper case, lower-cased',
      'JWLogin01I.FZ-Juelich.DE',
      'DNS:jwlogin01i.fz-juelich.de',
    ],
    ['an IDNA A-label', 'xn--bcher-kva.example', 'DNS:xn--bcher-kva.example'],
    ['a label of exactly 63 characters', `${'a'.repeat(63)}.de`, `DNS:${'a'.repeat(63)}.de`],
    ['digits and inner hyphens', '1st-login--node.example', 'DNS:1st-login--node.example'],
    ['a numeric label below the top', '10.example', 'DNS:10.example'],
    ['an IPv4 address', '10.1.2.3', 'IP:10.1.2.3'],
    ['the IPv4 extremes', '255.255.255.0', 'IP:255.255.255.0'],
    ['a single zero octet', '10.0.0.1', 'IP:10.0.0.1'],
    ['IPv6 in upper case and uncompressed', '2001:DB8:0:0:0:0:0:1', 'IP:2001:db8::1'],
    ['IPv6 loopback written out', '0:0:0:0:0:0:0:1', 'IP:::1'],
    ['IPv6 with leading zeros', '2001:0db8:0000:0000:0000:0000:0000:0001', 'IP:2001:db8::1'],
    ['the unspecified IPv6 address', '::', 'IP:::'],
    ['IPv6 with zeros at the end', 'fe80:0:0:0:0:0:0:0', 'IP:fe80::'],
    ['IPv6 with one zero group, not shortened', '2001:db8:0:1:1:1:1:1', 'IP:2001:db8:0:1:1:1:1:1'],
    ['IPv6 with "::" for a single group', '1::2:3:4:5:6:7', 'IP:1:0:2:3:4:5:6:7'],
    ['IPv6 with the longer of two zero runs shortened', '1:0:0:1:0:0:0:1', 'IP:1:0:0:1::1'],
    ['IPv6 with the first of two equal runs shortened', '1:0:0:1:0:0:1:1', 'IP:1::1:0:0:1:1'],
    ['IPv4-mapped IPv6 in dotted form', '::ffff:10.1.2.3', 'IP:::ffff:a01:203'],
    ['IPv4-mapped IPv6 in hex form', '::ffff:0a01:0203', 'IP:::ffff:a01:203'],
    ['IPv4-mapped IPv6 in upper case', '::FFFF:10.1.2.3', 'IP:::ffff:a01:203'],
    ['IPv6 with an embedded IPv4 tail', '64:ff9b::192.0.2.33', 'IP:64:ff9b::c000:221'],
  ])('accepts %s', (_behaviour, input, san) => {
    expect(sanOf(input)).toBe(san);
  });

  it('accepts a name of exactly 253 characters', () => {
    // Prepare: three labels of 63 and one of 61, joined by dots, is 253 characters.
    const name = `${['a', 'b', 'c'].map((c) => c.repeat(63)).join('.')}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);

    // Act & Assess
    expect(sanOf(name)).toBe(`DNS:${name}`);
  });

  it('writes IPv6 as the WHATWG URL serialiser does (RFC 5952), for random addresses', () => {
    // Prepare: a seeded generator, and groups that are often zero so runs of zeros occur.
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const group = () => (random(3) === 0 ? random(0x10000) : 0);

    for (let i = 0; i < 500; i++) {
      const groups = Array.from({ length: 8 }, group);
      const written = groups.map((g) => g.toString(16).toUpperCase().padStart(4, '0')).join(':');

      // Act
      const san = sanOf(written);

      // Assess: the URL parser is an independent implementation of the same rules.
      const expected = new URL(`http://[${written}]/`).hostname.slice(1, -1);
      expect(san).toBe(`IP:${expected}`);
      expect(isIPv6(san.slice(3))).toBe(true);
    }
  });

  it('gives IPv4 literals that node also reads as IPv4', () => {
    for (const input of ['0.0.0.0', '1.2.3.4', '192.168.100.200', '255.255.255.255']) {
      expect(isIPv4(splitSan(sanOf(input)).value)).toBe(true);
    }
  });
});

describe('parseName rejects what is not a host name or IP literal, saying why', () => {
  it.each([
    ['empty input', '', /empty/],
    ['leading whitespace', ' jwlogin01i', /leading or trailing whitespace/],
    ['trailing whitespace', 'jwlogin01i ', /leading or trailing whitespace/],
    ['a trailing newline, as left by reading a file', 'jwlogin01i\n', /whitespace/],
    ['an empty label', 'a..b', /empty label/],
    ['a label over 63 characters', `${'a'.repeat(64)}.de`, /label of 64 characters.*63/],
    ['a name over 253 characters', `${'a.'.repeat(126)}ab`, /254 characters.*253/],
    ['a label with a leading hyphen', '-login.example', /"-login".*hyphen/],
    ['a label with a trailing hyphen', 'login-.example', /"login-".*hyphen/],
    ['a leading dot', '.example', /starts with a dot/],
    ['a trailing root dot', 'login.example.', /ends with a dot/],
    ['an underscore', 'login_01.example', /underscore/],
    ['a wildcard label', '*.example', /wildcards are not allowed/],
    ['a wildcard inside a label', 'log*in.example', /wildcards are not allowed/],
    ['an inner space', 'login 01', /space or tab/],
    ['an inner tab', 'login\t01', /space or tab/],
    ['a comma', 'login01,login02', /comma/],
    ['an inner newline', 'login01\nlogin02', /line break/],
    ['an inner carriage return', 'login01\rlogin02', /line break/],
    ['a NUL character', 'login\u000001', /NUL/],
    ['another control character', 'login\u000101', /control character/],
    ['the DEL character', 'login\u007f01', /control character/],
    ['a DNS: prefix', 'DNS:login.example', /write the bare name; hubcerts adds the type/],
    ['an IP: prefix', 'IP:10.1.2.3', /write the bare name; hubcerts adds the type/],
    ['a lower-case prefix', 'dns:login.example', /write the bare name/],
    ['IPv4 with a leading zero', '10.01.2.3', /octet "01".*leading zero/],
    ['IPv4 with an octet over 255', '999.1.1.1', /octet 999.*0-255/],
    ['an IPv6 zone id', 'fe80::1%eth0', /zone id/],
    ['an IPv6 address in brackets', '[2001:db8::1]', /brackets/],
    ['a host with a port', 'login.example:22', /port/],
    ['an IPv4 address with a port', '10.1.2.3:22', /port/],
    ['three numeric labels', '1.2.3', /all-numeric top label.*not an IPv4 address/],
    ['a numeric top label under a name', 'login.123', /all-numeric top label/],
    ['a bare number', '12345', /all-numeric top label/],
    ['a Unicode name', 'bücher.example', /non-ASCII.*A-label \(xn--/],
    ['a non-breaking space inside', 'login\u00a001', /non-ASCII/],
    ['another punctuation character', 'login$.example', /contains "\$"/],
    ['a network in CIDR form', '10.0.0.0/8', /contains "\/"/],
    ['"::" twice', '1::2::3', /"::" more than once/],
    ['nine IPv6 groups', '1:2:3:4:5:6:7:8:9', /eight groups/],
    ['"::" with eight more groups', '1:2:3:4::5:6:7:8', /too many groups/],
    ['a five-digit IPv6 group', '2001:db8::12345', /"12345".*hex digits/],
    ['a lone colon at the start', ':1:2:3:4:5:6:7', /empty group/],
    ['three colons', '1:::2', /empty group/],
    ['non-hex IPv6 characters', '2001:db8::g', /hex digits/],
    ['an IPv6 tail with a bad IPv4 part', '::ffff:1.2.3.256', /embedded IPv4.*256/],
    ['an IPv4 part before the end', '1.2.3.4::1', /"1\.2\.3\.4".*hex digits/],
  ])('rejects %s', (_behaviour, input, reason) => {
    expect(reasonFor(input)).toMatch(reason);
  });
});

describe('canonicalNames', () => {
  it('removes duplicates, keeping the first occurrence, across spellings', () => {
    const inputs = ['B.example', '10.1.2.3', 'a.example', 'b.EXAMPLE', '::FFFF:10.1.2.3'];

    const sans = canonicalNames([...inputs, '::ffff:a01:203', 'A.example']);

    expect(sans).toEqual(['DNS:b.example', 'IP:10.1.2.3', 'DNS:a.example', 'IP:::ffff:a01:203']);
  });

  it('lists every bad input, in input order, in one error', () => {
    // Prepare
    const inputs = ['good.example', 'bad_one', '*.wild', 'fine', 'trailing.'];

    // Act
    const act = () => canonicalNames(inputs, 'login node');

    // Assess
    expect(act).toThrow(InvalidNameError);
    try {
      act();
    } catch (error) {
      const problems = (error as InvalidNameError).problems;
      expect(problems.map((p) => p.input)).toEqual(['bad_one', '*.wild', 'trailing.']);
      expect(problems[1]?.reason).toMatch(/wildcards/);
      expect((error as Error).message).toMatch(/^Invalid login nodes: "bad_one" \(.*underscore/);
    }
  });

  it('returns an empty list for no inputs', () => {
    expect(canonicalNames([])).toEqual([]);
  });
});

describe('desiredSans', () => {
  it('lists the defaults, then the fixed names, then the inventory names', () => {
    const sans = desiredSans(['proxy-api', 'HUB'], ['jwlogin01i', '10.1.2.3']);

    expect(sans).toEqual([
      ...DEFAULT_SANS,
      'DNS:proxy-api',
      'DNS:hub',
      'DNS:jwlogin01i',
      'IP:10.1.2.3',
    ]);
  });

  it('keeps the first occurrence when names repeat the defaults or each other', () => {
    const sans = desiredSans(['LOCALHOST', 'hub', '0:0:0:0:0:0:0:1'], ['hub', '127.0.0.1', 'n1']);

    expect(sans).toEqual(['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', 'DNS:hub', 'DNS:n1']);
  });

  it('rejects bad names from both lists in one error', () => {
    const act = () => desiredSans(['hub_1'], ['ok', 'node.']);

    expect(act).toThrow(/"hub_1".*underscore.*"node\.".*ends with a dot/);
  });
});

describe('splitSan and canonicalSan', () => {
  it.each([
    ['DNS:jwlogin01i', 'dns', 'jwlogin01i'],
    ['IP:10.1.2.3', 'ip', '10.1.2.3'],
    ['IP:::1', 'ip', '::1'],
  ])('splits %s into its type and value', (san, type, value) => {
    expect(splitSan(san)).toEqual({ type, value });
  });

  it('refuses a string without a SAN type', () => {
    expect(() => splitSan('email:a@b.example')).toThrow(InvalidNameError);
  });

  it.each([
    ['IP:0:0:0:0:0:0:0:1', 'IP:::1'],
    ['DNS:Login.Example', 'DNS:login.example'],
    ['DNS:10.1.2.3', 'DNS:10.1.2.3'],
    ['DNS:*.example', 'DNS:*.example'],
    ['URI:https://hub.example', 'URI:https://hub.example'],
  ])('gives %s the canonical form %s, leaving what is not valid as it is', (san, canonical) => {
    expect(canonicalSan(san)).toBe(canonical);
  });
});

describe('sanDiff', () => {
  it('finds no difference between lists that differ only in order and spelling', () => {
    const current = ['IP:0:0:0:0:0:0:0:1', 'DNS:b', 'DNS:A'];

    expect(sanDiff(current, ['DNS:a', 'IP:::1', 'DNS:b'])).toEqual({ added: [], removed: [] });
  });

  it('lists what to add in desired order and what to remove in current order', () => {
    // Prepare
    const current = ['DNS:localhost', 'DNS:old2', 'DNS:keep', 'DNS:old1', 'DNS:*.wild'];
    const desired = ['DNS:new2', 'DNS:keep', 'DNS:localhost', 'IP:10.0.0.9'];

    // Act
    const diff = sanDiff(current, desired);

    // Assess
    expect(diff.added).toEqual(['DNS:new2', 'IP:10.0.0.9']);
    expect(diff.removed).toEqual(['DNS:old2', 'DNS:old1', 'DNS:*.wild']);
  });

  it('treats an IP address in a dNSName as different from the same iPAddress', () => {
    expect(sanDiff(['DNS:10.1.2.3'], ['IP:10.1.2.3'])).toEqual({
      added: ['IP:10.1.2.3'],
      removed: ['DNS:10.1.2.3'],
    });
  });
});
