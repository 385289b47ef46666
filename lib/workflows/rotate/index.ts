/**
 * The CA rotation workflow (design 4.3 `rotate`, the `rotateCa` function): plan, apply,
 * status, rollback and discard, written once for every backend. One module per step or
 * decision lives beside this file; this one only dispatches.
 */
import { type ApplyResult, runApply } from './apply.js';
import { type DiscardResult, runDiscard } from './discard.js';
import type { RotationContext, RotationRequest } from './model.js';
import { type PlanResult, runPlan } from './plan.js';
import { type RollbackResult, runRollback } from './rollback.js';
import { runStatus, type StatusResult } from './status.js';

export type { ApplyResult } from './apply.js';
export type { DiscardResult } from './discard.js';
export { applyConfirmation, rollbackConfirmation } from './guard.js';
export { RotationStepError } from './journal.js';
export type { Blocker, RotationAction, RotationContext, RotationRequest } from './model.js';
export { ACTIONS } from './model.js';
export type { PlanResult } from './plan.js';
export { parseRotationRequest } from './request.js';
export type { RollbackResult } from './rollback.js';
export type { StatusResult } from './status.js';

/** The result of any rotation action. */
export type RotationResult =
  | PlanResult
  | ApplyResult
  | StatusResult
  | RollbackResult
  | DiscardResult;

/**
 * Runs `request.action`. Guards refuse with GuardRefusal or LockHeldError (nothing changed);
 * a step that fails throws RotationStepError (the journal says how far it got).
 */
export function runRotation(
  request: RotationRequest,
  ctx: RotationContext,
): Promise<RotationResult> {
  switch (request.action) {
    case 'plan':
      return runPlan(request, ctx);
    case 'apply':
      return runApply(request, ctx);
    case 'status':
      return runStatus(ctx);
    case 'rollback':
      return runRollback(request, ctx);
    case 'discard':
      return runDiscard(request, ctx);
  }
}
