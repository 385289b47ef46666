/**
 * The part of go-yaml v2's emitter that kubectl uses to print a Secret: block mappings of
 * strings. kubectl (through sigs.k8s.io/yaml) prints every object this way, so matching it
 * byte for byte means reproducing go-yaml's choices: keys in its "natural" order (`v9`
 * before `v10`), strings quoted when YAML 1.1 would read them as something else (`"true"`,
 * `"2020"`, `"0x1F"`, `"2001-12-14"`), `'-'` single-quoted, keys over 128 bytes in the
 * explicit `? key` form, long values folded after column 80, values with newlines as literal
 * blocks. Function names follow go-yaml's emitterc.go and resolve.go.
 *
 * Two limits. go-yaml's key order is not transitive for some key sets (`0777`, `0b-1`,
 * `1e3`): kubectl's own output for those changes from run to run, so no text can match it;
 * for every other set the order here is kubectl's. And a value holding U+2028 or U+2029 is
 * written double-quoted, where go-yaml would print those characters as line breaks.
 */

const BEST_WIDTH = 80;

/**
 * The entries of a block mapping at `indent`, keys in go-yaml's order, ending in a newline.
 * Keys must be ASCII (Secret keys and annotation keys are); values may be any text.
 */
export function blockMapping(indent: number, pairs: [string, string][]): string {
  const sorted = [...pairs].sort(([a], [b]) => (goKeyLess(a, b) ? -1 : goKeyLess(b, a) ? 1 : 0));
  return sorted.map(([key, value]) => entry(indent, key, value)).join('');
}

function entry(indent: number, key: string, value: string): string {
  const pad = ' '.repeat(indent);
  // Scalars that wrap continue one indentation step deeper than their key.
  const inner = indent + 2;
  const end = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  if (Buffer.byteLength(key) > 128) {
    // go-yaml writes a key over 128 bytes in the explicit form: `? key` then `: value`.
    const explicitKey = scalar(key, indent + 1, inner, false);
    return `${pad}?${explicitKey}\n${pad}:${end(scalar(value, indent + 1, inner, false))}`;
  }
  const head = `${pad}${scalar(key, indent, inner, true)}:`;
  return head + end(scalar(value, [...head].length, inner, false));
}

/** Writes `value` starting at `column`; a simple key sits at the line start and never wraps. */
function scalar(value: string, column: number, indent: number, simpleKey: boolean): string {
  const style = chooseStyle(value, simpleKey);
  let out = simpleKey ? '' : ' ';
  if (style === 'literal') return `${out}${literal(value, indent)}`;

  let col = column + out.length;
  const put = (text: string) => {
    out += text;
    col += text.length;
  };
  const quote = style === 'single' ? "'" : style === 'double' ? '"' : '';
  const chars = [...value];
  let spaces = false;
  put(quote);
  chars.forEach((char, i) => {
    const next = chars[i + 1];
    if (style === 'double' && needsEscape(char)) {
      put(escapeCode(char.codePointAt(0)!));
      spaces = false;
    } else if (char === ' ') {
      const inside = style === 'plain' || (i > 0 && i < chars.length - 1);
      if (
        !simpleKey &&
        !spaces &&
        col > BEST_WIDTH &&
        inside &&
        (style === 'double' || next !== ' ')
      ) {
        out += `\n${' '.repeat(indent)}`;
        col = indent;
        if (next === ' ') put('\\');
      } else put(' ');
      spaces = true;
    } else {
      if (char === "'" && style === 'single') put("'");
      out += char;
      col += 1;
      spaces = false;
    }
  });
  put(quote);
  return out;
}

function literal(value: string, indent: number): string {
  const hint = value.startsWith(' ') || value.startsWith('\n') ? '2' : '';
  const keep = value === '\n' || value.endsWith('\n\n');
  let out = `|${hint}${!value.endsWith('\n') ? '-' : keep ? '+' : ''}\n`;
  let lineStart = true;
  for (const char of value) {
    if (char !== '\n' && lineStart) out += ' '.repeat(indent);
    out += char;
    lineStart = char === '\n';
  }
  return out;
}

type Style = 'plain' | 'single' | 'double' | 'literal';

function chooseStyle(value: string, simpleKey: boolean): Style {
  const allowed = analyse(value);
  let style: Style = value.includes('\n') ? 'literal' : canUsePlain(value) ? 'plain' : 'double';
  if (simpleKey && allowed.multiline) style = 'double';
  if (style === 'plain' && (!allowed.plain || (simpleKey && value === ''))) style = 'single';
  if (style === 'single' && !allowed.single) style = 'double';
  if (style === 'literal' && (!allowed.block || simpleKey)) style = 'double';
  return style;
}

