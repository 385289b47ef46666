/**
 * The document reader's two ways (lib/certset/document.ts): plain JSON through JSON.parse, and
 * everything else through the YAML reader. A text takes the JSON way only when the YAML
 * reader would read it to the same value.
 */
import { describe, expect, it } from 'vitest';
import { plainJson, readDocument } from '../../lib/certset/document.js';
import { readYamlDocument } from '../../lib/certset/yaml-document.js';

const INVENTORY = {
  revision: 42,
  names: ['proxy-api', 'hub'],
  systems: [{ name: 'JUWELS', loginNodes: ['jwlogin01i', '10.1.2.3', '2001:db8::1'] }],
};

describe('plain JSON', () => {
  it.each([
    ['an inventory on one line', JSON.stringify(INVENTORY)],
    ['an inventory indented', JSON.stringify(INVENTORY, null, 2)],
    ['escapes, braces and commas inside strings', '{"a": "x\\"}, {\\"b\\": [", "b": "\\\\"}'],
    ['unicode escapes and non-ASCII text', '{"name": "J\\u00fcLich", "n\\u00e4me": "Jülich"}'],
    ['numbers in exponent form and negative zero', '{"a": 1e3, "b": -0, "c": 1.5E-2}'],
    ['a value that is not a mapping', '[1, "two", null, true]'],
    [
      'the same key in sibling objects',
      '{"a": {"x": 1}, "b": {"x": 2}, "c": [{"x": 3}, {"x": 4}]}',
    ],
  ])('reads %s as the YAML reader does', (_case, text) => {
    const yaml = readYamlDocument(text);

    expect(plainJson(text)).toEqual({ value: JSON.parse(text) });
    expect(yaml).toEqual({ ok: true, value: JSON.parse(text) });
  });

  it.each([
    ['a repeated key', '{"revision": 1, "revision": 2}'],
    ['a repeated key in a nested object', '{"systems": [{"name": "A", "x": 1, "name": "B"}]}'],
    ['a repeated key spelled with an escape', '{"name": "A", "n\\u0061me": "B"}'],
    ['a __proto__ key', '{"__proto__": {"revision": 1}}'],
    ['nesting deeper than an inventory can be', `{"a": ${'['.repeat(8)}${']'.repeat(8)}}`],
    ['text that is not JSON', 'revision: 1\nsystems: []\n'],
    ['JSON after a byte order mark', '\ufeff{"revision": 1}'],
  ])('leaves %s to the YAML reader', (_case, text) => {
    expect(plainJson(text)).toBeUndefined();
  });

  it('accepts nesting up to eight levels', () => {
    const text = `${'['.repeat(8)}${']'.repeat(8)}`;

    expect(plainJson(text)).toEqual({ value: JSON.parse(text) });
  });
});

describe('readDocument', () => {
  it('reads YAML through the YAML reader', async () => {
    const read = await readDocument('revision: 42\nsystems: []\n');

    expect(read).toEqual({ ok: true, value: { revision: 42, systems: [] } });
  });

  it('reports a repeated JSON key as the YAML reader does', async () => {
    const read = await readDocument('{"revision": 1, "systems": [], "revision": 2}');

    expect(read).toEqual({ ok: false, problems: [expect.stringMatching(/unique/)] });
  });

  it('refuses a text over 256 KiB before reading it either way', async () => {
    const text = JSON.stringify({ names: ['x'.repeat(256 * 1024)] });

    const read = await readDocument(text);

    expect(read).toEqual({
      ok: false,
      problems: [`is ${text.length} bytes long; at most 262144 (256 KiB)`],
    });
  });
});
