/**
 * `rotate rollback`: puts the old CA set back in the store, the snapshotted Secret back in
 * the cluster, the old bundles back into the copies, restarts and verifies. It works from
 * any step of an apply and after a completed one (from the journal, or from the
 * `rotation-last` record when the journal is gone). Journalled and resumable like apply.
 */
import { fromSecretData } from '../../certset/secret.js';
import { GuardRefusal, messageOf } from '../../errors.js';
import type { Logger } from '../../log.js';
import { JOURNAL_DOC, LAST_DOC, PLAN_DOC, readDoc, writeDoc } from './documents.js';
import { carries, fingerprintOf } from './facts.js';
import { requireConfirmation, requirePlanId, rollbackConfirmation } from './guard.js';
import { Journal, RotationStepError } from './journal.js';
import type { JournalDocument, RotationContext, RotationRequest } from './model.js';
import { notify, todoAfterRollback } from './notice.js';
import { syncConsumers } from './steps/consumers.js';
import { restartStep } from './steps/restart.js';
import { restoreSecretStep, restoreStoreStep } from './steps/restore.js';
import { verifyStep } from './steps/verify.js';
import { type JournalSummary, summariseJournal } from './summary.js';

/** What a rollback hands back. */
export interface RollbackResult {
  outcome: 'rolled-back' | 'unchanged';
  planId: string;
  journal: JournalSummary;
  todo: string[];
  message: string;
}

/** Rolls back the rotation named by `request.planId`, or resumes doing so. */
export async function runRollback(
  request: RotationRequest,
  ctx: RotationContext,
): Promise<RollbackResult> {
  requirePlanId(request, undefined, 'rollback');
  const loaded = await readDoc(ctx.store, JOURNAL_DOC);
  const last = loaded ? undefined : await readDoc(ctx.store, LAST_DOC);
  const found = loaded?.value ?? last?.value;
  if (!found) {
    throw new GuardRefusal('NOTHING_TO_ROLL_BACK', 'no rotation was applied here; nothing to undo');
  }
  requirePlanId(request, found.planId, 'rollback');
  // A repeat only finishes what a run that died after its last journal write left.
  if (found.state === 'rolled-back') return finish(ctx, found, ctx.log, false);
  requireConfirmation(request, rollbackConfirmation(ctx.publication.secret.ref));
  const by = request.approvedBy?.trim() || ctx.actor;

  const ttlSeconds = Math.ceil((2 * ctx.rolloutWaitMs) / 1000) + 300;
  const holder = `${ctx.actor} (rollback ${found.planId})`;
  const lock = await ctx.publication.lock.acquire(holder, ttlSeconds);
  const log = ctx.log.with({
    planId: found.planId,
    rollbackBy: by,
    reason: request.reason,
    actor: ctx.actor,
  });
  try {
    // Recreated from the completion record when only that is left.
    const journal = loaded
      ? Journal.open(ctx.store, loaded, ctx.now)
      : await Journal.create(ctx.store, found, null, ctx.now);
    if (journal.doc.state !== 'rolling-back') {
      await journal.update((doc) => {
        doc.state = 'rolling-back';
        const reason = request.reason ? { reason: request.reason } : {};
        doc.rollback = { by, ...reason, startedAt: ctx.now().toISOString() };
      });
    }
    log.info('rolling back rotation', {
      oldHubCa: journal.doc.old.cas['hub-ca'],
      newHubCa: journal.doc.new.cas['hub-ca'],
      archiveId: journal.doc.facts.archiveId,
    });
    await runSteps(ctx, journal, by, log, () => lock.renew());
    await journal.update((doc) => {
      doc.state = 'rolled-back';
      const at = ctx.now().toISOString();
      if (doc.rollback) doc.rollback.completedAt = at;
      doc.entries.push({ at, phase: 'rollback', step: 'complete', status: 'done', by });
    });
    return await finish(ctx, journal.doc, log, true);
  } catch (error) {
    if (!(error instanceof RotationStepError)) throw error;
    const current = (await readDoc(ctx.store, JOURNAL_DOC))?.value ?? found;
    const title = `rollback of CA rotation ${found.planId} stopped at ${error.step}`;
    await notify(ctx, current, title, 'critical', [error.message]);
    throw new RotationStepError(
      error.step,
      `${error.message}. The journal keeps the progress: run the same rollback again to resume`,
      { cause: error },
    );
  } finally {
    await lock.release();
  }
}

