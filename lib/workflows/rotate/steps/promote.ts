/**
 * Step `promote`: the pending set becomes the store's set. The write names the version the
 * plan started from, so a store changed since is never overwritten; the store archives the
 * set it replaces, and the archive entry is recorded for a later rollback.
 */
import { findArchived } from '../archive.js';
import { carries } from '../facts.js';
import { RotationStepError, type StepOutcome } from '../journal.js';
import type { JournalDocument, PlanDocument, RotationContext } from '../model.js';

/** Writes the pending set into the store (once) and finds the archived old set. */
export async function promoteStep(
  ctx: RotationContext,
  journal: JournalDocument,
  plan: PlanDocument,
): Promise<StepOutcome> {
  const stored = await ctx.store.read();
  if (!stored) throw new RotationStepError('promote', `${ctx.store.ref} holds no CA set`);

  let storeVersion = stored.version;
  // Already the new set: a run died after the write and before the journal said so.
  if (!carries(stored.set, journal.new.cas)) {
    if (stored.version !== journal.planStoreVersion) {
      throw new RotationStepError(
        'promote',
        `${ctx.store.ref} changed since the plan (version ${stored.version}, planned from ` +
          `${journal.planStoreVersion}); roll back and plan again`,
      );
    }
    storeVersion = await ctx.store.write(plan.pending.set, journal.planStoreVersion, {
      who: journal.approvedBy,
      why: `hubcerts rotate apply ${journal.planId}${journal.reason ? `: ${journal.reason}` : ''}`,
    });
  }
  const archive = await findArchived(
    ctx.store,
    journal.old.cas,
    journal.planStoreVersion,
    'promote',
  );
  return {
    facts: { archiveId: archive.id, storeVersion },
    details: { archiveId: archive.id, storeVersion },
  };
}
