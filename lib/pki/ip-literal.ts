/**
 * IP literals for iPAddress SANs: strict parsing and one canonical text form per address, so
 * that two spellings of the same address compare equal as strings.
 *
 * IPv6 is written as RFC 5952 section 4 prescribes (lower-case hex, no leading zeros, the
 * longest run of two or more zero groups shortened to `::`, the first run on a tie). Addresses
 * with an embedded IPv4 part (`::ffff:1.2.3.4`) are accepted on input but written in hex
 * (`::ffff:102:304`): that is the form @peculiar/x509 and the WHATWG URL serialiser produce,
 * and @peculiar/x509 misreads a dotted tail when it encodes one.
 */

/** The outcome of parsing a literal: the value, or why it is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const DECIMAL = /^[0-9]+$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const IPV6_CHARS = /^[0-9a-f:.]*$/;

/**
 * The four octets of a dotted-quad IPv4 address. Leading zeros are refused because some
 * resolvers read them as octal (`010` is 8), so the address would be ambiguous.
 */
export function parseIPv4(text: string): Parsed<number[]> {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => DECIMAL.test(p))) {
    return { ok: false, reason: 'is not four decimal octets' };
  }
  const octets: number[] = [];
  for (const part of parts) {
    if (part.length > 1 && part.startsWith('0')) {
      const reason = `has the octet "${part}" with a leading zero, which some tools read as octal`;
      return { ok: false, reason };
    }
    const octet = Number(part);
    if (octet > 255) return { ok: false, reason: `has the octet ${part}, outside 0-255` };
    octets.push(octet);
  }
  return { ok: true, value: octets };
}

/** The eight 16-bit groups of an IPv6 address given in lower case, without zone or brackets. */
export function parseIPv6(text: string): Parsed<number[]> {
  if (!IPV6_CHARS.test(text)) {
    return { ok: false, reason: 'may hold only hex digits, ":" and "."' };
  }
  const halves = text.split('::');
  if (halves.length > 2) return { ok: false, reason: 'has "::" more than once' };

  const head = parseGroups(halves[0] ?? '', halves.length === 1);
  if (!head.ok) return head;
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? '', true) : undefined;
  if (tail !== undefined && !tail.ok) return tail;

  // `::` stands for at least one zero group (RFC 4291 section 2.2).
  if (tail === undefined) {
    if (head.value.length !== 8) return { ok: false, reason: 'does not have eight groups' };
    return head;
  }
  const missing = 8 - head.value.length - tail.value.length;
  if (missing < 1) return { ok: false, reason: 'has too many groups for "::"' };
  return { ok: true, value: [...head.value, ...new Array<number>(missing).fill(0), ...tail.value] };
}

/** Groups of one side of `::`; only the very last group may be an embedded IPv4 address. */
function parseGroups(part: string, endsAddress: boolean): Parsed<number[]> {
  if (part === '') return { ok: true, value: [] };
  const texts = part.split(':');
  const groups: number[] = [];
  for (const [index, group] of texts.entries()) {
    if (group.includes('.') && endsAddress && index === texts.length - 1) {
      const v4 = parseIPv4(group);
      if (!v4.ok) return { ok: false, reason: `has an embedded IPv4 part that ${v4.reason}` };
      const [a = 0, b = 0, c = 0, d = 0] = v4.value;
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (group === '') {
      return { ok: false, reason: 'has an empty group (a lone ":" at an end, or ":::")' };
    } else if (!HEX_GROUP.test(group)) {
      return { ok: false, reason: `has the group "${group}", which is not 1 to 4 hex digits` };
    } else {
      groups.push(Number.parseInt(group, 16));
    }
  }
  return { ok: true, value: groups };
}

/** RFC 5952 text of eight 16-bit groups. */
export function formatIPv6(groups: readonly number[]): string {
  // Find the longest run of zero groups; the first one wins a tie.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === 0) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0 && i - runStart > bestLength) {
      bestStart = runStart;
      bestLength = i - runStart;
    }
    runStart = -1;
  }

  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const before = hex.slice(0, bestStart).join(':');
  const after = hex.slice(bestStart + bestLength).join(':');
  return `${before}::${after}`;
}
