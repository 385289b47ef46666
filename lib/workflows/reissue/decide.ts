/**
 * Should the proxy-client certificate be re-issued? An ordered list of small checks, each
 * answering with a named reason; no reason means nothing to do. The desired SANs come from
 * the inventory alone, never from the certificate in use.
 */

import type { KeyPair } from '../../certset/model.js';
import { inspectPem } from '../../pki/inspect.js';
import { sanDiff } from '../../pki/names.js';
import { importPrivateKey, isSignedBy, keyMatchesCertificate } from '../../pki/verify.js';

export type ReissueReason =
  | 'NO_CERTIFICATE'
  | 'KEY_MISMATCH'
  | 'CHAIN_INVALID'
  | 'SAN_MISSING'
  | 'SAN_UNEXPECTED'
  | 'EXPIRES_SOON'
  | 'PROXY_API_DUE';

export interface Decision {
  reasons: ReissueReason[];
  added: string[];
  removed: string[];
  /** SANs of the certificate in use (empty when there is none). */
  current: string[];
}

export function decideReissue(
  current: KeyPair | undefined,
  caCert: string,
  desired: readonly string[],
  renewDays: number,
  now: Date,
): Decision {
  if (!current)
    return { reasons: ['NO_CERTIFICATE'], added: [...desired], removed: [], current: [] };
  const info = inspectPem(current.cert, 'the proxy-client certificate');
  const { added, removed } = sanDiff(info.sans, desired);
  const reasons: ReissueReason[] = [];
  if (!keyMatchesCertificate(current.cert, importPrivateKey(current.key, 'the proxy-client key'))) {
    reasons.push('KEY_MISMATCH');
  }
  if (!isSignedBy(current.cert, caCert)) reasons.push('CHAIN_INVALID');
  if (added.length > 0) reasons.push('SAN_MISSING');
  if (removed.length > 0) reasons.push('SAN_UNEXPECTED');
  if (info.notAfter.getTime() - now.getTime() < renewDays * 86_400_000)
    reasons.push('EXPIRES_SOON');
  return { reasons, added, removed, current: info.sans };
}

/**
 * Whether the proxy-api leaf needs replacing: a key that does not match, another CA, or
 * fewer than `renewDays` left. Its SANs are the fixed names and are not judged here.
 */
export function proxyApiDue(pair: KeyPair, caCert: string, renewDays: number, now: Date): boolean {
  const info = inspectPem(pair.cert, 'the proxy-api certificate');
  return (
    !keyMatchesCertificate(pair.cert, importPrivateKey(pair.key, 'the proxy-api key')) ||
    !isSignedBy(pair.cert, caCert) ||
    info.notAfter.getTime() - now.getTime() < renewDays * 86_400_000
  );
}
