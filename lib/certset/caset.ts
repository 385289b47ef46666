/**
 * Creating a CA set and the leaves hubcerts publishes. Pure computation (key generation is
 * CPU work in the thread pool); reading and writing belong to the backends.
 */
import { inspectPem } from '../pki/inspect.js';
import { createCa, issueLeaf } from '../pki/issue.js';
import { type GeneratedKey, generateKey, type KeySpec } from '../pki/keys.js';
import { importPrivateKey, toPkcs8Pem } from '../pki/verify.js';
import {
  CA_NAMES,
  type CaName,
  type CaSet,
  type KeyPair,
  LEAF_ISSUER,
  type LeafName,
  TRUST_GRAPH,
} from './model.js';

export interface CaSetOptions {
  keySpec: KeySpec;
  caDays: number;
  now: Date;
}

export interface LeafOptions {
  keySpec: KeySpec;
  days: number;
  now: Date;
  /** A key generated ahead of time, so generation can overlap other start-up work. */
  key?: Promise<GeneratedKey>;
}

/** Five new CAs (keys generated concurrently) and their trust bundles. */
export async function createCaSet(options: CaSetOptions): Promise<CaSet> {
  const made = await Promise.all(
    CA_NAMES.map(async (name) => {
      const keys = await generateKey(options.keySpec);
      const cert = await createCa({
        commonName: name,
        keys,
        days: options.caDays,
        now: options.now,
      });
      return [name, { cert, key: toPkcs8Pem(keys.privateKey) }] as const;
    }),
  );
  const cas = Object.fromEntries(made) as Record<CaName, KeyPair>;
  return { cas, bundles: buildBundles(cas) };
}

/** Trust bundles as JupyterHub builds them: PEM concatenations in trust-graph order. */
export function buildBundles(cas: Record<CaName, KeyPair>): Record<CaName, string> {
  const bundles = {} as Record<CaName, string>;
  for (const ca of CA_NAMES) {
    bundles[ca] = TRUST_GRAPH[ca].map((member) => normalisePem(cas[member].cert)).join('');
  }
  return bundles;
}

/** Issues `leaf` from its CA in `set` with the given SANs and a new key. */
export async function issueLeafFrom(
  set: CaSet,
  leaf: LeafName,
  sans: readonly string[],
  options: LeafOptions,
): Promise<KeyPair> {
  const ca = set.cas[LEAF_ISSUER[leaf]];
  const key = options.key ?? generateKey(options.keySpec);
  // issueLeaf prepares the rest while the key is still being generated. If it fails before it
  // takes the key, a failure of the key is one nobody waits for: handled here.
  const publicKey = key.then((pair) => pair.publicKey);
  publicKey.catch(() => {});
  const cert = await issueLeaf({
    commonName: leaf,
    publicKey,
    sans,
    days: options.days,
    now: options.now,
    issuer: { certPem: ca.cert, privateKey: importPrivateKey(ca.key, `${LEAF_ISSUER[leaf]} key`) },
  });
  return { cert, key: toPkcs8Pem((await key).privateKey) };
}

/** A leaf's remaining lifetime in whole days at `now`, for renewal decisions. */
export function daysLeft(certPem: string, now: Date): number {
  return Math.floor((inspectPem(certPem).notAfter.getTime() - now.getTime()) / 86_400_000);
}

/** One PEM block per certificate, ending in exactly one newline, so bundles compare cleanly. */
export function normalisePem(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trim()}\n`;
}
