/**
 * The SAN rules (design sections 3 and 4.1): which host names and IP literals a hubcerts
 * certificate may carry, and the one canonical string for each, such as `DNS:jwlogin01i`
 * or `IP:2001:db8::1`.
 *
 * Names come from machines (the inventory, settings), so nothing is repaired silently: a name
 * with surrounding whitespace, a trailing root dot or a port is an error that says what to
 * change. The only rewriting is canonicalisation: DNS names are lower-cased and IP literals
 * are written in their canonical form (see `ip-literal.ts`).
 *
 * Internationalised names are rejected rather than converted: a certificate holds the IDNA
 * A-label (`xn--…`, RFC 5280), and converting here would need tables that differ between
 * IDNA 2003 and 2008. The operator gives the A-label, so the name in the inventory is the name
 * in the certificate.
 */
import { InvalidNameError, type NameProblem } from '../errors.js';
import { formatIPv6, parseIPv4, parseIPv6 } from './ip-literal.js';

/** A canonical SAN string, or the reason the input is not acceptable. */
export type NameResult = { ok: true; san: string } | { ok: false; reason: string };

/** The SANs every leaf carries before the fixed and inventory names (design section 3). */
export const DEFAULT_SANS: readonly string[] = ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost'];

const MAX_NAME = 253;
const MAX_LABEL = 63;
const HOST_CHAR = /[^a-z0-9.-]/;
const ALL_DIGITS = /^[0-9]+$/;
const TYPE_PREFIX = /^(dns|ip):/i;
const HOST_PORT = /^[^:]+:[0-9]*$/;

/**
 * Checks on the raw input that rule it out as any kind of name, in order: the first match
 * gives the reason. Control characters are tested before non-ASCII so each gets its own.
 */
const SHAPE_RULES: readonly (readonly [(input: string) => boolean, string])[] = [
  [(s) => s.length === 0, 'is empty'],
  [(s) => /^\s|\s$/.test(s), 'has leading or trailing whitespace (names are not trimmed)'],
  [(s) => s.includes('\0'), 'contains a NUL character'],
  [(s) => /[\r\n]/.test(s), 'contains a line break'],
  [(s) => /[ \t]/.test(s), 'contains a space or tab'],
  [(s) => [...s].some((c) => c < ' ' || c === '\x7f'), 'contains a control character'],
  [
    (s) => [...s].some((c) => c > '\x7f'),
    'contains non-ASCII characters; give an internationalised name as its A-label (xn--…)',
  ],
  [
    (s) => TYPE_PREFIX.test(s),
    'has a DNS:/IP: prefix; write the bare name; hubcerts adds the type',
  ],
  [(s) => s.includes('*'), 'wildcards are not allowed'],
  [(s) => s.includes(','), 'contains a comma; give one name per entry'],
  [(s) => /[[\]]/.test(s), 'contains brackets; write an IPv6 address bare, without a port'],
  [
    (s) => s.includes('%') && s.includes(':'),
    'has an IPv6 zone id (%…), which means something on one host only',
  ],
  [(s) => s.includes('_'), 'contains an underscore, which host names may not'],
];

/** Parse one host name or IP literal into its canonical SAN string. */
export function parseName(input: string): NameResult {
  const rule = SHAPE_RULES.find(([matches]) => matches(input));
  if (rule) return { ok: false, reason: rule[1] };
  const name = input.toLowerCase();
  return name.includes(':') ? parseColonName(name) : parseDottedName(name);
}

/** A name with a colon is an IPv6 literal, or a mistake such as `host:22`. */
function parseColonName(name: string): NameResult {
  const v6 = parseIPv6(name);
  if (v6.ok) return { ok: true, san: `IP:${formatIPv6(v6.value)}` };
  if (HOST_PORT.test(name)) return { ok: false, reason: 'has a port; give the host name only' };
  return { ok: false, reason: `is not a valid IPv6 address: it ${v6.reason}` };
}

