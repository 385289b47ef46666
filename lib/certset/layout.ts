/**
 * The certipy directory layout of the store's `ca_certs/` folder: `<ca>/<ca>.crt`,
 * `<ca>/<ca>.key` and `<ca>_trust.crt` at the top. Converts between that file map and a
 * CaSet; the checks that need cryptography live in `validate.ts`.
 */
import { CertSetError } from '../errors.js';
import { splitPem } from '../pki/pem.js';
import { bundleFile, CA_NAMES, type CaName, type CaSet, type KeyPair } from './model.js';

/** Relative POSIX path → contents. */
export type FileMap = Map<string, Buffer>;

export function certPath(name: string): string {
  return `${name}/${name}.crt`;
}

export function keyPath(name: string): string {
  return `${name}/${name}.key`;
}

/** Mode of a file in the layout: keys are private to their owner, as certipy writes them. */
export function fileMode(path: string): number {
  return path.endsWith('.key') ? 0o600 : 0o644;
}

/** How the files of a CA set are named: folder layout or flattened Secret keys. */
export interface Naming {
  cert(name: string): string;
  key(name: string): string;
  bundle(ca: CaName): string;
}

/** The certipy folder layout. */
export const FOLDER_NAMING: Naming = { cert: certPath, key: keyPath, bundle: bundleFile };

/** The files of the `ca_certs/` folder for a CA set (no leaves, no certipy.json). */
export function caSetToFiles(set: CaSet): FileMap {
  const files: FileMap = new Map();
  for (const ca of CA_NAMES) {
    files.set(certPath(ca), Buffer.from(set.cas[ca].cert));
    files.set(keyPath(ca), Buffer.from(set.cas[ca].key));
    files.set(bundleFile(ca), Buffer.from(set.bundles[ca]));
  }
  return files;
}

/**
 * Reads a CA set from the `ca_certs/` files. A missing file or a file without the PEM it
 * should hold is refused with an error naming the file; files outside the layout (a hub's
 * own leaves, certipy.json, editor back-ups) are ignored.
 */
export function caSetFromFiles(
  files: FileMap,
  source: string,
  naming: Naming = FOLDER_NAMING,
): CaSet {
  const cas = {} as Record<CaName, KeyPair>;
  const bundles = {} as Record<CaName, string>;
  for (const ca of CA_NAMES) {
    cas[ca] = {
      cert: pemFile(files, naming.cert(ca), source, 'CERTIFICATE'),
      key: pemFile(files, naming.key(ca), source, 'PRIVATE KEY'),
    };
    bundles[ca] = pemFile(files, naming.bundle(ca), source, 'CERTIFICATE');
  }
  return { cas, bundles };
}

/**
 * The text of `path`, checked to hold at least one PEM block of the wanted kind (any
 * `… PRIVATE KEY` label for keys). The message names the file, never its contents.
 */
export function pemFile(files: FileMap, path: string, source: string, kind: string): string {
  const data = files.get(path);
  if (data === undefined) {
    throw new CertSetError(`${source} is missing ${path}`, path);
  }
  const text = data.toString('utf8');
  const where = `${path} in ${source}`;
  let labels: string[];
  try {
    labels = splitPem(text, where).map((block) => block.label);
  } catch (error) {
    throw new CertSetError(`${where} is not readable PEM`, path, { cause: error });
  }
  const wanted =
    kind === 'PRIVATE KEY' ? labels.some((l) => l.endsWith(kind)) : labels.includes(kind);
  if (!wanted) {
    const what = kind === 'PRIVATE KEY' ? 'a private key' : 'a certificate';
    throw new CertSetError(`${where} does not hold ${what} in PEM form`, path);
  }
  return text;
}
