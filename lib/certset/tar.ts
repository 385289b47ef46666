/**
 * A minimal tar reader and writer on Buffers, for the store value of design section 3.
 *
 * The writer emits plain ustar with fixed owner (uid/gid 0, uname/gname `root`, so that
 * `tar tv` shows `root/root` and an extraction as root keeps root ownership) and a caller
 * given mtime, so equal input gives equal bytes. The reader accepts what GNU tar writes by
 * hand (ustar, `gnu`/`oldgnu`, `posix` with pax headers, `./` prefixes, directory entries)
 * and refuses anything a CA store cannot hold: links, devices, paths that leave the archive,
 * duplicates, and archives larger than {@link TAR_LIMITS} (a gzip bomb stops here).
 */
import { CertSetError } from '../errors.js';

/** Relative POSIX paths to file contents. */
export type FileMap = Map<string, Buffer>;

/** One entry to write; `data` is ignored for directories. */
export interface TarInput {
  path: string;
  data?: Buffer;
  mode: number;
  type: 'file' | 'dir';
}

/** One entry read; `path` has no `./` prefix and no trailing slash, `data` is empty for dirs. */
export interface TarEntry {
  path: string;
  type: 'file' | 'dir';
  mode: number;
  data: Buffer;
}

const MIB = 1024 * 1024;

/** Sanity caps: a CA set is a few dozen small files. */
export const TAR_LIMITS = {
  maxEntries: 1000,
  /** Sum of all file contents. */
  maxDataBytes: 16 * MIB,
  /** The whole uncompressed archive: contents plus headers and padding. */
  maxArchiveBytes: 20 * MIB,
} as const;

const BLOCK = 512;
type Fail = (message: string) => never;
const REFUSED_TYPES: Readonly<Record<string, string>> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
};

/**
 * Writes a ustar archive of `entries`, in the order given, ending with two zero blocks.
 * Paths must be relative and normalised; a path over 100 bytes is split into the ustar prefix.
 */
