/**
 * The HTTP face of a KV version 2 mount: `config`, `data/`, `metadata/`, `delete/`,
 * `undelete/` and `destroy/` below `/v1/<mount>/`, answered in Vault's shapes.
 */
import type { Reply } from '../server.js';
import { KvError, type KvMount, type KvSecret, type KvVersion } from './kv.js';
import { envelope, failure, noContent, notFound, ok, timestamp } from './wire.js';

/** A request addressed to one mount; `rest` is the path after `<mount>/`. */
export interface KvRequest {
  method: string;
  rest: string;
  query: Readonly<Record<string, string>>;
  body: unknown;
  contentType: string | undefined;
}

const KV_EXTRA = { mount_type: 'kv' };

export function routeKv(mount: KvMount, request: KvRequest): Reply {
  try {
    return dispatch(mount, request);
  } catch (error) {
    if (error instanceof KvError) return failure(error.status, ...error.errors);
    throw error;
  }
}

function dispatch(mount: KvMount, { method, rest, query, body, contentType }: KvRequest): Reply {
  const [area = '', ...segments] = rest.split('/');
  const path = segments.join('/');
  const listing = method === 'LIST' || (method === 'GET' && isTrue(query['list']));
  const fields = isObject(body) ? body : {};

  if (area === 'config' && segments.length === 0) return config(mount, method, fields);
  if (area === 'metadata' && listing) return list(mount, path);
  if (path === '' || path.endsWith('/')) return unsupported();

  switch (`${area} ${method}`) {
    case 'data GET':
      return read(mount, path, Number(query['version'] ?? 0));
    case 'data POST':
    case 'data PUT':
      return written(mount.write(path, dataOf(fields), casOf(fields)));
    case 'data PATCH':
      if (contentType?.split(';')[0]?.trim() !== 'application/merge-patch+json') {
        return failure(415, 'PATCH requires Content-Type of application/merge-patch+json');
      }
      return written(mount.patch(path, dataOf(fields), casOf(fields)));
    case 'data DELETE':
      mount.deleteLatest(path);
      return noContent();
    case 'metadata GET':
      return readMetadata(mount, path);
    case 'metadata POST':
    case 'metadata PUT':
      return writeMetadata(mount, path, fields);
    case 'metadata DELETE':
      mount.secrets.delete(path);
      return noContent();
  }
  if (['delete', 'undelete', 'destroy'].includes(area) && ['POST', 'PUT'].includes(method)) {
    const versions = versionsOf(fields);
    if (area === 'delete') mount.deleteVersions(path, versions);
    if (area === 'undelete') mount.undelete(path, versions);
    if (area === 'destroy') mount.destroy(path, versions);
    return noContent();
  }
  return ['data', 'metadata', 'delete', 'undelete', 'destroy'].includes(area)
    ? failure(405, '1 error occurred:\n\t* unsupported operation\n\n')
    : unsupported();
}

function read(mount: KvMount, path: string, version: number): Reply {
  const found = mount.version(path, version);
  const secret = mount.secrets.get(path);
  if (found === undefined || secret === undefined) return notFound();
  const data = {
    data: mount.isLive(found.version) ? structuredClone(found.version.data) : null,
    metadata: versionMetadata(found.number, found.version, secret),
  };
  // A deleted or destroyed version still answers with its metadata, but as a 404.
  if (data.data === null) return { status: 404, body: envelope(data, KV_EXTRA) };
  return ok(data, KV_EXTRA);
}

function written(secret: KvSecret): Reply {
  const number = secret.currentVersion;
  const version = secret.versions.get(number)!;
  return ok(versionMetadata(number, version, secret), KV_EXTRA);
}

function versionMetadata(number: number, version: KvVersion, secret: KvSecret) {
  return {
    version: number,
    created_time: timestamp(version.createdMs),
    deletion_time: version.deletionMs === null ? '' : timestamp(version.deletionMs),
    destroyed: version.destroyed,
    custom_metadata: secret.customMetadata,
  };
}

function readMetadata(mount: KvMount, path: string): Reply {
  const secret = mount.secrets.get(path);
  if (secret === undefined) return notFound();
  const versions = Object.fromEntries(
    [...secret.versions].map(([n, v]) => [
      String(n),
      {
        created_time: timestamp(v.createdMs),
        deletion_time: v.deletionMs === null ? '' : timestamp(v.deletionMs),
        destroyed: v.destroyed,
      },
    ]),
  );
  return ok(
    {
      versions,
      current_version: secret.currentVersion,
      oldest_version: secret.oldestVersion,
      created_time: timestamp(secret.createdMs),
      updated_time: timestamp(secret.updatedMs),
      max_versions: secret.maxVersions,
      cas_required: secret.casRequired,
      delete_version_after: secret.deleteVersionAfter,
      custom_metadata: secret.customMetadata,
    },
    KV_EXTRA,
  );
}