/** `yaml_emitter_analyze_scalar`: which styles can hold `value` in block context. */
function analyse(value: string): {
  multiline: boolean;
  plain: boolean;
  single: boolean;
  block: boolean;
} {
  if (value === '') return { multiline: false, plain: true, single: true, block: false };
  const chars = [...value];
  const last = chars.length - 1;
  const seen = {
    indicator: value.startsWith('---') || value.startsWith('...'),
    special: false,
    lineBreak: false,
    edgeBlank: false,
    trailingSpace: false,
    spaceBreak: false,
    breakSpace: false,
  };
  let previous: 'space' | 'break' | 'other' = 'other';
  let afterBlank = true;
  chars.forEach((char, i) => {
    const next = chars[i + 1];
    const beforeBlank = next === undefined || next === ' ' || next === '\t';
    if (i === 0 && '#,[]{}&*!|>\'"%@`'.includes(char)) seen.indicator = true;
    if (i === 0 && '?:-'.includes(char) && beforeBlank) seen.indicator = true;
    if (i > 0 && ((char === ':' && beforeBlank) || (char === '#' && afterBlank)))
      seen.indicator = true;
    const code = char.codePointAt(0)!;
    // go-yaml prints U+2028 and U+2029 as line breaks; calling them special keeps this
    // emitter small, at the cost of a different (equivalent) style for such values.
    if (!printable(code) || code === 0x2028 || code === 0x2029) seen.special = true;
    const kind = char === ' ' ? 'space' : '\n\r\u0085'.includes(char) ? 'break' : 'other';
    if (kind !== 'other') seen.edgeBlank ||= i === 0 || i === last;
    if (kind === 'space') seen.trailingSpace ||= i === last;
    if (kind === 'space') seen.breakSpace ||= previous === 'break';
    if (kind === 'break') seen.spaceBreak ||= previous === 'space';
    seen.lineBreak ||= kind === 'break';
    previous = kind;
    afterBlank = ' \t\n\r\u0085\u2028\u2029\u0000'.includes(char);
  });
  const { indicator, special, lineBreak, edgeBlank, trailingSpace, spaceBreak, breakSpace } = seen;
  return {
    multiline: lineBreak,
    plain: !(edgeBlank || breakSpace || spaceBreak || special || lineBreak || indicator),
    single: !(breakSpace || spaceBreak || special),
    block: !(trailingSpace || spaceBreak || special),
  };
}

function printable(code: number): boolean {
  return (
    code === 0x0a ||
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd && code !== 0xfeff)
  );
}

function needsEscape(char: string): boolean {
  const code = char.codePointAt(0)!;
  return !printable(code) || '\n\r\u0085\u2028\u2029"\\'.includes(char);
}

const ESCAPES: Readonly<Record<number, string>> = {
  0: '0',
  7: 'a',
  8: 'b',
  9: 't',
  10: 'n',
  11: 'v',
  12: 'f',
  13: 'r',
  27: 'e',
  34: '"',
  92: '\\',
  133: 'N',
  8232: 'L',
  8233: 'P',
};

function escapeCode(code: number): string {
  const named = ESCAPES[code];
  if (named) return `\\${named}`;
  const [letter, width] = code <= 0xff ? ['x', 2] : code <= 0xffff ? ['u', 4] : ['U', 8];
  return `\\${letter}${code.toString(16).toUpperCase().padStart(width, '0')}`;
}

// go-yaml v2 resolve.go: would `value`, written plain, be read back as something else?

const NON_STRINGS = new Set([
  ...['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'],
  ...['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'],
  ...['~', 'null', 'Null', 'NULL', '.nan', '.NaN', '.NAN'],
  ...['', '+', '-'].flatMap((sign) => ['inf', 'Inf', 'INF'].map((inf) => `${sign}.${inf}`)),
]);
const YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;
const TIMESTAMP =
  /^(\d{4})-(\d\d?)-(\d\d?)(?:([Tt]| +)(\d\d?):(\d\d?):(\d\d?)(?:[.,]\d+)?(Z|[-+]\d\d:\d\d)?)?$/;
const PREFIX_RADIX: Readonly<Record<string, number>> = { b: 2, o: 8, x: 16 };

function canUsePlain(value: string): boolean {
  return !resolvesToNonString(value) && !BASE60_FLOAT.test(value);
}