async function runSteps(
  ctx: RotationContext,
  journal: Journal,
  by: string,
  log: Logger,
  renew: () => Promise<void>,
) {
  const doc = () => journal.doc;
  // Restarts are needed only when this rotation ever wrote the Secret.
  const secretTouched = doc().entries.some(
    (e) => e.phase === 'apply' && e.step === 'publish-secret',
  );
  await journal.step('rollback', 'restore-store', by, log, () => restoreStoreStep(ctx, doc(), by));
  await renew();
  await journal.step('rollback', 'restore-secret', by, log, () => restoreSecretStep(ctx, doc()));
  await renew();
  await journal.step('rollback', 'restore-consumers', by, log, async () => {
    const stored = await ctx.store.read();
    if (!stored || !carries(stored.set, doc().old.cas)) {
      throw new Error(`${ctx.store.ref} does not hold the old CA set`);
    }
    return { details: { written: await syncConsumers(ctx.consumers, stored.set, log) } };
  });
  await renew();
  const restored = await restoredProxyClient(ctx);
  await journal.step('rollback', 'restart', by, log, async () =>
    secretTouched ? restartStep(ctx, 'restart', restored) : { details: { restarted: [] } },
  );
  await renew();
  await journal.step('rollback', 'verify', by, log, () =>
    verifyStep(ctx, 'verify', { cas: doc().old.cas, proxyClient: restored }),
  );
}

/**
 * Completion that a repeat may redo: the spent plan is removed (the store version it
 * starts from is gone), the completion record says it was undone, people are told.
 */
async function finish(
  ctx: RotationContext,
  doc: JournalDocument,
  log: Logger,
  justCompleted: boolean,
): Promise<RollbackResult> {
  let finished = justCompleted;
  const plan = await readDoc(ctx.store, PLAN_DOC);
  if (plan?.value.id === doc.planId) {
    await ctx.store.documents.remove(PLAN_DOC, plan.version);
    finished = true;
  }
  const last = await readDoc(ctx.store, LAST_DOC);
  if (last?.value.planId === doc.planId && last.value.state !== 'rolled-back') {
    await writeDoc(ctx.store, LAST_DOC, doc, last.version);
    finished = true;
  }
  if (!finished) {
    return {
      outcome: 'unchanged',
      planId: doc.planId,
      journal: summariseJournal(doc),
      todo: [],
      message: `rotation ${doc.planId} was already rolled back`,
    };
  }
  const todo = todoAfterRollback(ctx, await runningLabs(ctx));
  log.info('rotation rolled back', { planId: doc.planId, proxyClient: doc.old.proxyClient });
  await notify(ctx, doc, `CA rotation ${doc.planId} rolled back`, 'warning', todo);
  return {
    outcome: 'rolled-back',
    planId: doc.planId,
    journal: summariseJournal(doc),
    todo,
    message:
      `rotation ${doc.planId} rolled back: the store, the Secret and the bundle ` +
      `copies hold the old CA set again`,
  };
}

/** The proxy-client the restored Secret carries, which restarts and probes must show. */
async function restoredProxyClient(ctx: RotationContext): Promise<string> {
  const target = ctx.publication.secret;
  const published = await target.read();
  if (!published) throw new RotationStepError('restart', `Secret ${target.ref} does not exist`);
  return fingerprintOf(fromSecretData(published.data, target.ref).leaves['proxy-client'].cert);
}

/** Labs running now, which must be restarted; the rollback is done whatever the answer. */
async function runningLabs(ctx: RotationContext): Promise<string[]> {
  if (!ctx.activeServers) return [];
  try {
    const servers = await ctx.activeServers.list();
    return servers.map((s) => (s.server ? `${s.user}/${s.server}` : s.user));
  } catch (error) {
    ctx.log.warn('could not list running labs', { reason: messageOf(error) });
    return [];
  }
}