function writeMetadata(mount: KvMount, path: string, fields: Record<string, unknown>): Reply {
  const { max_versions, cas_required, delete_version_after, custom_metadata } = fields;
  const given = [max_versions, cas_required, delete_version_after, custom_metadata];
  if (given.every((v) => v === undefined)) return noContent();
  const custom = custom_metadata === undefined ? undefined : customMetadataOf(custom_metadata);
  const secret = mount.metadata(path);
  if (max_versions !== undefined) secret.maxVersions = Number(max_versions);
  if (cas_required !== undefined) secret.casRequired = cas_required === true;
  if (delete_version_after !== undefined) secret.deleteVersionAfter = String(delete_version_after);
  if (custom !== undefined) secret.customMetadata = custom;
  if (cas_required === false && mount.config.casRequired) {
    const warning =
      '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';
    return ok(null, { warnings: [warning] });
  }
  return noContent();
}

function list(mount: KvMount, folder: string): Reply {
  const keys = mount.list(folder);
  return keys.length === 0 ? notFound() : ok({ keys }, KV_EXTRA);
}

function config(mount: KvMount, method: string, fields: Record<string, unknown>): Reply {
  if (method === 'GET') {
    return ok({
      cas_required: mount.config.casRequired,
      delete_version_after: '0s',
      max_versions: mount.config.maxVersions,
    });
  }
  if (fields['max_versions'] !== undefined)
    mount.config.maxVersions = Number(fields['max_versions']);
  if (fields['cas_required'] !== undefined)
    mount.config.casRequired = fields['cas_required'] === true;
  return noContent();
}

/** Vault's `custom_metadata` rules: string values (primitives are converted), size limits. */
function customMetadataOf(raw: unknown): Record<string, string> {
  const prefix = 'custom_metadata validation failed';
  if (!isObject(raw)) throw new KvError(400, `${prefix}: expected a map`);
  const entries = Object.entries(raw).map(([key, value]) => {
    if (value !== null && typeof value === 'object') {
      throw new KvError(400, `${prefix}: value for key "${key}" is not a string`);
    }
    const text = typeof value === 'boolean' ? (value ? '1' : '0') : String(value ?? '');
    return [key, text] as const;
  });
  if (entries.length > 64) {
    throw new KvError(
      400,
      `${prefix}: payload must contain at most 64 keys, provided ${entries.length}`,
    );
  }
  const problems = entries.flatMap(([key, value]) => [
    ...(key.length === 0 || key.length > 128
      ? [`${prefix}: length of key "${key}" is ${key.length} but must be 0 < len(key) <= 128`]
      : []),
    ...(value.length === 0 || value.length > 512
      ? [
          `${prefix}: length of value for key "${key}" is ${value.length} ` +
            'but must be 0 < len(value) <= 512',
        ]
      : []),
  ]);
  if (problems.length > 0) {
    const listed = problems.map((p) => `\t* ${p}`).join('\n');
    throw new KvError(
      400,
      `${problems.length} error${problems.length > 1 ? 's' : ''} occurred:\n${listed}\n\n`,
    );
  }
  return Object.fromEntries(entries);
}

function dataOf(fields: Record<string, unknown>): Record<string, unknown> {
  const data = fields['data'];
  if (data === undefined || data === null) throw new KvError(400, 'no data provided');
  if (!isObject(data)) throw new KvError(400, 'data must be a JSON object');
  return data;
}

function casOf(fields: Record<string, unknown>): unknown {
  const options = fields['options'];
  return isObject(options) ? options['cas'] : undefined;
}

function versionsOf(fields: Record<string, unknown>): number[] {
  const raw = fields['versions'];
  const list = typeof raw === 'string' ? raw.split(',') : Array.isArray(raw) ? raw : [];
  const versions = list.map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (versions.length === 0) throw new KvError(400, 'no version number provided');
  return versions;
}

function unsupported(): Reply {
  return failure(404, '1 error occurred:\n\t* unsupported path\n\n');
}

function isTrue(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