function resolvesToNonString(value: string): boolean {
  const hint = value.charAt(0);
  if (value === '' || NON_STRINGS.has(value)) return true;
  if (hint === '.') return goFloat(value);
  if (!/^[-+0-9]$/.test(hint)) return false;
  if (isTimestamp(value)) return true;
  const plain = value.replaceAll('_', '');
  if (goInt(plain) || (YAML_FLOAT.test(plain) && Number.isFinite(Number(plain)))) return true;
  // resolve.go also reads `0b` and `-0b` followed by a signed binary number.
  if (plain.startsWith('0b')) return goInt(plain.slice(2), 2);
  return plain.startsWith('-0b') && goInt(`-${plain.slice(3)}`, 2);
}

/** strconv.ParseInt or ParseUint (64 bits) succeeds; base 0 reads Go's `0x`, `0o`, `0b`, `0`. */
function goInt(text: string, base: 0 | 2 = 0): boolean {
  const sign = /^[-+]/.test(text) ? text.charAt(0) : '';
  let digits = text.slice(sign.length);
  if (digits === '') return false;
  let radix = base === 2 ? 2 : 10;
  if (base === 0 && digits.startsWith('0')) {
    const prefixed = digits.length >= 3 ? PREFIX_RADIX[digits.charAt(1).toLowerCase()] : undefined;
    radix = prefixed ?? 8;
    digits = digits.slice(prefixed ? 2 : 1);
  }
  let magnitude = 0n;
  for (const char of digits) {
    const value = Number.parseInt(char, 36);
    if (!(value < radix)) return false;
    magnitude = magnitude * BigInt(radix) + BigInt(value);
  }
  const limit = sign === '-' ? 2n ** 63n : sign === '+' ? 2n ** 63n - 1n : 2n ** 64n - 1n;
  return magnitude <= limit;
}

/** strconv.ParseFloat of a text starting with "." (underscores allowed between digits). */
function goFloat(text: string): boolean {
  if (
    text.includes('_') &&
    !/^\.(?:[0-9]+(?:_[0-9]+)*)(?:[eE][-+]?[0-9]+(?:_[0-9]+)*)?$/.test(text)
  )
    return false;
  const plain = text.replaceAll('_', '');
  return /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/.test(plain) && Number.isFinite(Number(plain));
}

/** time.Parse with go-yaml's four layouts, including Go's range checks. */
function isTimestamp(text: string): boolean {
  const match = TIMESTAMP.exec(text);
  if (!match) return false;
  const [, year, month, day, separator, hour = '0', minute = '0', second = '0', zone] = match;
  // The `T` layouts need a zone; the space layout has none.
  if (separator !== undefined && (separator.trim() === '') !== (zone === undefined)) return false;
  const zoneOk = !zone || zone === 'Z' || (+zone.slice(1, 3) <= 24 && +zone.slice(4) <= 60);
  const days = [31, isLeap(Number(year)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const inMonth = Number(day) >= 1 && Number(day) <= (days[Number(month) - 1] ?? 0);
  return inMonth && +hour < 24 && +minute < 60 && +second < 60 && zoneOk;
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** go-yaml v2 `keyList.Less` for strings: letters after other characters, digit runs by value. */
function goKeyLess(a: string, b: string): boolean {
  const digit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
  const letter = (c: string) => /^[A-Za-z]$/.test(c);
  for (let i = 0; i < a.length && i < b.length; i++) {
    const ca = a.charAt(i);
    const cb = b.charAt(i);
    if (ca === cb) continue;
    if (letter(ca) && letter(cb)) return ca < cb;
    if (letter(ca) || letter(cb)) return letter(cb);
    // Digit runs compare by value; Go's int64 arithmetic wraps, so this does too.
    let na = 0n;
    let nb = 0n;
    if (ca === '0' || cb === '0') {
      for (let j = i - 1; j >= 0 && digit(a[j]); j--) {
        if (a[j] !== '0') {
          na = 1n;
          nb = 1n;
          break;
        }
      }
    }
    let ia = i;
    let ib = i;
    for (; digit(a[ia]); ia++) na = BigInt.asIntN(64, na * 10n + BigInt(a.charCodeAt(ia) - 48));
    for (; digit(b[ib]); ib++) nb = BigInt.asIntN(64, nb * 10n + BigInt(b.charCodeAt(ib) - 48));
    if (na !== nb) return na < nb;
    if (ia !== ib) return ia < ib;
    return ca < cb;
  }
  return a.length < b.length;
}