export function packTar(entries: readonly TarInput[], mtime: Date): Buffer {
  const seconds = Math.floor(mtime.getTime() / 1000);
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const fail = (message: string): never => {
      throw new CertSetError(
        `Cannot write tar entry ${JSON.stringify(entry.path)}: ${message}`,
        entry.path,
      );
    };
    if (normalisePath(entry.path, fail) !== entry.path || entry.path === '') {
      fail('not a normalised relative path');
    }
    if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o7777) {
      fail(`mode ${entry.mode} is not a permission mode`);
    }
    if (seen.has(entry.path)) fail('the path appears twice');
    seen.add(entry.path);
    const data = entry.type === 'file' ? (entry.data ?? Buffer.alloc(0)) : Buffer.alloc(0);
    const name = entry.type === 'dir' ? `${entry.path}/` : entry.path;
    parts.push(
      header(name, entry, data.length, seconds, fail),
      data,
      Buffer.alloc(padding(data.length)),
    );
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(name: string, entry: TarInput, size: number, mtime: number, fail: Fail): Buffer {
  const block = Buffer.alloc(BLOCK);
  const [prefix, base] = splitName(Buffer.from(name, 'utf8'), fail);
  base.copy(block, 0);
  // uid, gid and device numbers are 0: the archive says nothing about the packing host.
  for (const offset of [108, 116, 329, 337]) writeOctal(block, offset, 8, 0, fail);
  writeOctal(block, 100, 8, entry.mode, fail);
  writeOctal(block, 124, 12, size, fail);
  writeOctal(block, 136, 12, mtime, fail);
  block.write(entry.type === 'dir' ? '5' : '0', 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  block.write('root', 265, 'latin1');
  block.write('root', 297, 'latin1');
  prefix.copy(block, 345);
  block.write(`${checksums(block).unsigned.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return block;
}

/** Splits a name into ustar prefix (≤155 bytes) and name (≤100 bytes) at a slash. */
function splitName(name: Buffer, fail: Fail): [Buffer, Buffer] {
  if (name.length <= 100) return [Buffer.alloc(0), name];
  // The last slash of a directory name is part of the name, so search before it.
  for (let i = Math.min(name.length - 2, 155); i > 0; i--) {
    if (name[i] === 0x2f && name.length - i - 1 <= 100)
      return [name.subarray(0, i), name.subarray(i + 1)];
  }
  return fail('the path is too long for a ustar header');
}

function writeOctal(
  block: Buffer,
  offset: number,
  length: number,
  value: number,
  fail: Fail,
): void {
  const digits = value.toString(8).padStart(length - 1, '0');
  if (!Number.isSafeInteger(value) || value < 0 || digits.length > length - 1) {
    fail(`${value} does not fit a ${length}-byte ustar field`);
  }
  block.write(`${digits}\u0000`, offset, 'latin1');
}

/**
 * Reads the file and directory entries of a tar archive. `source` names the archive in
 * errors. A root entry (`.` or `./`) is dropped. Throws one {@link CertSetError} naming the
 * entry at fault for anything malformed, truncated, unsafe or over the limits.
 */
export function unpackTar(buf: Buffer, source: string): TarEntry[] {
  const fail = (message: string, entry?: string): never => {
    const what = entry === undefined ? '' : `entry ${JSON.stringify(entry)} `;
    throw new CertSetError(`Tar archive ${source}: ${what}${message}`, entry);
  };
  if (buf.length > TAR_LIMITS.maxArchiveBytes)
    fail(`is larger than ${TAR_LIMITS.maxArchiveBytes / MIB} MiB`);

  const entries: TarEntry[] = [];
  const kinds = new Map<string, 'file' | 'dir'>();
  const parents = new Set<string>();
  // Set by an extended header (pax `x`, GNU `L`) until the entry it describes.
  let pending: { path?: string; size?: number } | undefined;
  let dataBytes = 0;
  let offset = 0;
  for (;;) {
    const block = buf.subarray(offset, offset + BLOCK);
    if (block.length === 0) fail('is truncated: it ends without the end-of-archive marker');
    if (block.length < BLOCK) fail('is cut off inside its header', cString(block, 0, 100));
    if (block.every((byte) => byte === 0)) {
      if (pending) fail('ends after an extended header without its entry');
      return entries;
    }

    // Read the header; the raw name is only for messages until it is checked.
    const raw = readHeader(block, (m) => fail(m, cString(block, 0, 100)));
    const name = pending?.path ?? raw.name;
    const entryFail = (m: string): never => fail(m, name);
    const meta = ['x', 'g', 'L', 'K'].includes(raw.type);
    const size = meta ? raw.size : (pending?.size ?? raw.size);
    const start = offset + BLOCK;
    if (start + size > buf.length) {
      entryFail(`claims ${size} bytes but the archive has only ${buf.length - start} left`);
    }
    const data = buf.subarray(start, start + size);
    offset = start + size + padding(size);

    // Extended headers describe the next entry.
    if (raw.type === 'x' || raw.type === 'g') {
      const records = paxRecords(data, entryFail);
      if ([...records.keys()].some((key) => key.startsWith('GNU.sparse.')))
        entryFail('is a sparse file');
      if (raw.type === 'x')
        pending = { path: records.get('path'), size: paxSize(records, entryFail) };
      continue;
    }
    if (raw.type === 'L') {
      pending = { ...pending, path: cString(data, 0, data.length) };
      continue;
    }
    if (raw.type === 'K') continue;
    pending = undefined;

    // A real entry: check type, path and limits.
    const refused = REFUSED_TYPES[raw.type];
    if (refused) entryFail(`is ${refused}; a CA store holds only files and directories`);
    const type = raw.type === '5' ? 'dir' : 'file';
    if (!['0', '\u0000', '7', '5'].includes(raw.type))
      entryFail(`has unsupported type ${JSON.stringify(raw.type)}`);
    const path = normalisePath(name, entryFail);
    if (path === '' && type === 'dir') continue;
    if (path === '') entryFail('is a file without a name');
    if (kinds.has(path)) entryFail('appears twice');
    if (type === 'file' && parents.has(path))
      entryFail('is a file but other entries are inside it');
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      const parent = path.slice(0, i);
      if (kinds.get(parent) === 'file')
        entryFail(`is inside ${JSON.stringify(parent)}, which is a file`);
      parents.add(parent);
    }
    if (entries.length >= TAR_LIMITS.maxEntries)
      entryFail(`exceeds the limit of ${TAR_LIMITS.maxEntries} entries`);
    dataBytes += type === 'file' ? size : 0;
    if (dataBytes > TAR_LIMITS.maxDataBytes) {
      entryFail(`takes the contents over the limit of ${TAR_LIMITS.maxDataBytes / MIB} MiB`);
    }
    kinds.set(path, type);
    entries.push({
      path,
      type,
      mode: raw.mode & 0o7777,
      data: Buffer.from(type === 'file' ? data : []),
    });
  }
}

function readHeader(
  block: Buffer,
  fail: Fail,
): { name: string; type: string; mode: number; size: number } {
  const sums = checksums(block);
  const stored = parseOctal(block, 148, 8, 'checksum', fail);
  // Old writers summed signed bytes; GNU tar accepts both, so do we.
  if (stored !== sums.unsigned && stored !== sums.signed) fail('has a bad header checksum');
  const magic = block.toString('latin1', 257, 265);
  const gnu = magic === 'ustar  \u0000';
  if (!gnu && !magic.startsWith('ustar\u0000')) fail('has no ustar or GNU tar magic');
  if (block[124]! & 0x80) fail('has a size in base-256, far over the limits');

  // GNU format keeps other fields where ustar has the name prefix.
  const prefix = gnu ? '' : cString(block, 345, 155);
  const base = cString(block, 0, 100);
  return {
    name: prefix === '' ? base : `${prefix}/${base}`,
    type: String.fromCharCode(block[156]!),
    mode: parseOctal(block, 100, 8, 'mode', fail),
    size: parseOctal(block, 124, 12, 'size', fail),
  };
}

/** Returns the path without `./` prefixes and trailing slash; refuses `..` and absolute paths. */
function normalisePath(path: string, fail: Fail): string {
  if (path.startsWith('/')) fail('has an absolute path');
  const parts = path.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  while (parts.length > 0 && parts[0] === '.') parts.shift();
  if (parts.includes('..')) fail('has a ".." component that leaves the archive');
  if (parts.some((part) => part === '' || part === '.')) fail('has an empty or "." component');
  return parts.join('/');
}

/** Parses pax records `"<len> <key>=<value>\n"`, where `<len>` counts the whole record. */
function paxRecords(data: Buffer, fail: Fail): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const digits = space < 0 ? '' : data.toString('latin1', at, space);
    const end = at + Number(digits);
    if (!/^[1-9][0-9]*$/.test(digits) || end > data.length || data[end - 1] !== 0x0a) {
      fail('has a malformed pax extended header');
    }
    const text = data.toString('utf8', space + 1, end - 1);
    const equals = text.indexOf('=');
    if (equals < 1) fail('has a malformed pax extended header');
    records.set(text.slice(0, equals), text.slice(equals + 1));
    at = end;
  }
  return records;
}

function paxSize(records: Map<string, string>, fail: Fail): number | undefined {
  const size = records.get('size');
  if (size === undefined) return undefined;
  if (!/^[0-9]{1,15}$/.test(size)) fail(`has a bad pax size ${JSON.stringify(size)}`);
  return Number(size);
}

/** Parses an octal field: optional leading spaces, digits, then NUL or space padding. */
function parseOctal(
  block: Buffer,
  offset: number,
  length: number,
  field: string,
  fail: Fail,
): number {
  const text = block.toString('latin1', offset, offset + length);
  const match = /^ *([0-7]+) *$/.exec(text.split('\u0000').join(' '));
  if (!match?.[1]) return fail(`has a bad octal ${field} field ${JSON.stringify(text)}`);
  return Number.parseInt(match[1], 8);
}

function cString(buf: Buffer, offset: number, length: number): string {
  const field = buf.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? field.length : end);
}

function checksums(block: Buffer): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    // The checksum field itself counts as eight spaces.
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte >= 0x80 ? byte - 0x100 : byte;
  }
  return { unsigned, signed };
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}
