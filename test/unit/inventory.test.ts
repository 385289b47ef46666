import { describe, expect, it } from 'vitest';
import {
  type Inventory,
  inventoryNames,
  inventorySans,
  parseInventoryText,
  validateInventory,
} from '../../lib/certset/inventory.js';
import { InvalidInventoryError, type InventoryProblem } from '../../lib/errors.js';
import { DEFAULT_SANS } from '../../lib/pki/names.js';

const EXAMPLE_YAML = `# the example of design section 4.1
revision: 42
names:
  - proxy-api
  - hub
systems:
  - name: JUWELS
    loginNodes: [jwlogin01i, JWLOGIN02I, 10.1.2.3, jwlogin01i]
  - name: JURECA
    loginNodes:
      - jrlogin01.FZ-Juelich.de
      - 2001:DB8:0:0:0:0:0:1
`;

const EXAMPLE: Inventory = {
  revision: 42,
  names: ['proxy-api', 'hub'],
  systems: [
    { name: 'JUWELS', loginNodes: ['jwlogin01i', 'jwlogin02i', '10.1.2.3'] },
    { name: 'JURECA', loginNodes: ['jrlogin01.fz-juelich.de', '2001:db8::1'] },
  ],
};

/** A valid document as a plain value, with `changes` applied on top. */
function doc(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return { revision: 1, systems: [{ name: 'JUWELS', loginNodes: ['jwlogin01i'] }], ...changes };
}

/** A valid document whose one system has `fields` changed; `undefined` leaves a field out. */
function one(fields: Record<string, unknown>): Record<string, unknown> {
  const system = { name: 'JUWELS', loginNodes: ['jwlogin01i'], ...fields };
  return doc({
    systems: [Object.fromEntries(Object.entries(system).filter(([, v]) => v !== undefined))],
  });
}

/** A valid document with two systems of the given names. */
function two(first: string, second: string): Record<string, unknown> {
  return doc({
    systems: [
      { name: first, loginNodes: [] },
      { name: second, loginNodes: [] },
    ],
  });
}

/** The problems of a rejected inventory text; fails the test when it is accepted. */
async function textProblems(text: string, source: string): Promise<readonly InventoryProblem[]> {
  const read = await parseInventoryText(text, source).then(
    (inventory) => inventory,
    (error: unknown) => error,
  );
  return problemsOf(() => {
    if (read instanceof Error) throw read;
    return read as Inventory;
  });
}

/** The problems of a rejected inventory; fails the test when it is accepted. */
function problemsOf(read: () => Inventory): readonly InventoryProblem[] {
  try {
    const inv = read();
    throw new Error(`the inventory was accepted: ${JSON.stringify(inv)}`);
  } catch (error) {
    if (!(error instanceof InvalidInventoryError)) throw error;
    return error.problems;
  }
}

describe('reading an inventory', () => {
  it('accepts the example, canonical, bare and without repeated names', async () => {
    expect(await parseInventoryText(EXAMPLE_YAML, 'example.yaml')).toEqual(EXAMPLE);
  });

  it.each([
    ['JSON on one line', JSON.stringify(EXAMPLE)],
    ['JSON indented with tabs', JSON.stringify(EXAMPLE, null, '\t')],
    [
      'YAML in flow style',
      'revision: 42\nnames: [proxy-api, hub]\nsystems: [{name: JUWELS, ' +
        'loginNodes: [jwlogin01i, jwlogin02i, 10.1.2.3]}, {name: JURECA, loginNodes: ' +
        '[jrlogin01.fz-juelich.de, "2001:db8::1"]}]',
    ],
  ])('reads %s as the same inventory as the YAML example', async (_form, text) => {
    expect(await parseInventoryText(text, 'inventory')).toEqual(EXAMPLE);
  });

  it('treats names as optional and allows an empty list of systems', () => {
    expect(validateInventory({ revision: 0, systems: [] }, 'webhook')).toEqual({
      revision: 0,
      names: [],
      systems: [],
    });
  });

  it('reads YAML 1.2, in which yes, no and on are host names rather than booleans', async () => {
    const text = 'revision: 1\nsystems:\n  - name: A\n    loginNodes: [yes, no, on]\n';

    expect((await parseInventoryText(text, 'inv')).systems[0]?.loginNodes).toEqual([
      'yes',
      'no',
      'on',
    ]);
  });

  it('derives the login nodes and SANs in order, without repeats across systems', () => {
    // Prepare
    const inv = validateInventory(
      doc({
        names: ['hub', 'localhost'],
        systems: [
          { name: 'A', loginNodes: ['n2', 'n1'] },
          { name: 'B', loginNodes: ['N1', 'n3', 'hub'] },
        ],
      }),
      'inv',
    );

    // Act
    const names = inventoryNames(inv);
    const sans = inventorySans(inv);

    // Assess
    expect(names).toEqual(['n2', 'n1', 'n3', 'hub']);
    expect(sans).toEqual([...DEFAULT_SANS, 'DNS:hub', 'DNS:n2', 'DNS:n1', 'DNS:n3']);
  });
});

