/**
 * `rotate apply`: after every guard has passed (nothing is written before), the plan is
 * carried out under the hub's lock in journalled steps: snapshot the Secret, promote the
 * pending set in the store (archiving the old one), publish the Secret, update the bundle
 * copies, restart, verify. Each step checks the journal and the real state first, so a run
 * that died anywhere is resumed by the same command and never makes a third CA set.
 */
import { assertConsistent } from '../../certset/validate.js';
import { GuardRefusal } from '../../errors.js';
import type { Logger } from '../../log.js';
import { activeServerBlockers, findBlockers } from './blockers.js';
import { type ApplyResult, finishApply } from './completion.js';
import { JOURNAL_DOC, type Loaded, PLAN_DOC, readDoc } from './documents.js';
import {
  applyConfirmation,
  refuseOnBlockers,
  requireApprover,
  requireConfirmation,
  requirePlanId,
  requireReasonForForce,
} from './guard.js';
import { Journal, journalFor, RotationStepError } from './journal.js';
import type { JournalDocument, PlanDocument, RotationContext, RotationRequest } from './model.js';
import { notify } from './notice.js';
import { syncConsumers } from './steps/consumers.js';
import { promoteStep } from './steps/promote.js';
import { publishSecretStep } from './steps/publish-secret.js';
import { restartStep } from './steps/restart.js';
import { snapshotStep } from './steps/snapshot.js';
import { verifyStep } from './steps/verify.js';

export type { ApplyResult } from './completion.js';

/** Applies the pending plan, or resumes the apply its journal records. */
export async function runApply(
  request: RotationRequest,
  ctx: RotationContext,
): Promise<ApplyResult> {
  requirePlanId(request, undefined, 'apply');
  const planDoc = await readDoc(ctx.store, PLAN_DOC);
  const journalDoc = await readDoc(ctx.store, JOURNAL_DOC);
  const ours = journalDoc?.value.planId === request.planId ? (journalDoc ?? undefined) : undefined;

  // A repeated delivery of an apply that finished changes nothing but leftovers.
  if (ours?.value.state === 'completed') {
    const log = ctx.log.with({ planId: ours.value.planId });
    return finishApply(ctx, ours.value, log, { resumed: true, justCompleted: false });
  }
  const plan = checkRequest(request, ctx, planDoc, journalDoc, ours);

  const ttlSeconds = Math.ceil((2 * ctx.rolloutWaitMs) / 1000) + 300;
  const lock = await ctx.publication.lock.acquire(`${ctx.actor} (rotate ${plan.id})`, ttlSeconds);
  const approvedBy = request.approvedBy!.trim();
  const log = ctx.log.with({
    planId: plan.id,
    approvedBy,
    plannedBy: plan.plannedBy,
    reason: request.reason,
    actor: ctx.actor,
  });
  let journal: Journal | undefined;
  try {
    // Under the lock: the world must still be as planned, or as the journal left it.
    const resumable = ours && (await readDoc(ctx.store, JOURNAL_DOC));
    if (resumable && (resumable.value.planId !== plan.id || resumable.value.state !== 'applying')) {
      throw new GuardRefusal(
        'ROTATION_IN_PROGRESS',
        `the journal of ${plan.id} changed meanwhile; see hubcerts rotate status`,
      );
    }
    const blockers = resumable
      ? await resumeBlockers(ctx, resumable.value)
      : await findBlockers(ctx, { plan, probeLock: false });
    refuseOnBlockers(blockers, request);
    if (request.force && blockers.length > 0) {
      log.warn('blockers overridden by force', { blockers: blockers.map((b) => b.code) });
    }

    journal = resumable
      ? Journal.open(ctx.store, resumable, ctx.now)
      : await start(ctx, journalFor(plan, request, ctx), journalDoc);
    log.info(resumable ? 'resuming rotation' : 'applying rotation', {
      storeVersion: plan.store.version,
      secretVersion: plan.secret.version,
      oldHubCa: plan.old.cas['hub-ca'],
      newHubCa: journal.doc.new.cas['hub-ca'],
      newProxyClient: journal.doc.new.proxyClient,
    });
    await runSteps(ctx, journal, plan, approvedBy, log, () => lock.renew());
    await journal.update((doc) => {
      const at = ctx.now().toISOString();
      doc.state = 'completed';
      doc.completedAt = at;
      doc.entries.push({ at, phase: 'apply', step: 'complete', status: 'done', by: approvedBy });
    });
    const run = { resumed: Boolean(resumable), justCompleted: true };
    return await finishApply(ctx, journal.doc, log, run);
  } catch (error) {
    if (!(error instanceof RotationStepError) || !journal) throw error;
    const title = `CA rotation ${plan.id} stopped at ${error.step}`;
    await notify(ctx, journal.doc, title, 'critical', [error.message]);
    throw new RotationStepError(
      error.step,
      `${error.message}. The journal keeps the progress: run the same apply again to ` +
        `resume, or roll back with hubcerts rotate rollback --plan-id ${plan.id}`,
      { cause: error },
    );
  } finally {
    await lock.release();
  }
}

