/**
 * `rotate discard`: removes the pending plan (and the keys it holds) so that a new one can
 * be made. Refused once an apply has started from it: from then on only finishing the
 * apply or rolling it back leaves a consistent hub.
 */
import { GuardRefusal } from '../../errors.js';
import { JOURNAL_DOC, PLAN_DOC, readDoc } from './documents.js';
import { requirePlanId } from './guard.js';
import type { RotationContext, RotationRequest } from './model.js';

/** What a discard hands back. */
export interface DiscardResult {
  outcome: 'discarded';
  planId: string;
  message: string;
}

/** Removes the pending plan named by `request.planId`. */
export async function runDiscard(
  request: RotationRequest,
  ctx: RotationContext,
): Promise<DiscardResult> {
  requirePlanId(request, undefined, 'discard');
  const plan = await readDoc(ctx.store, PLAN_DOC);
  if (!plan) throw new GuardRefusal('NO_PLAN', 'there is no pending plan to discard');
  requirePlanId(request, plan.value.id, 'discard');
  const journal = await readDoc(ctx.store, JOURNAL_DOC);
  if (journal?.value.planId === plan.value.id && journal.value.state === 'applying') {
    throw new GuardRefusal(
      'ROTATION_IN_PROGRESS',
      `an apply of plan ${plan.value.id} has started; finish it (apply) or roll it back instead`,
    );
  }
  await ctx.store.documents.remove(PLAN_DOC, plan.version);
  ctx.log.info('rotation plan discarded', {
    planId: plan.value.id,
    by: request.plannedBy ?? ctx.actor,
    reason: request.reason,
  });
  return {
    outcome: 'discarded',
    planId: plan.value.id,
    message: `plan ${plan.value.id} discarded`,
  };
}
