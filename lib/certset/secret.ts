/**
 * The flattened Secret: every file of the hub's certificate folder under a key
 * `<folder>_<file>` (design section 3), as the proxy and hub mount it.
 */
import { CertSetError } from '../errors.js';
import {
  buildCertipyStore,
  type CertipyStore,
  parseCertipyJson,
  renderCertipyJson,
} from './certipy.js';
import { caSetFromFiles, type FileMap, type Naming, pemFile } from './layout.js';
import { bundleFile, CA_NAMES, type CaSet, LEAF_NAMES, type Leaves } from './model.js';

export const CERTIPY_KEY = 'certipy.json';

/** Secret key of a CA's or leaf's certificate (`hub-ca_hub-ca.crt`). */
export function certKey(name: string): string {
  return `${name}_${name}.crt`;
}

/** Secret key of a CA's or leaf's private key (`hub-ca_hub-ca.key`). */
export function keyKey(name: string): string {
  return `${name}_${name}.key`;
}

/** CA files as flattened Secret keys. */
export const SECRET_NAMING: Naming = { cert: certKey, key: keyKey, bundle: bundleFile };

/** Every key a complete Secret holds, in sorted order. */
export const SECRET_KEYS: readonly string[] = [
  CERTIPY_KEY,
  ...[...CA_NAMES, ...LEAF_NAMES].flatMap((name) => [certKey(name), keyKey(name)]),
  ...CA_NAMES.map(bundleFile),
].sort();

/** What a hub's Secret holds, decoded. */
export interface HubSecret {
  caSet: CaSet;
  leaves: Leaves;
  certipy: CertipyStore;
}

/** The Secret data for a CA set, its leaves and the certipy records under `prefix`. */
export function toSecretData(
  caSet: CaSet,
  leaves: Leaves,
  prefix: string,
  previous?: CertipyStore,
): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  for (const ca of CA_NAMES) {
    data[certKey(ca)] = Buffer.from(caSet.cas[ca].cert);
    data[keyKey(ca)] = Buffer.from(caSet.cas[ca].key);
    data[bundleFile(ca)] = Buffer.from(caSet.bundles[ca]);
  }
  for (const leaf of LEAF_NAMES) {
    data[certKey(leaf)] = Buffer.from(leaves[leaf].cert);
    data[keyKey(leaf)] = Buffer.from(leaves[leaf].key);
  }
  data[CERTIPY_KEY] = Buffer.from(renderCertipyJson(buildCertipyStore(prefix, previous)));
  return data;
}

/**
 * Decodes Secret data. A missing key or a value without the PEM it should hold is refused
 * with an error naming the key and `source`; the message never carries the value.
 */
export function fromSecretData(data: Record<string, Buffer>, source: string): HubSecret {
  const files: FileMap = new Map(Object.entries(data));
  const caSet = caSetFromFiles(files, source, SECRET_NAMING);
  const leaves = {} as Leaves;
  for (const leaf of LEAF_NAMES) {
    leaves[leaf] = {
      cert: pemFile(files, certKey(leaf), source, 'CERTIFICATE'),
      key: pemFile(files, keyKey(leaf), source, 'PRIVATE KEY'),
    };
  }
  const certipy = parseCertipyJson(
    need(data, CERTIPY_KEY, source).toString('utf8'),
    `${CERTIPY_KEY} in ${source}`,
  );
  return { caSet, leaves, certipy };
}

function need(data: Record<string, Buffer>, key: string, source: string): Buffer {
  const value = data[key];
  if (value === undefined) throw new CertSetError(`${source} has no key ${key}`, key);
  return value;
}