describe('validateInventory rejects each kind of bad field, naming it', () => {
  const tooLong = Array.from({ length: 10_001 }, (_, i) => `n${i}`);
  it.each([
    ['a missing revision', { systems: [] }, 'revision', /is required/],
    ['a revision given as a string', doc({ revision: '42' }), 'revision', /integer, not a string/],
    ['a fractional revision', doc({ revision: 1.5 }), 'revision', /integer, not 1\.5/],
    ['a null revision', doc({ revision: null }), 'revision', /integer, not null/],
    ['a negative revision', doc({ revision: -1 }), 'revision', /not be negative/],
    ['an unsafe revision', doc({ revision: 2 ** 53 }), 'revision', /at most 9007199254740991/],
    ['names that are not a list', doc({ names: 'hub' }), 'names', /must be a list/],
    ['a name that is not a string', doc({ names: [42] }), 'names[0]', /string, not 42/],
    ['a bad fixed name', doc({ names: ['ok', 'bad_one'] }), 'names[1]', /"bad_one".*underscore/],
    ['a wildcard name', doc({ names: ['*.example'] }), 'names[0]', /wildcards are not allowed/],
    ['too many names', doc({ names: tooLong }), 'names', /10001 entries; at most 10000/],
    ['missing systems', { revision: 1 }, 'systems', /is required/],
    ['systems that are not a list', doc({ systems: {} }), 'systems', /list, not a mapping/],
    ['a system that is not a mapping', doc({ systems: ['JUWELS'] }), 'systems[0]', /mapping/],
    ['a system without a name', one({ name: undefined }), 'systems[0].name', /required/],
    ['an empty system name', one({ name: '' }), 'systems[0].name', /empty/],
    ['a system name that is not a string', one({ name: 7 }), 'systems[0].name', /string, not 7/],
    ['a system name with outer spaces', one({ name: ' A' }), 'systems[0].name', /whitespace/],
    [
      'a system name with a control character',
      one({ name: 'A\u0007' }),
      'systems[0].name',
      /control/,
    ],
    [
      'a repeated system name, in any case',
      two('JUWELS', 'juwels'),
      'systems[1].name',
      /systems\[0\]/,
    ],
    [
      'a system without loginNodes',
      one({ loginNodes: undefined }),
      'systems[0].loginNodes',
      /required/,
    ],
    [
      'loginNodes that are not a list',
      one({ loginNodes: 'n1' }),
      'systems[0].loginNodes',
      /a list/,
    ],
    [
      'a bad login node',
      one({ loginNodes: ['n1', 'a..b'] }),
      'systems[0].loginNodes[1]',
      /"a\.\.b".*empty label/,
    ],
    [
      'too many login nodes',
      one({ loginNodes: tooLong }),
      'systems[0].loginNodes',
      /at most 10000/,
    ],
    ['an unknown top-level field', doc({ foo: 1 }), 'foo', /^unknown field "foo"$/],
    ['an unknown field with an odd key', doc({ 'a b': 1 }), '["a b"]', /unknown field "a b"/],
    ['an unknown system field', one({ zone: 'x' }), 'systems[0].zone', /unknown field "zone"/],
    [
      'a __proto__ key from JSON',
      JSON.parse('{"revision":1,"systems":[],"__proto__":{}}'),
      '__proto__',
      /unknown field "__proto__"/,
    ],
  ])('rejects %s', (_behaviour, value, field, reason) => {
    const problems = problemsOf(() => validateInventory(value, 'webhook'));

    expect(problems).toContainEqual({ field, reason: expect.stringMatching(reason) });
  });

  it.each([
    ['a list', []],
    ['null', null],
    ['a string', 'revision: 1'],
  ])('rejects a document that is %s instead of a mapping', (_kind, value) => {
    expect(problemsOf(() => validateInventory(value, 'webhook'))).toEqual([
      { field: 'document', reason: expect.stringMatching(/must be a mapping/) },
    ]);
  });

  it('lists every problem of a document at once, each with its field path', () => {
    // Prepare
    const value = {
      revision: '42',
      names: ['hub', 'Bad_Name'],
      systems: [
        { name: '', loginNodes: ['*.wild', 'ok', 'a..b'] },
        { name: 'B', loginNodes: ['host:22'] },
      ],
      extra: true,
    };

    // Act
    const act = () => validateInventory(value, 'webhook body');

    // Assess
    expect(act).toThrow(/^Inventory webhook body is invalid: .*revision.*names\[1\]/);
    expect(problemsOf(act).map((p) => p.field)).toEqual([
      'extra',
      'revision',
      'names[1]',
      'systems[0].name',
      'systems[0].loginNodes[0]',
      'systems[0].loginNodes[2]',
      'systems[1].loginNodes[0]',
    ]);
  });

  it('rejects a value nested deeper than eight levels, naming where', () => {
    const problems = problemsOf(() => validateInventory(doc({ names: [[[[[[[['x']]]]]]]] }), 'x'));

    expect(problems).toEqual([
      { field: expect.stringMatching(/^names(\[0\])+$/), reason: expect.stringMatching(/8/) },
    ]);
  });

  it('rejects a value nested a hundred thousand levels without exhausting the stack', () => {
    // Prepare: built in a loop, as a parsed webhook body could be.
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];

    // Act & Assess
    expect(problemsOf(() => validateInventory(doc({ names: deep }), 'x'))[0]?.reason).toMatch(
      /nested deeper than 8 levels/,
    );
  });

  it('rejects a value that refers to itself instead of looping', () => {
    const value: Record<string, unknown> = doc();
    value['names'] = [value];

    expect(problemsOf(() => validateInventory(value, 'x'))[0]?.reason).toMatch(/nested deeper/);
  });
});

