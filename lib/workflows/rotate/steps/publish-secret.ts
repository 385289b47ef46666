/**
 * Step `publish-secret`: the Secret gets the new CA set and the planned leaves, with the
 * hub's own certipy records kept. If the Secret changed since the snapshot (a reissue ran
 * while an earlier attempt was stopped), the snapshot is taken again first, so that a
 * rollback restores the Secret as it was right before this write.
 */
import { fromSecretData, toSecretData } from '../../../certset/secret.js';
import { FINGERPRINT_ANNOTATION, REVISION_ANNOTATION } from '../../reissue/index.js';
import { readDoc, SNAPSHOT_DOC } from '../documents.js';
import { carries, fingerprintOf } from '../facts.js';
import { RotationStepError, type StepOutcome } from '../journal.js';
import type { JournalDocument, JournalFacts, PlanDocument, RotationContext } from '../model.js';
import { takeSnapshot } from './snapshot.js';

/** Annotation naming the rotation plan that last wrote the Secret. */
export const PLAN_ANNOTATION = 'hubcerts.io/rotation-plan';

/** Writes the new set and leaves into the Secret (once). */
export async function publishSecretStep(
  ctx: RotationContext,
  journal: JournalDocument,
  plan: PlanDocument,
): Promise<StepOutcome> {
  const target = ctx.publication.secret;
  const published = await target.read();
  if (!published)
    throw new RotationStepError('publish-secret', `Secret ${target.ref} does not exist`);
  const hub = fromSecretData(published.data, target.ref);
  if (
    carries(hub.caSet, journal.new.cas) &&
    fingerprintOf(hub.leaves['proxy-client'].cert) === journal.new.proxyClient
  ) {
    return {
      facts: { secretVersion: published.version },
      details: { secretVersion: published.version },
    };
  }

  const facts: JournalFacts = {};
  const snapshot = await readDoc(ctx.store, SNAPSHOT_DOC);
  if (
    snapshot?.value.planId !== journal.planId ||
    snapshot.value.secretVersion !== published.version
  ) {
    ctx.log.warn('Secret changed since the snapshot; taking it again', {
      secretVersion: published.version,
    });
    Object.assign(facts, await takeSnapshot(ctx, journal, published));
  }

  const data = toSecretData(plan.pending.set, plan.pending.leaves, ctx.certipyPrefix, hub.certipy);
  const annotations = {
    ...published.annotations,
    [REVISION_ANNOTATION]: String(journal.inventoryRevision),
    [FINGERPRINT_ANNOTATION]: journal.new.proxyClient,
    [PLAN_ANNOTATION]: journal.planId,
  };
  const secretVersion = await target.write(data, annotations, published.version);
  facts.secretVersion = secretVersion;
  return { facts, details: { secretVersion, fingerprint: journal.new.proxyClient } };
}
