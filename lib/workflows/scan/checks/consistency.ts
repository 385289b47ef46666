/**
 * KEY_MISMATCH, CHAIN_INVALID and TRUST_BUNDLE_MISMATCH within one source: the CA set's
 * own consistency and, for a Secret, its leaves against its CAs. All are critical: the
 * proxy or the hub will fail its TLS handshakes with such material.
 */
import type { Naming } from '../../../certset/layout.js';
import type { CaSet, Leaves } from '../../../certset/model.js';
import { checkCaSet, checkLeaves } from '../../../certset/validate.js';
import type { Finding } from '../report.js';

const NEXT_STEP = {
  KEY_MISMATCH: 'restore the matching pair from the archive or reissue',
  CHAIN_INVALID: 'reissue from the right CA, or finish the CA rotation',
  TRUST_BUNDLE_MISMATCH: 'rebuild the bundles from the CA set (hubcerts export trust-bundle)',
};

export function checkConsistency(
  prefix: string,
  source: string,
  set: CaSet,
  naming: Naming,
  leaves?: Partial<Leaves>,
): Finding[] {
  const problems = [
    ...checkCaSet(set, source, naming),
    ...(leaves ? checkLeaves(set, leaves, source, naming) : []),
  ];
  return problems.map((p) => ({
    severity: 'critical',
    code: p.code,
    certificate: `${prefix}:${p.name}`,
    message: `${p.message}; ${NEXT_STEP[p.code]}`,
  }));
}
