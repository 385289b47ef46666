/**
 * Finding the archived copy of the set a rotation replaced. The store archives the set it
 * overwrites; the entry is found by the version it had and confirmed by its fingerprints,
 * since a rollback that trusted an id alone could restore the wrong set.
 */
import { CA_NAMES, type CaName, type CaSet } from '../../certset/model.js';
import type { CaStore } from '../../store/types.js';
import { carries } from './facts.js';
import { RotationStepError } from './journal.js';

/** Entries read at most while looking: the archive is newest first and grows slowly. */
const LOOK_AT = 20;

/** The id and content of the archived set holding the CAs `expected`, or a step error. */
export async function findArchived(
  store: CaStore,
  expected: Record<CaName, string>,
  version: string,
  step: string,
): Promise<{ id: string; set: CaSet }> {
  const entries = await store.listArchive();
  const ordered = [
    ...entries.filter((e) => e.version === version),
    ...entries.filter((e) => e.version !== version),
  ].slice(0, LOOK_AT);
  for (const entry of ordered) {
    const set = await store.readArchive(entry.id);
    if (carries(set, expected)) return { id: entry.id, set };
  }
  throw new RotationStepError(
    step,
    `the archive of ${store.ref} holds no copy of the set with hub-ca ${expected[CA_NAMES[0]]}; ` +
      'restore it by hand before going on',
  );
}

/** Reads archive `id` and confirms it still holds the CAs `expected`. */
export async function readArchived(
  store: CaStore,
  id: string,
  expected: Record<CaName, string>,
  step: string,
): Promise<CaSet> {
  const set = await store.readArchive(id);
  if (!carries(set, expected)) {
    throw new RotationStepError(step, `archive ${id} of ${store.ref} holds another CA set`);
  }
  return set;
}
