/**
 * The removal guard: dropping a name can cut off every lab behind that login node, so a
 * change that removes names needs `allowRemoval`, and one that removes more than a set
 * share of them needs `force` too. A refusal changes nothing.
 */
import { GuardRefusal } from '../../errors.js';

export interface RemovalPolicy {
  allowRemoval: boolean;
  force: boolean;
  /** Largest share (0..1) of the current names a change may drop without `force`. */
  maxShare: number;
}

export function guardRemovals(
  removed: readonly string[],
  currentCount: number,
  policy: RemovalPolicy,
) {
  if (removed.length === 0) return;
  const list = removed.join(', ');
  if (!policy.allowRemoval) {
    throw new GuardRefusal(
      'REMOVAL_NOT_ALLOWED',
      `the new inventory drops ${list}; labs using those names would lose their connection. ` +
        'Allow removal (--allow-removal) to go ahead',
    );
  }
  const share = currentCount === 0 ? 1 : removed.length / currentCount;
  if (share > policy.maxShare && !policy.force) {
    const percent = Math.round(share * 100);
    throw new GuardRefusal(
      'REMOVAL_TOO_LARGE',
      `the new inventory drops ${removed.length} of ${currentCount} names ` +
        `(${percent}%, more than ${Math.round(policy.maxShare * 100)}%): ${list}. ` +
        'Add --force if this is intended',
    );
  }
}