/** The guards that need no lock; the plan they approve. */
function checkRequest(
  request: RotationRequest,
  ctx: RotationContext,
  planDoc: Loaded<PlanDocument> | null,
  journalDoc: Loaded<JournalDocument> | null,
  ours: Loaded<JournalDocument> | undefined,
): PlanDocument {
  if (ours && ours.value.state !== 'applying') {
    throw new GuardRefusal('ROLLED_BACK', `rotation ${request.planId} was rolled back; plan anew`);
  }
  if (!planDoc) {
    throw new GuardRefusal('NO_PLAN', 'there is no pending plan; run hubcerts rotate plan first');
  }
  const plan = planDoc.value;
  requirePlanId(request, plan.id, 'apply');
  requireConfirmation(request, applyConfirmation(ctx.publication.secret.ref));
  requireApprover(request, plan.plannedBy, ctx.twoPerson);
  requireReasonForForce(request);
  const other = ours ? undefined : journalDoc?.value;
  if (other && (other.state === 'applying' || other.state === 'rolling-back')) {
    throw new GuardRefusal(
      'ROTATION_IN_PROGRESS',
      `rotation ${other.planId} is ${other.state}; finish or roll it back first`,
    );
  }
  // The planned material is checked again: the document could have been edited since.
  assertConsistent(plan.pending.set, plan.pending.leaves, `plan ${plan.id}`);
  return plan;
}

/**
 * A resumed apply still waits for running labs as long as they are unaffected, that is
 * until the Secret may have switched; after that, finishing is what helps them.
 */
async function resumeBlockers(ctx: RotationContext, doc: JournalDocument) {
  const switched = doc.entries.some((e) => e.phase === 'apply' && e.step === 'publish-secret');
  return switched ? [] : activeServerBlockers(ctx);
}

/** A new journal, replacing the one of a finished earlier rotation if there is one. */
function start(ctx: RotationContext, doc: JournalDocument, previous: Loaded<unknown> | null) {
  return Journal.create(ctx.store, doc, previous?.version ?? null, ctx.now);
}

async function runSteps(
  ctx: RotationContext,
  journal: Journal,
  plan: PlanDocument,
  by: string,
  log: Logger,
  renew: () => Promise<void>,
) {
  const doc = () => journal.doc;
  const step = (name: string, action: Parameters<Journal['step']>[4]) =>
    journal.step('apply', name, by, log, action).then(renew);
  await step('snapshot', () => snapshotStep(ctx, doc()));
  await step('promote', () => promoteStep(ctx, doc(), plan));
  await step('publish-secret', () => publishSecretStep(ctx, doc(), plan));
  await step('publish-consumers', async () => ({
    details: { written: await syncConsumers(ctx.consumers, plan.pending.set, log) },
  }));
  await step('restart', () => restartStep(ctx, 'restart', doc().new.proxyClient));
  await step('verify', () => verifyStep(ctx, 'verify', doc().new));
}
