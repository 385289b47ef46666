/**
 * The end of an apply, written so that a repeat may run it again: the completion record a
 * later rollback starts from (`rotation-last`), the spent plan removed with the keys it
 * holds, the alert sinks told, and the result with what people must still do.
 */
import type { Logger } from '../../log.js';
import { LAST_DOC, PLAN_DOC, readDoc, writeDoc } from './documents.js';
import type { JournalDocument, RotationContext, SideFacts } from './model.js';
import { notify, todoAfterApply } from './notice.js';
import { type JournalSummary, summariseJournal } from './summary.js';

/** What an apply hands back: facts, the journal, and what people must still do. */
export interface ApplyResult {
  outcome: 'applied' | 'unchanged';
  planId: string;
  /** True when this run continued a journal an earlier run left. */
  resumed: boolean;
  old: SideFacts;
  new: SideFacts;
  archiveId?: string;
  storeVersion?: string;
  secretVersion?: string;
  journal: JournalSummary;
  /** What people must still do; hubcerts cannot. */
  todo: string[];
  message: string;
}

/** Completes the apply of `doc`; `justCompleted` when this run wrote the completion. */
export async function finishApply(
  ctx: RotationContext,
  doc: JournalDocument,
  log: Logger,
  run: { resumed: boolean; justCompleted: boolean },
): Promise<ApplyResult> {
  let finished = run.justCompleted;
  const last = await readDoc(ctx.store, LAST_DOC);
  if (last?.value.planId !== doc.planId || last.value.state !== doc.state) {
    await writeDoc(ctx.store, LAST_DOC, doc, last?.version ?? null);
    finished = true;
  }
  const plan = await readDoc(ctx.store, PLAN_DOC);
  if (plan?.value.id === doc.planId) {
    await ctx.store.documents.remove(PLAN_DOC, plan.version);
    finished = true;
  }

  const todo = todoAfterApply(ctx, doc);
  if (finished) {
    log.info('rotation completed', {
      archiveId: doc.facts.archiveId,
      storeVersion: doc.facts.storeVersion,
      secretVersion: doc.facts.secretVersion,
      newHubCa: doc.new.cas['hub-ca'],
      newProxyClient: doc.new.proxyClient,
    });
    await notify(ctx, doc, `CA rotation ${doc.planId} completed`, 'warning', todo);
  }
  return {
    outcome: finished ? 'applied' : 'unchanged',
    planId: doc.planId,
    resumed: run.resumed,
    old: doc.old,
    new: doc.new,
    archiveId: doc.facts.archiveId,
    storeVersion: doc.facts.storeVersion,
    secretVersion: doc.facts.secretVersion,
    journal: summariseJournal(doc),
    todo,
    message: finished
      ? `rotation ${doc.planId} applied: the store, the Secret and the bundle copies hold ` +
        `the new CA set`
      : `rotation ${doc.planId} was already applied on ${doc.completedAt}`,
  };
}
