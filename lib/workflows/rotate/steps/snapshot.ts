/**
 * Step `snapshot`: keep the Secret exactly as it is before the rotation touches it, as a
 * document in the store, so that a rollback can put it back byte for byte (the hub's own
 * certipy records and the annotations included).
 */
import { fromSecretData } from '../../../certset/secret.js';
import type { PublishedSecret } from '../../../cluster/types.js';
import { readDoc, SNAPSHOT_DOC, writeDoc } from '../documents.js';
import { carries, encodeData, fingerprintOf } from '../facts.js';
import { RotationStepError, type StepOutcome } from '../journal.js';
import type { JournalDocument, RotationContext } from '../model.js';

/** Snapshots `published` (the Secret as just read) for the rotation of `journal`. */
export async function takeSnapshot(
  ctx: RotationContext,
  journal: JournalDocument,
  published: PublishedSecret,
): Promise<{ snapshotVersion: string }> {
  const secretRef = ctx.publication.secret.ref;
  const hub = fromSecretData(published.data, secretRef);
  // Only the old state is worth keeping: a Secret with other CAs is not what was planned.
  if (!carries(hub.caSet, journal.old.cas)) {
    throw new RotationStepError(
      'snapshot',
      `Secret ${secretRef} no longer holds the CAs the plan started from; nothing was ` +
        `changed. Run hubcerts rotate status`,
    );
  }
  const existing = await readDoc(ctx.store, SNAPSHOT_DOC);
  if (
    existing?.value.planId === journal.planId &&
    existing.value.secretVersion === published.version
  ) {
    return { snapshotVersion: existing.version };
  }
  const snapshotVersion = await writeDoc(
    ctx.store,
    SNAPSHOT_DOC,
    {
      kind: 'hubcerts/rotation-snapshot',
      planId: journal.planId,
      takenAt: ctx.now().toISOString(),
      secretVersion: published.version,
      proxyClient: fingerprintOf(hub.leaves['proxy-client'].cert),
      annotations: published.annotations,
      data: encodeData(published.data),
    },
    existing?.version ?? null,
  );
  return { snapshotVersion };
}

/** The snapshot step of an apply: reads the Secret and keeps it. */
export async function snapshotStep(
  ctx: RotationContext,
  journal: JournalDocument,
): Promise<StepOutcome> {
  const published = await ctx.publication.secret.read();
  if (!published) {
    throw new RotationStepError('snapshot', `Secret ${ctx.publication.secret.ref} does not exist`);
  }
  const facts = await takeSnapshot(ctx, journal, published);
  return {
    facts,
    details: { snapshotVersion: facts.snapshotVersion, secretVersion: published.version },
  };
}
