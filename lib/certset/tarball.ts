/**
 * The store value of design section 3: the `ca_certs/` directory as a gzip tar, base64
 * encoded in Vault. Only the container lives here; what the files must hold is checked by
 * the CA-set code that reads the returned {@link FileMap}.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { CertSetError, messageOf } from '../errors.js';
import { type FileMap, packTar, TAR_LIMITS, type TarInput, unpackTar } from './tar.js';

/** The directory every store tarball is rooted at, as certipy and the runbook name it. */
export const STORE_ROOT = 'ca_certs';

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/**
 * Packs `files` (paths relative to `ca_certs/`) as a gzip tar rooted at `ca_certs/`, with a
 * directory entry for every folder, `.key` files 0600, all others 0644, sorted by path and
 * stamped with `now`. Equal input gives equal bytes for a given zlib build.
 */
export function packStoreTarball(files: FileMap, now: Date): Buffer {
  const dirs = new Set([STORE_ROOT]);
  const entries: TarInput[] = [];
  for (const [path, data] of files) {
    if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new CertSetError(
        `Cannot pack ${JSON.stringify(path)} into the store tarball: not a plain relative path`,
        path,
      );
    }
    const full = `${STORE_ROOT}/${path}`;
    for (let i = full.indexOf('/'); i >= 0; i = full.indexOf('/', i + 1))
      dirs.add(full.slice(0, i));
    entries.push({ path: full, data, type: 'file', mode: path.endsWith('.key') ? 0o600 : 0o644 });
  }
  for (const dir of dirs) entries.push({ path: dir, type: 'dir', mode: 0o755 });

  // A directory sorts as `name/`, so it precedes everything inside it.
  const sortKey = (entry: TarInput) => (entry.type === 'dir' ? `${entry.path}/` : entry.path);
  entries.sort((a, b) => Buffer.compare(Buffer.from(sortKey(a)), Buffer.from(sortKey(b))));
  return gzipSync(packTar(entries, now), { level: 9 });
}

/** The text Vault holds: standard base64 on one line. */
export function storeTarballToBase64(tarball: Buffer): string {
  return tarball.toString('base64');
}

/**
 * Reads a store tarball given as gzip bytes or as base64 text (line breaks and spaces
 * allowed). Returns the files with paths relative to the `ca_certs` directory, whether the
 * archive was made from above it (`ca_certs/…`, `./ca_certs/…`) or inside it (`./…`, `…`).
 * `source` names the tarball in the one CertSetError thrown for anything unreadable.
 */
export function unpackStoreTarball(input: Buffer | string, source: string): FileMap {
  const gzip = gzipBytes(input, source);
  let tar: Buffer;
  try {
    // The cap stops a gzip bomb before it is inflated in full.
    tar = gunzipSync(gzip, { maxOutputLength: TAR_LIMITS.maxArchiveBytes });
  } catch (error) {
    const tooLarge =
      error instanceof RangeError && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE';
    const limit = `${TAR_LIMITS.maxArchiveBytes / (1024 * 1024)} MiB`;
    const reason = tooLarge
      ? `unpacks to more than ${limit}`
      : `is not valid gzip (${messageOf(error)})`;
    throw new CertSetError(`Tarball ${source} ${reason}`, undefined, { cause: error });
  }

  const entries = unpackTar(tar, source).filter((entry) => entry.type === 'file');
  const rooted = entries.every((entry) => entry.path.startsWith(`${STORE_ROOT}/`));
  const files: FileMap = new Map();
  for (const entry of entries) {
    files.set(rooted ? entry.path.slice(STORE_ROOT.length + 1) : entry.path, entry.data);
  }
  if (files.size === 0) throw new CertSetError(`Tarball ${source} holds no files`);
  return files;
}

/** Raw gzip is taken as is; anything else must be base64 text of gzip. */
function gzipBytes(input: Buffer | string, source: string): Buffer {
  if (Buffer.isBuffer(input) && input.subarray(0, 2).equals(GZIP_MAGIC)) return input;
  const text = (Buffer.isBuffer(input) ? input.toString('latin1') : input).replace(/\s+/g, '');
  if (text === '') throw new CertSetError(`Tarball ${source} is empty`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new CertSetError(`Tarball ${source} is neither gzip data nor base64 text`);
  }
  const bytes = Buffer.from(text, 'base64');
  if (!bytes.subarray(0, 2).equals(GZIP_MAGIC)) {
    throw new CertSetError(`Tarball ${source} holds base64 text that does not decode to gzip data`);
  }
  return bytes;
}
