/**
 * `rotateCa`, invoked by hand only (no HTTP route): one rotation action per event,
 * `{ "action": "plan|apply|status|rollback|discard", "planId"?, "confirm"?, "approvedBy"?,
 * "plannedBy"?, "reason"?, "force"? }` (design 4.6). The event is checked before anything
 * is opened; a refusal is returned as `{ outcome: "refused", code, message }` with nothing
 * changed. A repeated delivery is harmless: apply resumes or reports that it is done.
 */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { GuardRefusal, LockHeldError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import {
  parseRotationRequest,
  type RotationResult,
  runRotation,
} from '../lib/workflows/rotate/index.js';
import { openRotation } from '../lib/workflows/rotate/open.js';
import { backendOptionsFor, coldStartSettings, invocationLogger } from './shared/runtime.js';

/** A guard's refusal, as the function returns it. */
export interface Refused {
  outcome: 'refused';
  code: string;
  message: string;
}

/** Time kept back from Lambda's own timeout, so the journal and the answer still get out. */
const LAMBDA_MARGIN_MS = 60_000;

type Invocation = Pick<Context, 'awsRequestId'> &
  Partial<Pick<Context, 'getRemainingTimeInMillis'>>;

/** One rotation action for one event; refusals are results, failures are thrown. */
export async function rotate(
  event: unknown,
  context?: Invocation,
): Promise<RotationResult | Refused> {
  const log = invocationLogger('rotateCa', context);
  try {
    const request = parseRotationRequest(event);
    const settings = await coldStartSettings();
    const ctx = await openRotation(settings, {
      backends: backendOptionsFor(settings, log),
      actor: `lambda:rotateCa/${context?.awsRequestId ?? 'local'}`,
      log,
      now: () => new Date(),
    });
    // A rollout that outlasts the invocation is awaited again by the next one.
    const left = context?.getRemainingTimeInMillis?.();
    if (left !== undefined)
      ctx.rolloutWaitMs = Math.max(1_000, Math.min(ctx.rolloutWaitMs, left - LAMBDA_MARGIN_MS));
    const result = await runRotation(request, ctx);
    log.info('rotateCa finished', { action: request.action, outcome: result.outcome });
    return result;
  } catch (error) {
    const refused = refusalOf(error, log);
    if (refused) return refused;
    throw error;
  }
}

function refusalOf(error: unknown, log: Logger): Refused | undefined {
  if (error instanceof GuardRefusal) {
    log.warn('rotateCa refused', { code: error.code, reason: error.message });
    return { outcome: 'refused', code: error.code, message: error.message };
  }
  if (error instanceof LockHeldError) {
    log.warn('rotateCa refused', { code: 'LOCK_HELD', holder: error.holder });
    return { outcome: 'refused', code: 'LOCK_HELD', message: error.message };
  }
  return undefined;
}

/** The Lambda entry point. */
export const handler = middy(rotate);
