import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { packTar, type TarInput, unpackTar } from '../../lib/certset/tar.js';
import {
  packStoreTarball,
  storeTarballToBase64,
  unpackStoreTarball,
} from '../../lib/certset/tarball.js';
import { CertSetError } from '../../lib/errors.js';

const SOURCE = 'vault:secret/jupyterhub-ca_certs-dir#value';
const NOW = new Date('2024-05-01T12:00:00Z');

function storeFiles(): Map<string, Buffer> {
  return new Map([
    ['proxy-client-ca_trust.crt', Buffer.from('bundle\n')],
    ['hub-ca/hub-ca.key', Buffer.from([0, 1, 2, 0xff])],
    ['hub-ca/hub-ca.crt', Buffer.from('cert\n')],
    ['hub-ca_trust.crt', Buffer.from('bundle\n')],
  ]);
}

/**
 * A gzip tar of the store files as GNU tar writes them by hand: every name is `prefix`
 * followed by the path, and a leading `./` entry for the root when `dotRoot` is set.
 */
function handMade(prefix: string, dotRoot: boolean): Buffer {
  const entries: TarInput[] = [
    ...(dotRoot ? [{ path: 'root', type: 'dir', mode: 0o755 } as const] : []),
    { path: 'hub-ca', type: 'dir', mode: 0o755 },
    ...[...storeFiles()].map(
      ([path, data]) => ({ path, data, type: 'file', mode: 0o644 }) as const,
    ),
  ];
  const tar = Buffer.from(packTar(entries, NOW));
  // packTar writes normalised names only, so the hand-made names are patched in.
  entries.forEach((entry, i) => {
    const at = headerAfter(tar, i);
    const name =
      entry.path === 'root' ? './' : `${prefix}${entry.path}${entry.type === 'dir' ? '/' : ''}`;
    tar.fill(0, at, at + 100).write(name, at, 'latin1');
    tar.fill(0x20, at + 148, at + 156);
    const sum = tar.subarray(at, at + 512).reduce((t, b) => t + b, 0);
    tar.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, at + 148, 'latin1');
  });
  return gzipSync(tar);
}

/** The offset of header `index`, walking the sizes of the headers before it. */
function headerAfter(tar: Buffer, index: number): number {
  let at = 0;
  for (let i = 0; i < index; i++) {
    const size = Number.parseInt(tar.toString('latin1', at + 124, at + 135), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return at;
}

function refusal(act: () => unknown): CertSetError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(CertSetError);
    return error as CertSetError;
  }
  throw new Error('expected a CertSetError, but nothing was thrown');
}

describe('packStoreTarball', () => {
  it('writes ca_certs/ with a directory per folder, 0600 keys and 0644 others, sorted', () => {
    // Act
    const entries = unpackTar(gunzipSync(packStoreTarball(storeFiles(), NOW)), 'packed');

    // Assess
    expect(entries.map((e) => [e.path, e.type, e.mode.toString(8)])).toEqual([
      ['ca_certs', 'dir', '755'],
      ['ca_certs/hub-ca', 'dir', '755'],
      ['ca_certs/hub-ca/hub-ca.crt', 'file', '644'],
      ['ca_certs/hub-ca/hub-ca.key', 'file', '600'],
      ['ca_certs/hub-ca_trust.crt', 'file', '644'],
      ['ca_certs/proxy-client-ca_trust.crt', 'file', '644'],
    ]);
  });

  it('packs the same files to the same bytes, whatever the order of the map', () => {
    // Prepare
    const reversed = new Map([...storeFiles()].reverse());

    // Act
    const first = packStoreTarball(storeFiles(), NOW);
    const second = packStoreTarball(reversed, NOW);

    // Assess
    expect(second.equals(first)).toBe(true);
  });

  it.each([
    [
      'leaves ca_certs',
      '../hub-ca.key',
      /"\.\.\/hub-ca.key" into the store tarball: not a plain relative/,
    ],
    ['is absolute', '/hub-ca.key', /"\/hub-ca.key" into the store tarball: not a plain relative/],
    ['is both a file and a folder', 'hub-ca', /appears twice/],
  ])('refuses a file path that %s', (_, path, message) => {
    // Prepare
    const files = new Map([...storeFiles(), [path, Buffer.from('x')]]);

    // Act
    const error = refusal(() => packStoreTarball(files, NOW));

    // Assess
    expect(error.message).toMatch(message);
  });
});

describe('unpackStoreTarball', () => {
  it('reads its own tarball as gzip bytes and as base64 text with line breaks', () => {
    // Prepare
    const tarball = packStoreTarball(storeFiles(), NOW);
    const wrapped = storeTarballToBase64(tarball).replace(/.{76}/g, '$&\n');

    // Act
    const fromBytes = unpackStoreTarball(tarball, SOURCE);
    const fromText = unpackStoreTarball(`${wrapped}\n`, SOURCE);
    const fromTextFile = unpackStoreTarball(Buffer.from(wrapped), SOURCE);

    // Assess
    expect(fromBytes).toEqual(storeFiles());
    expect(fromText).toEqual(fromBytes);
    expect(fromTextFile).toEqual(fromBytes);
  });

  it.each([
    ['ca_certs/', false],
    ['./ca_certs/', false],
    ['./', true],
    ['', false],
  ])('returns paths relative to ca_certs for entries named %j…', (prefix, dotRoot) => {
    // Act
    const files = unpackStoreTarball(handMade(prefix, dotRoot), SOURCE);

    // Assess
    expect([...files.keys()].sort()).toEqual([...storeFiles().keys()].sort());
  });

  it.each([
    ['is empty', '  \n', /is empty/],
    [
      'is neither gzip nor base64',
      Buffer.from('ca_certs/\u0000\u0000'),
      /neither gzip data nor base64/,
    ],
    ['is base64 of something else', Buffer.from('hello').toString('base64'), /not decode to gzip/],
    [
      'is corrupt gzip',
      Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 9, 9, 9]),
      /not valid gzip/,
    ],
    ['is cut off', packStoreTarball(storeFiles(), NOW).subarray(0, 40), /not valid gzip/],
    [
      'holds no files',
      gzipSync(packTar([{ path: 'ca_certs', type: 'dir', mode: 0o755 }], NOW)),
      /holds no files/,
    ],
    ['holds an empty archive', gzipSync(Buffer.alloc(1024)), /holds no files/],
  ])('refuses a tarball that %s', (_, input, message) => {
    // Act
    const error = refusal(() => unpackStoreTarball(input, SOURCE));

    // Assess
    expect(error.message).toContain(SOURCE);
    expect(error.message).toMatch(message);
  });

  it('refuses a gzip bomb without inflating it in full', () => {
    // Prepare
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });

    // Act
    const error = refusal(() => unpackStoreTarball(bomb, SOURCE));

    // Assess
    expect(bomb.length).toBeLessThan(100 * 1024);
    expect(error.message).toMatch(/unpacks to more than 20 MiB/);
  });
});
