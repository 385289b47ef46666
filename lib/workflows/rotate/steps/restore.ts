/**
 * Steps `restore-store` and `restore-secret` of a rollback: the archived set goes back into
 * the store (which archives the new set in turn), and the Secret gets back the snapshot
 * taken before the rotation wrote it. Both look at the real state first: a side that
 * already holds the old CAs is left alone.
 */
import { fromSecretData } from '../../../certset/secret.js';
import { findArchived, readArchived } from '../archive.js';
import { readDoc, SNAPSHOT_DOC } from '../documents.js';
import { carries, decodeData } from '../facts.js';
import { RotationStepError, type StepOutcome } from '../journal.js';
import type { JournalDocument, RotationContext } from '../model.js';

/** Puts the archived old set back into the store (once). */
export async function restoreStoreStep(
  ctx: RotationContext,
  journal: JournalDocument,
  by: string,
): Promise<StepOutcome> {
  const step = 'restore-store';
  const stored = await ctx.store.read();
  if (!stored) throw new RotationStepError(step, `${ctx.store.ref} holds no CA set`);
  if (carries(stored.set, journal.old.cas)) return { details: { storeVersion: stored.version } };
  if (!carries(stored.set, journal.new.cas)) {
    throw new RotationStepError(
      step,
      `${ctx.store.ref} holds neither the old nor the new CA set of rotation ` +
        `${journal.planId}; restore it by hand`,
    );
  }
  const old = journal.facts.archiveId
    ? await readArchived(ctx.store, journal.facts.archiveId, journal.old.cas, step)
    : (await findArchived(ctx.store, journal.old.cas, journal.planStoreVersion, step)).set;
  const storeVersion = await ctx.store.write(old, stored.version, {
    who: by,
    why:
      `hubcerts rotate rollback ` +
      `${journal.planId}${journal.rollback?.reason ? `: ${journal.rollback.reason}` : ''}`,
  });
  return { details: { storeVersion, archiveId: journal.facts.archiveId ?? null } };
}

/** Writes the snapshot back into the Secret (once). */
export async function restoreSecretStep(
  ctx: RotationContext,
  journal: JournalDocument,
): Promise<StepOutcome> {
  const step = 'restore-secret';
  const target = ctx.publication.secret;
  const published = await target.read();
  if (!published) throw new RotationStepError(step, `Secret ${target.ref} does not exist`);
  // Old CAs in the Secret: never written by this rotation, or restored already.
  if (carries(fromSecretData(published.data, target.ref).caSet, journal.old.cas)) {
    return { details: { secretVersion: published.version } };
  }
  const snapshot = await readDoc(ctx.store, SNAPSHOT_DOC);
  if (snapshot?.value.planId !== journal.planId) {
    throw new RotationStepError(
      step,
      `the snapshot of Secret ${target.ref} for rotation ${journal.planId} is missing; ` +
        `restore the Secret by hand`,
    );
  }
  const data = decodeData(snapshot.value.data);
  // The snapshot is checked like any Secret before it is written back.
  if (!carries(fromSecretData(data, `snapshot of ${target.ref}`).caSet, journal.old.cas)) {
    throw new RotationStepError(
      step,
      `the snapshot of Secret ${target.ref} holds other CAs than expected`,
    );
  }
  const secretVersion = await target.write(data, snapshot.value.annotations, published.version);
  return { details: { secretVersion } };
}
