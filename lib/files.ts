/**
 * Small file-system helpers shared by the file backends: atomic replacement and content
 * versions. Nothing here knows about certificates.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes `data` to `path` so that readers see either the old or the new file, never a
 * partial one: a temporary file in the same folder, flushed, then renamed over the target.
 */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o644) {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Writes `data` to `path` only if no file is there yet (`EEXIST` otherwise). */
export async function writeFileExclusive(path: string, data: Buffer | string, mode = 0o644) {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A short content version: the first 16 hex digits of SHA-256 over the parts in order. */
export function contentVersion(parts: Iterable<Buffer | string>): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(part);
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** True for a "no such file" error from node:fs. */
export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** A timestamp usable in a file name, sortable: `20261203T161500Z`. */
export function fileStamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
