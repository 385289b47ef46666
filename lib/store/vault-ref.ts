/**
 * Vault references: `MOUNT/PATH[#FIELD]`, the logical path as the `vault kv` commands take
 * it (without `data/`), e.g. `secret/jupyterhub-ca_certs-dir#value`. The first segment is the
 * KV version 2 mount; mounts whose own path holds a slash cannot be named.
 */
import { ConfigError } from '../errors.js';

/** A secret on a KV version 2 mount, by its logical path. */
export interface KvPath {
  mount: string;
  path: string;
}

/** A secret and the field of its data that holds what hubcerts keeps there. */
export interface KvLocation extends KvPath {
  field: string;
}

// Conservative on purpose: these characters need no escaping in a URL path or a policy.
const SEGMENT = /^[A-Za-z0-9_.@=+,~-]+$/;
const FIELD = /^[A-Za-z0-9_.-]+$/;
/** Segments of the HTTP API that people paste by mistake instead of the logical path. */
const API_AREAS = new Set(['data', 'metadata', 'delete', 'undelete', 'destroy']);

/**
 * Parses the part of a `vault:` reference after the scheme. `setting` names the flag in the
 * ConfigError for a malformed reference; `defaultField` applies when `#FIELD` is absent.
 */
export function parseVaultRef(rest: string, defaultField: string, setting: string): KvLocation {
  const hash = rest.indexOf('#');
  const logical = hash < 0 ? rest : rest.slice(0, hash);
  const field = hash < 0 ? defaultField : rest.slice(hash + 1);
  const [mount = '', ...segments] = logical.split('/');
  const example = `vault:secret/jupyterhub-ca_certs-dir#${defaultField}`;
  const refuse = (why: string) =>
    new ConfigError(
      `${setting} ${JSON.stringify(`vault:${rest}`)} ${why} (for example ${example})`,
    );

  const wellFormed =
    segments.length > 0 &&
    [mount, ...segments].every((s) => SEGMENT.test(s) && s !== '.' && s !== '..') &&
    FIELD.test(field);
  if (!wellFormed) throw refuse('is not of the form vault:MOUNT/PATH[#FIELD]');
  if (API_AREAS.has(segments[0]!) && segments.length > 1) {
    const logicalPath = [mount, ...segments.slice(1)].join('/');
    throw refuse(`names an API path; give the logical path vault:${logicalPath}`);
  }
  return { mount, path: segments.join('/'), field };
}

/** `secret/data/hub`: where a secret's versions are read and written. */
export function dataPath(at: KvPath): string {
  return `${at.mount}/data/${at.path}`;
}

/** `secret/metadata/hub`: the secret's metadata, and the folder to list below it. */
export function metadataPath(at: KvPath): string {
  return `${at.mount}/metadata/${at.path}`;
}
