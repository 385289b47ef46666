import { describe, expect, it } from 'vitest';
import { packTar, TAR_LIMITS, type TarInput, unpackTar } from '../../lib/certset/tar.js';
import { CertSetError } from '../../lib/errors.js';

const SOURCE = 'vault:secret/jupyterhub-ca_certs-dir#value';
const MTIME = new Date('2024-05-01T12:00:00Z');
const EVERY_BYTE = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function caCerts(): TarInput[] {
  return [
    { path: 'ca_certs', type: 'dir', mode: 0o755 },
    { path: 'ca_certs/hub-ca', type: 'dir', mode: 0o755 },
    { path: 'ca_certs/hub-ca/hub-ca.crt', type: 'file', mode: 0o644, data: Buffer.from('c\n') },
    { path: 'ca_certs/hub-ca/hub-ca.key', type: 'file', mode: 0o600, data: EVERY_BYTE },
    { path: 'ca_certs/hub-ca_trust.crt', type: 'file', mode: 0o644, data: Buffer.alloc(0) },
  ];
}

/** Offsets of every header in an archive, in order. */
function headerOffsets(tar: Buffer): number[] {
  const offsets: number[] = [];
  for (let at = 0; tar.subarray(at, at + 512).some((b) => b !== 0); ) {
    offsets.push(at);
    const size = Number.parseInt(tar.toString('latin1', at + 124, at + 135), 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return offsets;
}

/** Overwrites a header field of entry `index` and fixes the checksum, as a writer would. */
function patch(tar: Buffer, index: number, offset: number, length: number, value: string): Buffer {
  const copy = Buffer.from(tar);
  const at = headerOffsets(tar)[index]!;
  copy.fill(0, at + offset, at + offset + length).write(value, at + offset, 'utf8');
  return rechecksum(copy, at);
}

function rechecksum(tar: Buffer, at: number): Buffer {
  tar.fill(0x20, at + 148, at + 156);
  const sum = tar.subarray(at, at + 512).reduce((total, byte) => total + byte, 0);
  tar.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, at + 148, 'latin1');
  return tar;
}

/** An archive whose first entry is an extended header (`type`) holding `data`. */
function withExtendedHeader(type: string, data: string, next: TarInput[] = []): Buffer {
  const head = {
    path: 'PaxHeaders/x',
    type: 'file',
    mode: 0o644,
    data: Buffer.from(data),
  } as const;
  return patch(packTar([head, ...next], MTIME), 0, 156, 1, type);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let length = body.length + 1;
  while (`${length}${body}`.length !== length) length += 1;
  return `${length}${body}`;
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

describe('packTar and unpackTar round trip', () => {
  it('reads back the files, directories, modes and contents it wrote', () => {
    // Prepare
    const entries = caCerts();

    // Act
    const read = unpackTar(packTar(entries, MTIME), SOURCE);

    // Assess
    expect(read).toEqual(entries.map((e) => ({ ...e, data: e.data ?? Buffer.alloc(0) })));
  });

  it('writes the same bytes for the same entries and mtime', () => {
    // Act
    const first = packTar(caCerts(), MTIME);
    const second = packTar(caCerts(), new Date(MTIME.getTime()));

    // Assess
    expect(second.equals(first)).toBe(true);
  });

  it('writes ustar headers owned by root, with the mtime, ending in two zero blocks', () => {
    // Act
    const tar = packTar(caCerts(), MTIME);

    // Assess
    const field = (offset: number, length: number) =>
      tar.toString('latin1', offset, offset + length);
    expect(field(257, 8)).toBe('ustar\u000000');
    expect([field(108, 8), field(116, 8)]).toEqual(['0000000\u0000', '0000000\u0000']);
    expect([field(265, 5), field(297, 5)]).toEqual(['root\u0000', 'root\u0000']);
    expect(Number.parseInt(field(136, 11), 8)).toBe(MTIME.getTime() / 1000);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  it('keeps a path longer than 100 bytes by splitting it into the ustar prefix', () => {
    // Prepare
    const path = `ca_certs/${'d'.repeat(120)}/${'f'.repeat(90)}.crt`;

    // Act
    const read = unpackTar(packTar([{ path, type: 'file', mode: 0o644 }], MTIME), SOURCE);

    // Assess
    expect(read.map((e) => e.path)).toEqual([path]);
  });

  it.each([
    ['a name part no ustar header holds', 'f'.repeat(101), /too long/],
    ['a path leaving the archive', 'ca_certs/../etc', /not a normalised|"\.\."/],
    ['an absolute path', '/etc/passwd', /absolute/],
    ['a ./ prefix', './ca_certs', /not a normalised/],
  ])('refuses to write %s', (_, path, message) => {
    // Act
    const error = refusal(() => packTar([{ path, type: 'file', mode: 0o644 }], MTIME));

    // Assess
    expect(error.message).toMatch(message);
    expect(error.file).toBe(path);
  });

  it('refuses to write the same path twice or a mode beyond permission bits', () => {
    // Prepare
    const file = { path: 'a', type: 'file', mode: 0o644 } as const;

    // Act
    const twice = refusal(() => packTar([file, file], MTIME));
    const badMode = refusal(() => packTar([{ ...file, mode: 0o100644 }], MTIME));

    // Assess
    expect(twice.message).toMatch(/appears twice/);
    expect(badMode.message).toMatch(/not a permission mode/);
  });
});

describe('unpackTar accepts what GNU tar writes by hand', () => {
  it('strips leading ./ and drops the root directory entry', () => {
    // Prepare
    const names = ['./', './hub-ca/', './hub-ca/hub-ca.crt', './hub-ca/hub-ca.key', './x.crt'];
    let tar = packTar(caCerts(), MTIME);
    names.forEach((name, i) => {
      tar = patch(tar, i, 0, 100, name);
    });

    // Act
    const read = unpackTar(tar, SOURCE);

    // Assess
    expect(read.map((e) => e.path)).toEqual([
      'hub-ca',
      'hub-ca/hub-ca.crt',
      'hub-ca/hub-ca.key',
      'x.crt',
    ]);
  });

  it('reads the GNU magic and ignores what GNU keeps where ustar has the name prefix', () => {
    // Prepare
    let tar = patch(packTar(caCerts(), MTIME), 2, 257, 8, 'ustar  \u0000');
    tar = patch(tar, 2, 345, 12, '14615251604');

    // Act
    const read = unpackTar(tar, SOURCE);

    // Assess
    expect(read[2]?.path).toBe('ca_certs/hub-ca/hub-ca.crt');
  });

  it('applies the path of a pax extended header to the next entry', () => {
    // Prepare
    const long = `ca_certs/${'n'.repeat(150)}/${'m'.repeat(150)}.crt`;
    const next: TarInput[] = [{ path: 'short', type: 'file', mode: 0o644, data: Buffer.from('x') }];
    const tar = withExtendedHeader('x', paxRecord('mtime', '1.5') + paxRecord('path', long), next);

    // Act
    const read = unpackTar(tar, SOURCE);

    // Assess
    expect(read).toEqual([{ path: long, type: 'file', mode: 0o644, data: Buffer.from('x') }]);
  });

  it('applies a GNU long name to the next entry and ignores global pax headers', () => {
    // Prepare
    const long = `ca_certs/${'l'.repeat(300)}.key`;
    const next: TarInput[] = [{ path: 'short', type: 'file', mode: 0o600 }];
    const gnu = withExtendedHeader('L', `${long}\u0000`, next);
    const global = withExtendedHeader('g', paxRecord('comment', 'made by hand'), next);

    // Act
    const fromGnu = unpackTar(gnu, SOURCE);
    const fromGlobal = unpackTar(global, SOURCE);

    // Assess
    expect(fromGnu.map((e) => e.path)).toEqual([long]);
    expect(fromGlobal.map((e) => e.path)).toEqual(['short']);
  });

  it('accepts a checksum summed over signed bytes, as old writers made it', () => {
    // Prepare
    const tar = packTar([{ path: 'zertifikat-für-hub.crt', type: 'file', mode: 0o644 }], MTIME);
    const signed = tar
      .subarray(0, 512)
      .reduce((t, b, i) => t + (i >= 148 && i < 156 ? 32 : (b << 24) >> 24), 0);
    tar.write(`${signed.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');

    // Act
    const read = unpackTar(tar, SOURCE);

    // Assess
    expect(read.map((e) => e.path)).toEqual(['zertifikat-für-hub.crt']);
  });
});

describe('unpackTar refuses, naming the archive and the entry', () => {
  const tar = packTar(caCerts(), MTIME);
  const key = 'ca_certs/hub-ca/hub-ca.key';
  const keyAt = headerOffsets(tar)[3]!;

  it.each([
    [
      'a bad header checksum',
      () => Buffer.from(tar).fill(0x41, keyAt + 200, keyAt + 201),
      /bad header checksum/,
    ],
    [
      'an entry cut inside its data',
      () => tar.subarray(0, keyAt + 612),
      /claims 256 bytes but .* only 100/,
    ],
    [
      'an archive cut inside a header',
      () => tar.subarray(0, keyAt + 100),
      /cut off inside its header/,
    ],
    [
      'a size beyond the archive',
      () => patch(tar, 3, 124, 12, '00000077777'),
      /claims 32767 bytes/,
    ],
    ['a size that is not octal', () => patch(tar, 3, 124, 12, '0000000040x'), /bad octal size/],
    ['a mode that is not octal', () => patch(tar, 3, 100, 8, '00006-4'), /bad octal mode/],
    ['an unknown magic', () => patch(tar, 3, 257, 8, 'pax!\u0000\u0000\u0000\u0000'), /magic/],
  ])('%s', (_, corrupt, message) => {
    // Act
    const error = refusal(() => unpackTar(corrupt(), SOURCE));

    // Assess
    expect(error.message).toContain(SOURCE);
    expect(error.message).toContain(key);
    expect(error.message).toMatch(message);
    expect(error.file).toBe(key);
  });

  it.each([
    ['1', 'a hard link'],
    ['2', 'a symbolic link'],
    ['3', 'a character device'],
    ['4', 'a block device'],
    ['6', 'a FIFO'],
    ['S', 'unsupported type "S"'],
    ['V', 'unsupported type "V"'],
  ])('an entry of type %s (%s)', (type, what) => {
    // Act
    const error = refusal(() => unpackTar(patch(tar, 3, 156, 1, type), SOURCE));

    // Assess
    expect(error.message).toContain(what);
    expect(error.file).toBe(key);
  });

  it.each([
    ['leaves the archive through ..', 'ca_certs/../../etc/cron.d/x', /"\.\."/],
    ['has an absolute path', '/etc/ssl/private/x.key', /absolute/],
    ['duplicates an earlier path', 'ca_certs/hub-ca/hub-ca.crt', /appears twice/],
    ['sits inside a file', 'ca_certs/hub-ca/hub-ca.crt/x', /inside "ca_certs\/hub-ca\/hub-ca.crt"/],
  ])('an entry that %s', (_, name, message) => {
    // Act
    const error = refusal(() => unpackTar(patch(tar, 3, 0, 100, name), SOURCE));

    // Assess
    expect(error.message).toMatch(message);
    expect(error.file).toBe(name);
  });

  it('an archive without the end-of-archive marker', () => {
    // Act
    const error = refusal(() => unpackTar(tar.subarray(0, tar.length - 1024), SOURCE));

    // Assess
    expect(error.message).toMatch(/end-of-archive marker/);
  });

  it('a malformed pax header, a sparse file, and an extended header with no entry after it', () => {
    // Act
    const malformed = refusal(() => unpackTar(withExtendedHeader('x', '99 path=x\n'), SOURCE));
    const sparse = refusal(() =>
      unpackTar(withExtendedHeader('x', paxRecord('GNU.sparse.size', '9')), SOURCE),
    );
    const dangling = refusal(() =>
      unpackTar(withExtendedHeader('x', paxRecord('path', 'a')), SOURCE),
    );

    // Assess
    expect(malformed.message).toMatch(/malformed pax/);
    expect(sparse.message).toMatch(/sparse/);
    expect(dangling.message).toMatch(/extended header without its entry/);
  });

  it(`more than ${TAR_LIMITS.maxEntries} entries, while accepting exactly that many`, () => {
    // Prepare
    const files = (n: number): TarInput[] =>
      Array.from({ length: n }, (_, i) => ({ path: `f${i}`, type: 'file', mode: 0o644 }));

    // Act
    const atLimit = unpackTar(packTar(files(TAR_LIMITS.maxEntries), MTIME), SOURCE);
    const error = refusal(() =>
      unpackTar(packTar(files(TAR_LIMITS.maxEntries + 1), MTIME), SOURCE),
    );

    // Assess
    expect(atLimit).toHaveLength(TAR_LIMITS.maxEntries);
    expect(error.message).toMatch(/limit of 1000 entries/);
    expect(error.file).toBe(`f${TAR_LIMITS.maxEntries}`);
  });

  it('contents over 16 MiB, and an archive over 20 MiB before reading it', () => {
    // Prepare
    const half = Buffer.alloc(TAR_LIMITS.maxDataBytes / 2);
    const big: TarInput[] = [
      { path: 'a', type: 'file', mode: 0o644, data: half },
      { path: 'b', type: 'file', mode: 0o644, data: Buffer.concat([half, Buffer.alloc(1)]) },
    ];

    // Act
    const overData = refusal(() => unpackTar(packTar(big, MTIME), SOURCE));
    const overArchive = refusal(() =>
      unpackTar(Buffer.alloc(TAR_LIMITS.maxArchiveBytes + 512), SOURCE),
    );

    // Assess
    expect(overData.message).toMatch(/over the limit of 16 MiB/);
    expect(overData.file).toBe('b');
    expect(overArchive.message).toMatch(/larger than 20 MiB/);
  });
});
