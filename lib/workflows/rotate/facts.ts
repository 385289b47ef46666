/**
 * Small facts the steps compare: which CA set a store or Secret carries (by fingerprint),
 * the plan id, and the Secret snapshot's encoding. Comparing fingerprints rather than PEM
 * text means a set re-encoded by another writer still counts as the same set.
 */
import { createHash } from 'node:crypto';
import { CA_NAMES, type CaName, type CaSet } from '../../certset/model.js';
import { inspectPem } from '../../pki/inspect.js';
import type { SideFacts } from './model.js';

/** SHA-256 fingerprints of the five CAs of `set`. */
export function caFingerprints(set: CaSet): Record<CaName, string> {
  const fingerprints = {} as Record<CaName, string>;
  for (const ca of CA_NAMES) fingerprints[ca] = fingerprintOf(set.cas[ca].cert);
  return fingerprints;
}

/** The SHA-256 fingerprint of a PEM certificate. */
export function fingerprintOf(certPem: string): string {
  return inspectPem(certPem).fingerprintSha256;
}

/** The side facts of a CA set and the proxy-client certificate published with it. */
export function sideOf(set: CaSet, proxyClientCert: string): SideFacts {
  return { cas: caFingerprints(set), proxyClient: fingerprintOf(proxyClientCert) };
}

/** True when `set` holds exactly the CAs fingerprinted in `expected`. */
export function carries(set: CaSet, expected: Record<CaName, string>): boolean {
  const actual = caFingerprints(set);
  return CA_NAMES.every((ca) => actual[ca] === expected[ca]);
}

/**
 * The plan id: a hash over the store version the plan starts from, the pending CAs and the
 * inventory revision, so that an id names one rotation of one state and goes stale with it.
 */
export function planIdOf(
  storeVersion: string,
  pending: Record<CaName, string>,
  inventoryRevision: number,
): string {
  const text = JSON.stringify([storeVersion, CA_NAMES.map((ca) => pending[ca]), inventoryRevision]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Secret data as base64 text, for a JSON document. */
export function encodeData(data: Record<string, Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString('base64')]));
}

/** Secret data back from base64 text. */
export function decodeData(data: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

/** The first characters of a fingerprint, enough for a person to tell two apart. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 23);
}
