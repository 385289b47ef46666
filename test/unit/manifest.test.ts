import { describe, expect, it } from 'vitest';
import {
  parseSecretManifest,
  renderSecretManifest,
  type SecretManifest,
} from '../../lib/certset/manifest.js';
import { CertSetError } from '../../lib/errors.js';

const SOURCE = 'file:./secret.yaml';

function refusal(act: () => unknown): CertSetError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(CertSetError);
    return error as CertSetError;
  }
  throw new Error('expected a CertSetError, but nothing was thrown');
}

/** A manifest as kubectl prints it, with `lines` as the data entries. */
function manifest(...lines: string[]): string {
  const data = lines.length > 0 ? ['data:', ...lines.map((line) => `  ${line}`)] : [];
  const rest = ['kind: Secret', 'metadata:', '  creationTimestamp: null', '  name: internal-ssl'];
  return `${['apiVersion: v1', ...data, ...rest].join('\n')}\n`;
}

describe('renderSecretManifest', () => {
  it('prints kubectl layout: sorted data, null creationTimestamp, namespace last', () => {
    // Prepare
    const secret: SecretManifest = {
      name: 'internal-ssl',
      namespace: 'jupyterjsc',
      data: { 'hub-ca_trust.crt': Buffer.from('b'), 'certipy.json': Buffer.from('{}') },
    };

    // Act
    const text = renderSecretManifest(secret);

    // Assess
    expect(text).toBe(
      'apiVersion: v1\ndata:\n  certipy.json: e30=\n  hub-ca_trust.crt: Yg==\nkind: Secret\n' +
        'metadata:\n  creationTimestamp: null\n  name: internal-ssl\n  namespace: jupyterjsc\n',
    );
  });

  it('leaves out empty data, as kubectl does', () => {
    // Act
    const text = renderSecretManifest({ name: 'internal-ssl', data: {} });

    // Assess
    expect(text).toBe(manifest());
  });

  it.each([
    ['a key YAML 1.1 reads as a boolean', 'yes', '"yes": eA=='],
    ['a key YAML 1.1 reads as a number', '0x1F', '"0x1F": eA=='],
    ['a key YAML 1.1 reads as a date', '2001-12-14', '"2001-12-14": eA=='],
    ['a key that is not a valid date', '2001-02-29', '2001-02-29: eA=='],
    ['a key that would start a sequence', '-', "'-': eA=="],
    ['a key that overflows a float', '1e999', '1e999: eA=='],
    ['a key over 128 bytes, in explicit form', 'k'.repeat(129), `? ${'k'.repeat(129)}\n  : eA==`],
  ])('writes %s as kubectl does', (_, key, line) => {
    // Act
    const text = renderSecretManifest({ name: 'internal-ssl', data: { [key]: Buffer.from('x') } });

    // Assess
    expect(text).toBe(manifest(line));
  });

  it('orders digit runs by value, as kubectl does', () => {
    // Prepare
    const data = Object.fromEntries(['v10', 'v9', 'v1', 'a'].map((k) => [k, Buffer.from('x')]));

    // Act
    const text = renderSecretManifest({ name: 'internal-ssl', data });

    // Assess
    expect(text).toBe(manifest('a: eA==', 'v1: eA==', 'v9: eA==', 'v10: eA=='));
  });

  it.each([
    [
      'a key with a slash',
      { data: { 'hub-ca/hub-ca.crt': Buffer.alloc(0) } },
      /invalid Secret key/,
    ],
    ['a key of two dots', { data: { '..': Buffer.alloc(0) } }, /invalid Secret key/],
    ['a key over 253 characters', { data: { [`${'k'.repeat(254)}`]: Buffer.alloc(0) } }, /253/],
    ['a name with capitals', { name: 'Internal-SSL' }, /invalid name/],
    ['a namespace with a dot', { namespace: 'jupyter.jsc' }, /invalid namespace/],
    ['an annotation key with a space', { annotations: { 'a b': 'c' } }, /invalid annotation key/],
  ])('refuses %s', (_, change, message) => {
    // Prepare
    const secret = { name: 'internal-ssl', data: {}, ...change };

    // Act
    const error = refusal(() => renderSecretManifest(secret));

    // Assess
    expect(error.message).toMatch(message);
  });

  it('names the Secret key at fault', () => {
    // Act
    const error = refusal(() =>
      renderSecretManifest({ name: 'internal-ssl', data: { 'a b': Buffer.alloc(0) } }),
    );

    // Assess
    expect(error.file).toBe('a b');
    expect(error.message).toBe(
      'Secret manifest "internal-ssl" has an invalid Secret key "a b": ' +
        'it must consist of letters, digits, "-", "_" or "."',
    );
  });
});

