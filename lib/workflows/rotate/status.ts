/**
 * `rotate status`: the pending plan (without keys), the journal of the latest rotation,
 * the steps left, and what blocks an apply right now. Reads only, apart from trying the
 * lock (taken and released at once) to see whether someone else holds it.
 */
import { findBlockers } from './blockers.js';
import { JOURNAL_DOC, LAST_DOC, PLAN_DOC, readDoc } from './documents.js';
import {
  APPLY_STEPS,
  type Blocker,
  type JournalDocument,
  ROLLBACK_STEPS,
  type RotationContext,
} from './model.js';
import {
  type JournalSummary,
  type PlanSummary,
  summariseJournal,
  summarisePlan,
} from './summary.js';

/** Where rotation stands: plan, journal, steps left, blockers. */
export interface StatusResult {
  outcome: 'status';
  plan?: PlanSummary;
  journal?: JournalSummary;
  /** The last completed rotation, which a rollback can still undo. */
  last?: { planId: string; state: JournalDocument['state']; completedAt?: string };
  /** Steps still to run, in order (`apply:…` or `rollback:…`). */
  remaining: string[];
  blockers: Blocker[];
  message: string;
}

/** Reports the plan, the journal and the blockers; changes nothing. */
export async function runStatus(ctx: RotationContext): Promise<StatusResult> {
  const plan = await readDoc(ctx.store, PLAN_DOC);
  const journal = await readDoc(ctx.store, JOURNAL_DOC);
  const last = await readDoc(ctx.store, LAST_DOC);
  const doc = journal?.value;
  const active = doc?.state === 'applying' || doc?.state === 'rolling-back';

  let remaining: string[] = [];
  if (doc?.state === 'applying') remaining = left(doc, 'apply', [...APPLY_STEPS, 'complete']);
  else if (doc?.state === 'rolling-back') {
    remaining = left(doc, 'rollback', [...ROLLBACK_STEPS, 'complete']);
  } else if (plan) remaining = [...APPLY_STEPS, 'complete'].map((s) => `apply:${s}`);

  // Drift only matters for a plan no apply has started from yet.
  const blockers =
    plan || active
      ? await findBlockers(ctx, { plan: active ? undefined : plan?.value, probeLock: true })
      : [];
  return {
    outcome: 'status',
    ...(plan ? { plan: summarisePlan(plan.value) } : {}),
    ...(doc ? { journal: summariseJournal(doc) } : {}),
    ...(last
      ? {
          last: {
            planId: last.value.planId,
            state: last.value.state,
            ...(last.value.completedAt ? { completedAt: last.value.completedAt } : {}),
          },
        }
      : {}),
    remaining,
    blockers,
    message: describe(plan?.value.id, doc, remaining.length, blockers.length),
  };
}

function left(
  doc: JournalDocument,
  phase: 'apply' | 'rollback',
  steps: readonly string[],
): string[] {
  const done = (step: string) =>
    doc.entries.some((e) => e.phase === phase && e.step === step && e.status === 'done');
  return steps.filter((s) => !done(s)).map((s) => `${phase}:${s}`);
}

function describe(
  planId: string | undefined,
  doc: JournalDocument | undefined,
  left: number,
  blockers: number,
): string {
  if (doc?.state === 'applying' || doc?.state === 'rolling-back') {
    return `rotation ${doc.planId} is ${doc.state}; ${left} step(s) left`;
  }
  if (planId) {
    return `plan ${planId} is pending${blockers > 0 ? ` with ${blockers} blocker(s)` : ''}`;
  }
  return doc ? `rotation ${doc.planId} is ${doc.state}` : 'no rotation planned or applied';
}
