/**
 * Peer: GNU tar. Operators make store tarballs by hand with it, and read ours with it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CA_NAMES } from '../../lib/certset/model.js';
import { packStoreTarball, unpackStoreTarball } from '../../lib/certset/tarball.js';
import { requirePeer } from '../helpers/peers.js';

const TAR = requirePeer('tar', ['--version']);
const ENV = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
const NOW = new Date('2024-05-01T12:00:00Z');

/** The store layout: a folder with key and certificate per CA, and the trust bundles. */
function storeFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const ca of CA_NAMES) {
    files.set(`${ca}/${ca}.crt`, Buffer.from(`-----BEGIN CERTIFICATE-----\n${ca}\n`));
    files.set(`${ca}/${ca}.key`, Buffer.from([0, 0xff, ...Buffer.from(ca), 0x0a]));
    files.set(`${ca}_trust.crt`, Buffer.from(`bundle of ${ca}\n`));
  }
  return files;
}

function writeTree(root: string, files: Map<string, Buffer>): void {
  for (const [path, data] of files) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), data, { mode: path.endsWith('.key') ? 0o600 : 0o644 });
  }
}

function tar(args: string[], cwd: string): string {
  return execFileSync(TAR, args, { cwd, env: ENV, encoding: 'utf8' });
}

let work: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'hubcerts-gnu-tar-'));
});

afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('unpackStoreTarball reads tarballs made by hand with GNU tar', () => {
  const layouts = [
    { made: 'tar czf x.tgz ca_certs', inside: false, member: 'ca_certs' },
    { made: 'tar czf x.tgz ./ca_certs', inside: false, member: './ca_certs' },
    { made: 'cd ca_certs && tar czf ../x.tgz .', inside: true, member: '.' },
  ];
  const formats = ['gnu', 'posix', 'ustar', 'oldgnu'];
  const cases = layouts.flatMap((layout) => formats.map((format) => ({ ...layout, format })));

  it.each(cases)('$made with --format=$format', ({ inside, member, format }) => {
    // Prepare
    writeTree(join(work, 'ca_certs'), storeFiles());
    const output = join(work, 'x.tgz');
    tar([`--format=${format}`, '-czf', output, member], inside ? join(work, 'ca_certs') : work);

    // Act
    const files = unpackStoreTarball(readFileSync(output), output);

    // Assess
    expect(files).toEqual(storeFiles());
  });

  it('reads the same tarball as base64 text wrapped at 76 columns', () => {
    // Prepare
    writeTree(join(work, 'ca_certs'), storeFiles());
    tar(['-czf', 'x.tgz', 'ca_certs'], work);
    const text = readFileSync(join(work, 'x.tgz')).toString('base64').replace(/.{76}/g, '$&\n');

    // Act
    const files = unpackStoreTarball(text, 'vault:secret/jupyterhub-ca_certs-dir#value');

    // Assess
    expect(files).toEqual(storeFiles());
  });

  it.each(['gnu', 'posix'])('reads names over 100 bytes that --format=%s stores', (format) => {
    // Prepare
    const long = new Map([[`${'d'.repeat(120)}/${'f'.repeat(120)}.crt`, Buffer.from('long\n')]]);
    writeTree(join(work, 'ca_certs'), long);
    tar([`--format=${format}`, '-czf', 'x.tgz', 'ca_certs'], work);

    // Act
    const files = unpackStoreTarball(readFileSync(join(work, 'x.tgz')), 'x.tgz');

    // Assess
    expect(files).toEqual(long);
  });
});

describe('GNU tar reads packStoreTarball output', () => {
  it('lists every entry under ca_certs/ with its mode, owner and mtime, without warnings', () => {
    // Prepare
    const path = join(work, 'store.tgz');
    writeFileSync(path, packStoreTarball(storeFiles(), NOW));

    // Act
    const run = spawnSync(TAR, ['--full-time', '-tzvf', path], { env: ENV, encoding: 'utf8' });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const listed = run.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const [mode, owner, , date, time, name] = line.split(/\s+/);
        return `${mode} ${owner} ${date} ${time} ${name}`;
      });
    const stamp = 'root/root 2024-05-01 12:00:00';
    expect(listed).toEqual([
      `drwxr-xr-x ${stamp} ca_certs/`,
      ...CA_NAMES.flatMap((ca) => [
        `drwxr-xr-x ${stamp} ca_certs/${ca}/`,
        `-rw-r--r-- ${stamp} ca_certs/${ca}/${ca}.crt`,
        `-rw------- ${stamp} ca_certs/${ca}/${ca}.key`,
        `-rw-r--r-- ${stamp} ca_certs/${ca}_trust.crt`,
      ]),
    ]);
  });

  it('extracts the same files with the same modes', () => {
    // Prepare
    const path = join(work, 'store.tgz');
    writeFileSync(path, packStoreTarball(storeFiles(), NOW));
    mkdirSync(join(work, 'out'));

    // Act
    tar(['-xpzf', path, '-C', join(work, 'out')], work);

    // Assess
    for (const [file, data] of storeFiles()) {
      const extracted = join(work, 'out', 'ca_certs', file);
      expect(readFileSync(extracted)).toEqual(data);
      expect(statSync(extracted).mode & 0o777).toBe(file.endsWith('.key') ? 0o600 : 0o644);
    }
    expect(statSync(join(work, 'out', 'ca_certs', 'hub-ca')).mode & 0o777).toBe(0o755);
  });
});
