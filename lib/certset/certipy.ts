/**
 * certipy.json: the record store certipy and JupyterHub keep beside the certificates.
 * Records are keyed by name; their order is not stable, so they are compared by content.
 * The hub adds records of its own (`hub-internal`, `user-*`); those are kept as they are.
 */
import { isDeepStrictEqual } from 'node:util';
import { CertSetError } from '../errors.js';
import { certPath, keyPath } from './layout.js';
import { CA_NAMES, LEAF_ISSUER, LEAF_NAMES } from './model.js';

export interface CertipyRecord {
  serial: number;
  is_ca: boolean;
  parent_ca: string;
  signees: Record<string, number> | null;
  files: { key: string; cert: string; ca: string };
}

export type CertipyStore = Record<string, CertipyRecord>;

/** Where the hub unpacks the Secret, and so the prefix of every path in certipy.json. */
export const DEFAULT_CERTIPY_PREFIX = 'internal-ssl';

/**
 * The records for the five CAs and two leaves under `prefix`, merged with the hub's own
 * records from `existing`. certipy records the serial it was asked for, which JupyterHub
 * never sets, so `serial` is 0 here as in every certipy.json in production.
 */
export function buildCertipyStore(prefix: string, existing: CertipyStore = {}): CertipyStore {
  const at = (path: string) => `${prefix.replace(/\/+$/, '')}/${path}`;
  const store: CertipyStore = {};
  for (const ca of CA_NAMES) {
    store[ca] = record(true, '', { key: at(keyPath(ca)), cert: at(certPath(ca)), ca: '' });
  }
  for (const leaf of LEAF_NAMES) {
    const parent = LEAF_ISSUER[leaf];
    const files = { key: at(keyPath(leaf)), cert: at(certPath(leaf)), ca: at(certPath(parent)) };
    store[leaf] = record(false, parent, files);
  }
  for (const [name, kept] of Object.entries(existing)) {
    if (!(name in store)) store[name] = kept;
  }
  // Sign links are derived from parent_ca, so the hub's own leaves stay linked to their CA.
  for (const [name, rec] of Object.entries(store)) {
    const parent = rec.parent_ca ? store[rec.parent_ca] : undefined;
    if (parent) parent.signees = { ...(parent.signees ?? {}), [name]: 1 };
  }
  return store;
}

/** Parses certipy.json, refusing anything that is not a map of well-formed records. */
export function parseCertipyJson(text: string, source: string): CertipyStore {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CertSetError(`${source} is not valid JSON`, 'certipy.json', { cause: error });
  }
  if (!isObject(value)) throw new CertSetError(`${source} is not a JSON object`, 'certipy.json');
  for (const [name, rec] of Object.entries(value)) {
    const problem = recordProblem(rec);
    if (problem) {
      throw new CertSetError(
        `${source}: record ${JSON.stringify(name)} ${problem}`,
        'certipy.json',
      );
    }
  }
  return value as CertipyStore;
}

/** certipy.json as certipy writes it: four-space indentation. */
export function renderCertipyJson(store: CertipyStore): string {
  return JSON.stringify(store, null, 4);
}

/** Names whose records differ between `a` and `b` (missing on one side counts). */
export function certipyDifferences(a: CertipyStore, b: CertipyStore): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((name) => !isDeepStrictEqual(normalise(a[name]), normalise(b[name])));
}

function record(isCa: boolean, parent: string, files: CertipyRecord['files']): CertipyRecord {
  return { serial: 0, is_ca: isCa, parent_ca: parent, signees: null, files };
}

/** `signees: {}` and `null` mean the same to certipy; so does a count of 0. */
function normalise(rec: CertipyRecord | undefined): unknown {
  if (!rec) return undefined;
  const signees = Object.entries(rec.signees ?? {}).filter(([, count]) => count > 0);
  return { ...rec, signees: Object.fromEntries(signees.sort(([x], [y]) => x.localeCompare(y))) };
}

function recordProblem(rec: unknown): string | undefined {
  if (!isObject(rec)) return 'is not an object';
  if (typeof rec.serial !== 'number' || !Number.isInteger(rec.serial))
    return 'has no integer serial';
  if (typeof rec.is_ca !== 'boolean') return 'has no boolean is_ca';
  if (typeof rec.parent_ca !== 'string') return 'has no string parent_ca';
  if (rec.signees !== null && !isObject(rec.signees)) return 'has signees that are not an object';
  const files = rec.files;
  if (!isObject(files) || !['key', 'cert', 'ca'].every((f) => typeof files[f] === 'string')) {
    return 'has no files {key, cert, ca} of strings';
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
