/**
 * Consistency checks on a CA set and its leaves: each key matches its certificate, each
 * certificate chains to the CA it should, each bundle equals the trust graph. The checks
 * return named problems so that the scan can report them and writers can refuse on them.
 */
import { CertSetError } from '../errors.js';
import { certificatesIn } from '../pki/pem.js';
import { importPrivateKey, isSignedBy, keyMatchesCertificate } from '../pki/verify.js';
import { FOLDER_NAMING, type Naming } from './layout.js';
import {
  bundleFile,
  CA_NAMES,
  type CaName,
  type CaSet,
  type KeyPair,
  LEAF_ISSUER,
  type LeafName,
  type Leaves,
  TRUST_GRAPH,
} from './model.js';

export type ProblemCode = 'KEY_MISMATCH' | 'CHAIN_INVALID' | 'TRUST_BUNDLE_MISMATCH';

/** One inconsistency, with the file (layout path) it concerns. */
export interface SetProblem {
  code: ProblemCode;
  /** The CA or leaf concerned. */
  name: string;
  file: string;
  message: string;
}

/** Every inconsistency of the CA set itself. */
export function checkCaSet(set: CaSet, source: string, naming = FOLDER_NAMING): SetProblem[] {
  const problems: SetProblem[] = [];
  for (const ca of CA_NAMES) {
    problems.push(...checkPair(ca, set.cas[ca], source, naming));
    if (!isSignedBy(set.cas[ca].cert, set.cas[ca].cert)) {
      const file = naming.cert(ca);
      const message = `${file} in ${source} is not self-signed by its own key`;
      problems.push({ code: 'CHAIN_INVALID', name: ca, file, message });
    }
    const mismatch = bundleMismatch(set, ca);
    if (mismatch) {
      const file = naming.bundle(ca);
      const message = `${file} in ${source} ${mismatch}`;
      problems.push({ code: 'TRUST_BUNDLE_MISMATCH', name: ca, file, message });
    }
  }
  return problems;
}

/** Every inconsistency of the leaves against the CA set. */
export function checkLeaves(
  set: CaSet,
  leaves: Partial<Leaves>,
  source: string,
  naming = FOLDER_NAMING,
): SetProblem[] {
  const problems: SetProblem[] = [];
  for (const [name, pair] of Object.entries(leaves) as [LeafName, KeyPair][]) {
    problems.push(...checkPair(name, pair, source, naming));
    const issuer: CaName = LEAF_ISSUER[name];
    if (!isSignedBy(pair.cert, set.cas[issuer].cert)) {
      const file = naming.cert(name);
      const message = `${file} in ${source} is not signed by ${issuer}`;
      problems.push({ code: 'CHAIN_INVALID', name, file, message });
    }
  }
  return problems;
}

/** Refuses a set (and leaves) with any problem, naming the first file at fault. */
export function assertConsistent(
  set: CaSet,
  leaves: Partial<Leaves>,
  source: string,
  naming: Naming = FOLDER_NAMING,
): void {
  const [first, ...rest] = [
    ...checkCaSet(set, source, naming),
    ...checkLeaves(set, leaves, source, naming),
  ];
  if (first) {
    const more = rest.length > 0 ? ` (and ${rest.length} more problem(s))` : '';
    throw new CertSetError(`${first.message}${more}`, first.file);
  }
}

/** Why the bundle of `ca` differs from the trust graph, or undefined when it does not. */
export function bundleMismatch(set: CaSet, ca: CaName): string | undefined {
  const expected = TRUST_GRAPH[ca].map((member) => certificatesIn(set.cas[member].cert)[0]!);
  const actual = certificatesIn(set.bundles[ca], bundleFile(ca));
  if (actual.length !== expected.length) {
    return `holds ${actual.length} certificate(s), the trust graph wants ${expected.length}`;
  }
  for (const [index, der] of expected.entries()) {
    if (!der.equals(actual[index]!)) {
      return (
        `has a different certificate at position ${index + 1} ` +
        `(expected ${TRUST_GRAPH[ca][index]})`
      );
    }
  }
  return undefined;
}

function checkPair(name: string, pair: KeyPair, source: string, naming: Naming): SetProblem[] {
  const file = naming.key(name);
  const key = importPrivateKey(pair.key, `${file} in ${source}`);
  if (keyMatchesCertificate(pair.cert, key)) return [];
  const message = `${file} in ${source} does not match ${naming.cert(name)}`;
  return [{ code: 'KEY_MISMATCH', name, file, message }];
}