describe('parseInventoryText rejects bad YAML and JSON text', () => {
  const valid = 'revision: 1\nsystems: []\n';
  it.each([
    ['an empty text', '', /empty/],
    ['a text of comments only', '# nothing here\n', /empty/],
    ['a duplicate YAML key', 'revision: 1\nrevision: 2\nsystems: []\n', /unique/],
    ['a duplicate JSON key', '{"revision": 1, "systems": [], "revision": 2}', /unique/],
    ['two YAML documents', `${valid}---\n${valid}`, /2 YAML documents; give exactly one/],
    ['an alias', 'revision: 1\nnames: &n [hub]\nsystems: [{name: A, loginNodes: *n}]\n', /alias/],
    ['an anchor', 'revision: &r 1\nsystems: []\n', /anchors/],
    ['a YAML tag', 'revision: !!binary aGk=\nsystems: []\n', /tag !!binary/],
    ['a syntax error', 'revision: 1\nsystems: [\n', /at line 3/],
    ['a key that is a list', '? [a, b]\n: 1\n', /keys must be strings/],
  ])('rejects %s', async (_behaviour, text, reason) => {
    const problems = await textProblems(text, 'inventory.yaml');

    expect(problems[0]).toEqual({ field: 'document', reason: expect.stringMatching(reason) });
  });

  it('rejects a document over 256 KiB, counting UTF-8 bytes', async () => {
    // Prepare: fewer characters than the limit, but two bytes each.
    const text = `${valid}# ${'é'.repeat(128 * 1024)}\n`;
    expect(text.length).toBeLessThan(256 * 1024);

    // Act & Assess
    expect(await textProblems(text, 'big.yaml')).toEqual([
      {
        field: 'document',
        reason: expect.stringMatching(/bytes long; at most 262144 \(256 KiB\)/),
      },
    ]);
  });

  it.each([
    ['flow brackets', '['.repeat(256 * 1024 - 1)],
    ['compact block sequences', `${'- '.repeat(128 * 1024 - 1)}x`],
    ['flow mappings', '{a: '.repeat(64 * 1024 - 1)],
  ])('refuses deeply nested %s by its lexical scan, before parsing', async (_form, text) => {
    const problems = await textProblems(text, 'deep.yaml');

    expect(problems).toEqual([{ field: 'document', reason: 'is nested more than 16 levels deep' }]);
  });

  it('refuses nesting beyond the scan limit before parsing, in JSON too', async () => {
    const text = `{"revision": 1, "systems": [], "names": ${'['.repeat(16)}${']'.repeat(16)}}`;

    expect(await textProblems(text, 'deep.json')).toEqual([
      { field: 'document', reason: 'is nested more than 16 levels deep' },
    ]);
  });

  it('does not count brackets in comments and quoted strings as nesting', async () => {
    // Prepare
    const brackets = '[{'.repeat(20);
    const text = `# ${brackets}\nrevision: 1\nsystems: []\nnames: ['${brackets}']\n`;

    // Act
    const problems = await textProblems(text, 'inv.yaml');

    // Assess: the string is read and judged as a name.
    expect(problems).toEqual([{ field: 'names[0]', reason: expect.stringMatching(/brackets/) }]);
  });

  it('reports fields of a YAML document with their paths', async () => {
    const text =
      'revision: 1\nsystems:\n  - name: A\n    loginNodes: [ok, 123, bad_one]\n    <<: {}\n';

    expect(await textProblems(text, 'inv.yaml')).toEqual([
      { field: 'systems[0]["<<"]', reason: 'unknown field "<<"' },
      { field: 'systems[0].loginNodes[1]', reason: expect.stringMatching(/string, not 123/) },
      { field: 'systems[0].loginNodes[2]', reason: expect.stringMatching(/"bad_one"/) },
    ]);
  });

  it('names the source in the error message', async () => {
    await expect(
      parseInventoryText('revision: x\nsystems: []\n', 'vault:secret/inv'),
    ).rejects.toThrow(/^Inventory vault:secret\/inv is invalid: revision: must be an integer/);
  });
});
