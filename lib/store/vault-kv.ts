/**
 * The KV version 2 rules hubcerts builds on: a read tells a missing secret from a deleted
 * latest version (Vault answers both with 404 and never falls back to an older one), a
 * check-and-set write that loses its race is a ConflictError, and custom metadata and
 * listings go through the metadata endpoint.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, StoreError } from '../errors.js';
import type { VaultClient } from './vault-client.js';
import { VaultCallError } from './vault-errors.js';
import { dataPath, type KvPath, metadataPath } from './vault-ref.js';

/** A readable version of a secret. */
export interface KvLive {
  state: 'live';
  version: number;
  data: Record<string, unknown>;
  /** RFC 3339, as Vault prints it. */
  createdTime: string;
}

/** The latest version exists but was deleted or destroyed. */
export interface KvDeleted {
  state: 'deleted';
  version: number;
  deletionTime: string;
  destroyed: boolean;
}

/** The latest version of `at`, whatever its state; null when the secret does not exist. */
export async function readKv(client: VaultClient, at: KvPath): Promise<KvLive | KvDeleted | null> {
  let answer: unknown;
  try {
    answer = await client.read(dataPath(at));
  } catch (error) {
    if (!(error instanceof VaultCallError) || error.status !== 404) throw error;
    const metadata = fields(fields(fields(error.answer)?.['data'])?.['metadata']);
    const version = metadata?.['version'];
    const deletionTime = metadata?.['deletion_time'];
    const destroyed = metadata?.['destroyed'] === true;
    if (typeof version !== 'number' || (!destroyed && !deletionTime)) return null;
    return { state: 'deleted', version, deletionTime: String(deletionTime ?? ''), destroyed };
  }
  const body = fields(fields(answer)?.['data']);
  const data = fields(body?.['data']);
  const metadata = fields(body?.['metadata']);
  const version = metadata?.['version'];
  if (data === undefined || typeof version !== 'number') {
    throw new StoreError(
      `Vault at ${client.address} answered reading ${dataPath(at)} without KV version 2 ` +
        `data; is ${at.mount} a KV version 2 mount?`,
    );
  }
  return { state: 'live', version, data, createdTime: String(metadata?.['created_time'] ?? '') };
}

/**
 * The latest version of `at` if it is readable, null if the secret does not exist. A
 * deleted latest version is refused: reading past it would silently show an older value.
 * `label` names what is kept there (the reference) in the message.
 */
export async function readLiveKv(
  client: VaultClient,
  at: KvPath,
  label: string,
): Promise<KvLive | null> {
  const found = await readKv(client, at);
  if (found?.state !== 'deleted') return found;
  const latest = `the latest version (${found.version}) of ${label} at ${client.address}`;
  if (found.destroyed) {
    throw new StoreError(
      `${latest} was destroyed and cannot be recovered; write a new version deliberately`,
    );
  }
  throw new StoreError(
    `${latest} was deleted at ${found.deletionTime}; hubcerts does not fall back to an older ` +
      `version: undelete it with "vault kv undelete -mount=${at.mount} ` +
      `-versions=${found.version} ${at.path}"`,
  );
}

/**
 * Writes `data` as a new version if the current version is `cas` (0: only if the secret
 * does not exist); returns the new version. A mismatch is a ConflictError, unless the
 * current version is exactly this write: an attempt whose answer was lost after Vault had
 * applied it is repeated and then finds its own write in place.
 */
export async function writeKv(
  client: VaultClient,
  at: KvPath,
  data: Record<string, unknown>,
  cas: number,
  label: string,
): Promise<number> {
  let answer: unknown;
  try {
    answer = await client.write(dataPath(at), { data, options: { cas } });
  } catch (error) {
    if (!isCasMismatch(error)) throw error;
    const now = await readKv(client, at);
    if (now?.state === 'live' && now.version === cas + 1 && isDeepStrictEqual(now.data, data)) {
      return now.version;
    }
    const was = cas === 0 ? 'did not exist' : `was at version ${cas}`;
    throw new ConflictError(
      `${label} changed since it was read (it ${was}; Vault's check-and-set refused the ` +
        'write); read it again and decide again',
      { cause: error },
    );
  }
  const version = fields(fields(answer)?.['data'])?.['version'];
  if (typeof version !== 'number') {
    throw new StoreError(`Vault at ${client.address} answered writing ${dataPath(at)} oddly`);
  }
  return version;
}

/** Replaces the secret's custom metadata (string keys and values, per secret, not version). */
export async function writeCustomMetadata(
  client: VaultClient,
  at: KvPath,
  metadata: Record<string, string>,
): Promise<void> {
  await client.write(metadataPath(at), { custom_metadata: metadata });
}

/** The names directly below the folder `at` (sub-folders end in `/`); empty when none. */
export async function listKv(client: VaultClient, at: KvPath): Promise<string[]> {
  let answer: unknown;
  try {
    answer = await client.list(metadataPath(at));
  } catch (error) {
    if (error instanceof VaultCallError && error.status === 404) return [];
    throw error;
  }
  const keys = fields(fields(answer)?.['data'])?.['keys'];
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

/**
 * Destroys versions 1 to `upTo` for good (their data, not the metadata): a newer version
 * written meanwhile stays readable. Used for documents that hold private keys, which a soft
 * delete would leave readable in the version history.
 */
export async function destroyKvVersions(
  client: VaultClient,
  at: KvPath,
  upTo: number,
): Promise<void> {
  const versions = Array.from({ length: upTo }, (_, i) => i + 1);
  await client.write(`${at.mount}/destroy/${at.path}`, { versions });
}

function isCasMismatch(error: unknown): boolean {
  return (
    error instanceof VaultCallError &&
    error.status === 400 &&
    error.vaultMessage?.includes('check-and-set parameter did not match') === true
  );
}

function fields(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