/** A DNS name (RFC 1123, CA/Browser Forum rules) or a dotted-quad IPv4 literal. */
function parseDottedName(name: string): NameResult {
  const fail = (reason: string): NameResult => ({ ok: false, reason });
  if (name.length > MAX_NAME) return fail(`is ${name.length} characters long; at most 253`);
  if (name.startsWith('.')) return fail('starts with a dot');
  if (name.endsWith('.')) return fail('ends with a dot; leave out the trailing root dot');
  const labels = name.split('.');
  if (labels.includes('')) return fail('has an empty label (two dots in a row)');

  // An all-numeric top label means the name was meant as an IPv4 address (RFC 1123 2.1).
  if (ALL_DIGITS.test(labels[labels.length - 1] ?? '')) {
    if (labels.length !== 4 || !labels.every((label) => ALL_DIGITS.test(label))) {
      return fail('has an all-numeric top label but is not an IPv4 address (four octets)');
    }
    const v4 = parseIPv4(name);
    return v4.ok
      ? { ok: true, san: `IP:${v4.value.join('.')}` }
      : fail(`is an IPv4 address that ${v4.reason}`);
  }

  const bad = HOST_CHAR.exec(name);
  if (bad) return fail(`contains "${bad[0]}"; only letters, digits, hyphens and dots are allowed`);
  for (const label of labels) {
    if (label.length > MAX_LABEL) {
      return fail(
        `has a label of ${label.length} characters ("${label.slice(0, 12)}…"); at most 63`,
      );
    }
    if (label.startsWith('-') || label.endsWith('-')) {
      return fail(`has the label "${label}", which starts or ends with a hyphen`);
    }
  }
  return { ok: true, san: `DNS:${name}` };
}

/**
 * Canonical SAN strings for `inputs`, duplicates removed (first occurrence kept). Throws one
 * `InvalidNameError` listing every bad input; `context` names the inputs in its message.
 */
export function canonicalNames(inputs: readonly string[], context?: string): string[] {
  const sans = new Set<string>();
  const problems: NameProblem[] = [];
  for (const input of inputs) {
    const result = parseName(input);
    if (result.ok) sans.add(result.san);
    else problems.push({ input, reason: result.reason });
  }
  if (problems.length > 0) throw new InvalidNameError(problems, context);
  return [...sans];
}

/**
 * The SAN list a leaf must carry: the defaults, then the fixed names, then the inventory
 * names, canonical and without duplicates (first occurrence kept). It depends on these inputs
 * alone, never on the certificate in use.
 */
export function desiredSans(
  fixedNames: readonly string[],
  inventoryNames: readonly string[],
): string[] {
  const named = canonicalNames([...fixedNames, ...inventoryNames], 'SAN name');
  return [...new Set([...DEFAULT_SANS, ...named])];
}

/** The type and bare value of a SAN string; throws `InvalidNameError` for other strings. */
export function splitSan(san: string): { type: 'dns' | 'ip'; value: string } {
  if (san.startsWith('DNS:')) return { type: 'dns', value: san.slice(4) };
  if (san.startsWith('IP:')) return { type: 'ip', value: san.slice(3) };
  throw new InvalidNameError([{ input: san, reason: 'does not start with DNS: or IP:' }], 'SAN');
}

/**
 * The canonical form of a SAN string read from elsewhere (a certificate, a report), such as
 * `IP:0:0:0:0:0:0:0:1` to `IP:::1`. A string that is not a valid SAN of its stated type is
 * returned unchanged, so that a comparison still shows it instead of failing.
 */
export function canonicalSan(san: string): string {
  if (!san.startsWith('DNS:') && !san.startsWith('IP:')) return san;
  const { type, value } = splitSan(san);
  const result = parseName(value);
  if (!result.ok || splitSan(result.san).type !== type) return san;
  return result.san;
}

/**
 * The SANs to add to `current` and to remove from it to reach `desired`. Both sides are
 * compared in canonical form and order does not matter; each list keeps the order of its
 * source and holds canonical strings.
 */
export function sanDiff(
  current: readonly string[],
  desired: readonly string[],
): { added: string[]; removed: string[] } {
  const have = new Set(current.map(canonicalSan));
  const want = new Set(desired.map(canonicalSan));
  return {
    added: [...want].filter((san) => !have.has(san)),
    removed: [...have].filter((san) => !want.has(san)),
  };
}
