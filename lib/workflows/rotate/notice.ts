/**
 * The closing words of a rotation: what a person must still do (nothing hubcerts manages
 * can restart a lab on an HPC node or edit a job template it does not know), and the
 * summary sent to the alert sinks. Sending never fails the rotation: sendNotice reports
 * undelivered messages in the log.
 */

import type { NoticeSeverity } from '../../alerts/index.js';
import { sendNotice } from '../../alerts/index.js';
import { shortFingerprint } from './facts.js';
import { rollbackConfirmation } from './guard.js';
import type { JournalDocument, RotationContext } from './model.js';

/** What is left for people after an apply completed. */
export function todoAfterApply(ctx: RotationContext, journal: JournalDocument): string[] {
  const todo = [
    `Restart every lab started before ${journal.completedAt ?? 'the rotation'}: it trusts ` +
      `only the old CAs and cannot reach the hub any more.`,
    `Hand the new notebooks-ca_trust.crt (hubcerts export trust-bundle notebooks-ca --store ` +
      `${ctx.store.ref}) to every job template, lab image and login-node setup not listed in ` +
      `--consumers.`,
  ];
  if (ctx.restart.length === 0 || !ctx.publication.workloads) {
    todo.push(
      `Restart the proxy and the hub so they load the new Secret ` +
        `${ctx.publication.secret.ref}; nothing was restarted here.`,
    );
  } else {
    todo.push(
      `Restart any other workload that mounts ${ctx.publication.secret.ref} (only ` +
        `${ctx.restart.join(', ')} were restarted).`,
    );
  }
  todo.push(
    `To undo: hubcerts rotate rollback --plan-id ${journal.planId} --confirm ` +
      `"${rollbackConfirmation(ctx.publication.secret.ref)}"`,
  );
  return todo;
}

/** What is left for people after a rollback completed. */
export function todoAfterRollback(ctx: RotationContext, labs: string[]): string[] {
  const todo = [
    'Restart every lab started while the new CAs were in place: it trusts only those and ' +
      'cannot reach the hub any more' +
      (labs.length > 0 ? ` (running now: ${labs.join(', ')}).` : '.'),
    'Take the new notebooks-ca_trust.crt back out of job templates and lab images that ' +
      'received it by hand.',
  ];
  if (ctx.restart.length === 0 || !ctx.publication.workloads) {
    todo.push(
      `Restart the proxy and the hub so they load the restored Secret ` +
        `${ctx.publication.secret.ref}.`,
    );
  }
  return todo;
}

/** Sends one summary of `journal` to the alert sinks. */
export async function notify(
  ctx: RotationContext,
  journal: JournalDocument,
  title: string,
  severity: NoticeSeverity,
  extra: string[] = [],
): Promise<void> {
  if (ctx.alerts.length === 0) return;
  const lines = [
    `plan ${journal.planId}, planned by ${journal.plannedBy}, approved by ${journal.approvedBy}` +
      (journal.reason ? ` (${journal.reason})` : ''),
    `Secret ${journal.secret}, store ${journal.store}`,
    `old hub-ca ${shortFingerprint(journal.old.cas['hub-ca'])}…, new hub-ca ` +
      `${shortFingerprint(journal.new.cas['hub-ca'])}…`,
    ...extra,
  ];
  await sendNotice(title, lines, severity, ctx.alerts, {
    hub: ctx.hub,
    log: ctx.log,
    fetch: ctx.fetch,
  });
}
