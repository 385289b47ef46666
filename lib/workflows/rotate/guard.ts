/**
 * The guards of an apply that need nothing but the request and the plan: the plan id, the
 * typed confirmation, the approver (a second person when the setting asks for one), and a
 * reason whenever force is used. Each refusal is a named GuardRefusal; nothing is changed.
 */
import { GuardRefusal } from '../../errors.js';
import type { Blocker, RotationRequest } from './model.js';

/** The confirmation an apply needs: `rotate <secret reference>`, typed out. */
export function applyConfirmation(secretRef: string): string {
  return `rotate ${secretRef}`;
}

/** The confirmation a rollback needs: `rollback <secret reference>`. */
export function rollbackConfirmation(secretRef: string): string {
  return `rollback ${secretRef}`;
}

/** A plan id must be given and, when `current` is known, be that plan's. */
export function requirePlanId(
  request: RotationRequest,
  current: string | undefined,
  action: string,
) {
  if (!request.planId) {
    throw new GuardRefusal(
      'PLAN_ID_REQUIRED',
      `${action} needs the plan id (--plan-id); see hubcerts rotate status`,
    );
  }
  if (current !== undefined && request.planId !== current) {
    throw new GuardRefusal(
      'PLAN_MISMATCH',
      `plan ${request.planId} is not the current plan (${current}); review the current plan ` +
        `with hubcerts rotate status`,
    );
  }
}

/** The typed confirmation must be exactly `expected`. */
export function requireConfirmation(request: RotationRequest, expected: string) {
  if (request.confirm === undefined || request.confirm === '') {
    throw new GuardRefusal('CONFIRMATION_REQUIRED', `confirm with --confirm "${expected}"`);
  }
  if (request.confirm !== expected) {
    throw new GuardRefusal(
      'CONFIRMATION_MISMATCH',
      `the confirmation does not match; it must read exactly "${expected}"`,
    );
  }
}

/** Someone must have approved, and someone other than the planner when two are required. */
export function requireApprover(request: RotationRequest, plannedBy: string, twoPerson: boolean) {
  const approver = request.approvedBy?.trim() ?? '';
  if (approver === '') {
    throw new GuardRefusal('APPROVER_REQUIRED', 'name who approved the rotation (--approved-by)');
  }
  if (twoPerson && samePerson(approver, plannedBy)) {
    throw new GuardRefusal(
      'SAME_APPROVER',
      `${approver} planned this rotation; rotation-two-person is on, so someone else must ` +
        `approve it`,
    );
  }
}

/** Force is only taken with a reason, which the journal keeps. */
export function requireReasonForForce(request: RotationRequest) {
  if (request.force && !request.reason?.trim()) {
    throw new GuardRefusal(
      'REASON_REQUIRED',
      'force needs a reason (--reason), kept in the journal',
    );
  }
}

/** Refuses on the first blocker that may not be overridden, or a forceable one without force. */
export function refuseOnBlockers(blockers: readonly Blocker[], request: RotationRequest) {
  const hard = blockers.find((b) => !b.forceable);
  if (hard) throw new GuardRefusal(hard.code, hard.message);
  const soft = blockers.find((b) => b.forceable);
  if (soft && !request.force) {
    throw new GuardRefusal(
      soft.code,
      `${soft.message}; to go ahead anyway add --force with --reason`,
    );
  }
}

function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
