/**
 * The rotation's documents in the store (`CaStore.documents`): reading them back with a
 * check that each is what its name says, and writing them with the version read, so two
 * runs can never both believe they own the rotation. A document that does not parse is
 * refused with a StoreError naming it; its content is never echoed (it may hold keys).
 */
import { CA_NAMES, LEAF_NAMES } from '../../certset/model.js';
import { StoreError } from '../../errors.js';
import type { CaStore } from '../../store/types.js';
import type { JournalDocument, PlanDocument, SnapshotDocument } from './model.js';

/** The pending plan, with the keys of the new set. */
export const PLAN_DOC = 'rotation-plan';
/** The journal of the latest rotation and, after it, of its rollback. */
export const JOURNAL_DOC = 'rotation-journal';
/** The Secret as it was before the rotation wrote it. */
export const SNAPSHOT_DOC = 'rotation-snapshot';
/** The journal of the last completed rotation, kept for a later rollback. */
export const LAST_DOC = 'rotation-last';

/** A document as read, with the version a conditional write or removal must name. */
export interface Loaded<T> {
  value: T;
  version: string;
}

type Kinds = {
  [PLAN_DOC]: PlanDocument;
  [JOURNAL_DOC]: JournalDocument;
  [SNAPSHOT_DOC]: SnapshotDocument;
  [LAST_DOC]: JournalDocument;
};
/** The names of the rotation's documents. */
export type DocName = keyof Kinds;

const KIND: Record<DocName, string> = {
  [PLAN_DOC]: 'hubcerts/rotation-plan',
  [JOURNAL_DOC]: 'hubcerts/rotation-journal',
  [SNAPSHOT_DOC]: 'hubcerts/rotation-snapshot',
  [LAST_DOC]: 'hubcerts/rotation-journal',
};

/** Reads and checks document `name`, or null when it does not exist. */
export async function readDoc<N extends DocName>(
  store: CaStore,
  name: N,
): Promise<Loaded<Kinds[N]> | null> {
  const stored = await store.documents.read(name);
  if (!stored) return null;
  const bad = (why: string): never => {
    throw new StoreError(
      `document ${name} of ${store.ref} ${why}; it is damaged or not hubcerts' own`,
    );
  };
  let value: unknown;
  try {
    value = JSON.parse(stored.text);
  } catch {
    bad('is not JSON');
  }
  const problem = shapeProblem(name, value);
  if (problem) bad(problem);
  return { value: value as Kinds[N], version: stored.version };
}

/** Writes document `name` if it is still at `expected` (null: only if absent). */
export function writeDoc<N extends DocName>(
  store: CaStore,
  name: N,
  value: Kinds[N],
  expected: string | null,
): Promise<string> {
  return store.documents.write(name, `${JSON.stringify(value, null, 2)}\n`, expected);
}

function shapeProblem(name: DocName, value: unknown): string | undefined {
  if (kindOf(value) !== 'object') return 'is not an object';
  if (at(value, ['kind']) !== KIND[name]) return `has kind ${JSON.stringify(at(value, ['kind']))}`;
  const required: string[][] = [];
  switch (name) {
    case PLAN_DOC:
      required.push(
        ['id'],
        ['createdAt'],
        ['plannedBy'],
        ['store', 'version'],
        ['secret', 'version'],
      );
      for (const ca of CA_NAMES) {
        required.push(['pending', 'set', 'cas', ca, 'cert'], ['pending', 'set', 'cas', ca, 'key']);
        required.push(['pending', 'set', 'bundles', ca]);
      }
      for (const leaf of LEAF_NAMES) {
        required.push(['pending', 'leaves', leaf, 'cert'], ['pending', 'leaves', leaf, 'key']);
      }
      break;
    case JOURNAL_DOC:
    case LAST_DOC:
      if (!Array.isArray(at(value, ['entries']))) return 'has no entries';
      required.push(['planId'], ['state'], ['planStoreVersion'], ['old', 'proxyClient']);
      break;
    case SNAPSHOT_DOC:
      if (kindOf(at(value, ['data'])) !== 'object') return 'has no data';
      required.push(['planId'], ['secretVersion'], ['proxyClient']);
      break;
  }
  const missing = required.find((path) => typeof at(value, path) !== 'string');
  return missing && `has no text at ${missing.join('.')}`;
}

function at(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (kindOf(current) !== 'object' || !Object.hasOwn(current as object, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
