/**
 * Key generation and the key types hubcerts supports. Generation runs in libuv's thread pool
 * (node:crypto's asynchronous `generateKeyPair`), so a caller can start it before loading
 * the certificate library and let the two overlap.
 */
import { generateKeyPair as generateNodeKeyPair, type KeyObject } from 'node:crypto';
import { PkiError } from '../errors.js';

/** The key types a CA or leaf may have. RSA-2048 is what certipy makes and the default. */
export const KEY_SPECS = ['rsa-2048', 'rsa-3072', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;
export type KeySpec = (typeof KEY_SPECS)[number];
export const DEFAULT_KEY_SPEC: KeySpec = 'rsa-2048';

export interface GeneratedKey {
  spec: KeySpec;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** Parses a key type as written in configuration (`rsa-2048`, `ec-p256`, …). */
export function parseKeySpec(value: string, setting = 'key type'): KeySpec {
  const spec = KEY_SPECS.find((s) => s === value.toLowerCase());
  if (!spec) {
    throw new PkiError(`${setting} ${JSON.stringify(value)} is not one of ${KEY_SPECS.join(', ')}`);
  }
  return spec;
}

/** Generates a new key pair without blocking the event loop. */
export function generateKey(spec: KeySpec = DEFAULT_KEY_SPEC): Promise<GeneratedKey> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject) => {
      if (error) reject(new PkiError(`could not generate a ${spec} key`, { cause: error }));
      else resolve({ spec, publicKey, privateKey });
    };
    if (spec.startsWith('rsa-')) {
      const modulusLength = Number(spec.slice(4));
      generateNodeKeyPair('rsa', { modulusLength, publicExponent: 0x10001 }, done);
    } else {
      const namedCurve = spec === 'ec-p256' ? 'P-256' : 'P-384';
      generateNodeKeyPair('ec', { namedCurve }, done);
    }
  });
}

/** The key type of an existing key, for issuing a replacement of the same kind. */
export function specOf(key: KeyObject): KeySpec {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === 'rsa' && details?.modulusLength) {
    const spec = `rsa-${details.modulusLength}`;
    if ((KEY_SPECS as readonly string[]).includes(spec)) return spec as KeySpec;
  }
  if (key.asymmetricKeyType === 'ec') {
    if (details?.namedCurve === 'prime256v1') return 'ec-p256';
    if (details?.namedCurve === 'secp384r1') return 'ec-p384';
  }
  const kind = `${key.asymmetricKeyType} ${details?.modulusLength ?? details?.namedCurve ?? ''}`;
  throw new PkiError(`unsupported key type ${kind.trim()}`);
}

const early = new Map<KeySpec, Promise<GeneratedKey>>();

/**
 * Starts generating a key of `spec` now, to be taken later with `takeEarlyKey`. The CLI
 * calls it before it loads the rest of itself, so the key (the slowest step of a reissue)
 * is made while everything else loads and reads.
 */
export function startEarlyKey(spec: KeySpec): void {
  if (early.has(spec)) return;
  const pending = generateKey(spec);
  // A failure is reported when the key is taken; until then it must not crash the process.
  pending.catch(() => {});
  early.set(spec, pending);
}

/** The key started by `startEarlyKey` for `spec`, once; undefined when none was started. */
export function takeEarlyKey(spec: KeySpec): Promise<GeneratedKey> | undefined {
  const pending = early.get(spec);
  early.delete(spec);
  return pending;
}