describe('parseSecretManifest', () => {
  it('reads data, name, namespace and annotations back from a rendered manifest', () => {
    // Prepare
    const secret: SecretManifest = {
      name: 'internal-ssl',
      namespace: 'jupyterjsc',
      data: {
        'proxy-client_proxy-client.key': Buffer.from([0, 1, 0xfe, 0xff]),
        empty: Buffer.alloc(0),
      },
      annotations: { 'hubcerts.io/inventory-revision': '42', 'example.org/note': 'two\nlines\n' },
    };

    // Act
    const parsed = parseSecretManifest(renderSecretManifest(secret), SOURCE);

    // Assess
    expect(parsed).toEqual(secret);
  });

  it('reads stringData, which wins over data for the same key, as in Kubernetes', () => {
    // Prepare
    const stringData = 'stringData:\n  b: from stringData\n  c: "1234"\n';
    const text = `${manifest('a: eA==', 'b: eA==')}${stringData}`;

    // Act
    const parsed = parseSecretManifest(text, SOURCE);

    // Assess
    expect(parsed.data).toEqual({
      a: Buffer.from('x'),
      b: Buffer.from('from stringData'),
      c: Buffer.from('1234'),
    });
  });

  it('reads keys kubectl leaves plain that YAML 1.2 would read as numbers', () => {
    // Prepare: go-yaml writes these plain because they overflow Go's float64 and int64.
    const text = manifest('1e999: eA==', '0x1234567890ABCDEF1: eA==');

    // Act
    const parsed = parseSecretManifest(text, SOURCE);

    // Assess
    expect(Object.keys(parsed.data)).toEqual(['1e999', '0x1234567890ABCDEF1']);
  });

  it('keeps a key named __proto__ as data', () => {
    // Act
    const parsed = parseSecretManifest(manifest('__proto__: eA=='), SOURCE);

    // Assess
    expect(Object.keys(parsed.data)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.data)).toBe(Object.prototype);
  });

  it.each([
    ['text that is not YAML', 'data: [\n', /is not YAML/],
    ['two documents', `${manifest()}---\n${manifest()}`, /is not YAML: Source contains multiple/],
    ['a list', '- kind: Secret\n', /is not a Kubernetes object/],
    ['a ConfigMap', manifest().replace('Secret', 'ConfigMap'), /not a v1 Secret .*"ConfigMap"/],
    ['apiVersion v2', manifest().replace('v1', 'v2'), /not a v1 Secret \(apiVersion "v2"/],
    ['no name', manifest().replace('  name: internal-ssl\n', ''), /has no metadata.name/],
    ['an invalid name', manifest().replace('internal-ssl', 'Internal_SSL'), /invalid name/],
    [
      'data that is a list',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: [a]\n',
      /data that is not a mapping/,
    ],
  ])('refuses %s', (_, text, message) => {
    // Act
    const error = refusal(() => parseSecretManifest(text, SOURCE));

    // Assess
    expect(error.message).toContain(SOURCE);
    expect(error.message).toMatch(message);
  });

  it.each([
    [
      'a data value that is not base64',
      'ca.crt: not base64!',
      'ca.crt',
      /ca.crt" that is not valid base64/,
    ],
    ['base64 without its padding', 'ca.crt: eA', 'ca.crt', /not valid base64/],
    [
      'a key that is not a Secret key',
      '"a/b.crt": eA==',
      'a/b.crt',
      /invalid Secret key "a\/b.crt"/,
    ],
    ['a data value that is a mapping', 'ca.crt: {a: b}', 'ca.crt', /non-string value for data key/],
  ])('refuses %s, naming the key', (_, line, key, message) => {
    // Act
    const error = refusal(() => parseSecretManifest(manifest(line), SOURCE));

    // Assess
    expect(error.message).toMatch(message);
    expect(error.file).toBe(key);
  });
});
