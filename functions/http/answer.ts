/**
 * The answers of `reissueProxyClient` (design 4.5): every answer is one JSON object
 * `{ code, message, ...details }` under a contract status. HTTP callers get it as the body
 * of `{ statusCode, headers, body }`; direct invokes get the object itself.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  CertSetError,
  ClusterError,
  ConfigError,
  ConflictError,
  GuardRefusal,
  LockHeldError,
  StoreError,
} from '../../lib/errors.js';
import type { ReissueResult } from '../../lib/workflows/reissue/index.js';
import { RolloutFailedError } from '../../lib/workflows/reissue/publish.js';

/** One answer: the contract status, a machine code, one sentence, and the facts that matter. */
export interface Answer {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Shorthand for an answer. */
export function answer(
  status: number,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): Answer {
  return details === undefined ? { status, code, message } : { status, code, message, details };
}

/** 422 listing every bad field and name; `subject` is what was invalid ("The inventory"). */
export function invalidAnswer(
  code: string,
  subject: string,
  problems: readonly { field: string; reason: string }[],
): Answer {
  const count = problems.length;
  const listed = `${count} problem${count === 1 ? '' : 's'}, listed in problems`;
  return answer(422, code, `${subject} is invalid: ${listed}.`, { problems });
}

/** The JSON object every caller receives. */
export function answerBody(given: Answer): Record<string, unknown> {
  return { code: given.code, message: given.message, ...given.details };
}

/** The HTTP API (payload 2.0) response for an answer. */
export function httpAnswer(given: Answer): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: given.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(answerBody(given)),
  };
}

/** 200 for applied, nothing to do and dry runs; 202 while the rollout is still under way. */
export function answerForResult(result: ReissueResult): Answer {
  const details = {
    revision: result.revision,
    fingerprint: result.fingerprint ?? null,
    previousFingerprint: result.previousFingerprint ?? null,
    reasons: result.reasons,
    added: result.added,
    removed: result.removed,
    sans: result.sans,
    restarted: result.restarted,
  };
  switch (result.outcome) {
    case 'applied':
      return answer(200, 'APPLIED', sentence(result.message), details);
    case 'unchanged':
      return answer(200, 'NOTHING_TO_DO', sentence(result.message), details);
    case 'dry-run':
      return answer(200, 'DRY_RUN', `Dry run: ${result.message}; nothing was written.`, details);
    case 'pending': {
      const follow = [
        'hubcerts scan --probe HOST:PORT',
        ...result.restarted.map((w) => `kubectl rollout status ${w}`),
      ];
      const message =
        'The Secret is written and the proxy restart is under way; follow it with ' +
        `${follow.join(' or ')}.`;
      return answer(202, 'ROLLOUT_PENDING', message, { ...details, follow });
    }
  }
}

/**
 * The answer for an error from the workflow or its backends. Messages of hubcerts' own
 * errors name the input at fault and never hold key material, so they are passed on; an
 * unexpected error gets a fixed sentence, its details stay in the log.
 */
export function answerForError(error: unknown): Answer {
  if (error instanceof LockHeldError) {
    return answer(409, 'LOCK_HELD', sentence(`${error.message}; try again later`), {
      holder: error.holder,
    });
  }
  if (error instanceof GuardRefusal) return answerForRefusal(error);
  if (error instanceof RolloutFailedError) {
    return answer(502, 'ROLLOUT_FAILED', sentence(error.message), {
      restored: error.restored,
    });
  }
  if (error instanceof StoreError || error instanceof ClusterError) {
    const area = error instanceof StoreError ? 'STORE' : 'CLUSTER';
    const retry = error.retryable ? '; try again later' : '';
    return answer(
      error.retryable ? 503 : 502,
      `${area}_${error.retryable ? 'UNAVAILABLE' : 'FAILED'}`,
      sentence(`${error.message}${retry}`),
      { retryable: error.retryable },
    );
  }
  if (error instanceof ConflictError) {
    const message = sentence(`${error.message}; it changed on every attempt, try again later`);
    return answer(409, 'CHANGED_CONCURRENTLY', message);
  }
  if (error instanceof CertSetError) {
    return answer(502, 'CERT_SET_INVALID', sentence(`${error.message}; nothing was written`));
  }
  if (error instanceof ConfigError) {
    return answer(500, 'NOT_CONFIGURED', 'The function is not configured correctly; see its log.');
  }
  // Raised by @middy/core just before Lambda would stop the function.
  if (error instanceof Error && error.name === 'TimeoutError') {
    const message =
      'The function ran out of time; the change may be half done, check with hubcerts scan.';
    return answer(503, 'TIMED_OUT', message);
  }
  return answer(500, 'INTERNAL_ERROR', 'An unexpected error occurred; see the function log.');
}

/** Removals need approval (428); revisions and a half-done rotation conflict (409). */
function answerForRefusal(refusal: GuardRefusal): Answer {
  const message = sentence(refusal.message);
  if (refusal.code === 'REMOVAL_NOT_ALLOWED' || refusal.code === 'REMOVAL_TOO_LARGE') {
    const hint =
      refusal.code === 'REMOVAL_NOT_ALLOWED'
        ? 'approve removals with a direct invoke carrying allowRemoval, or set ' +
          'HUBCERTS_WEBHOOK_ALLOW_REMOVAL=on to let signed webhooks drop names'
        : 'a removal this large needs a direct invoke carrying allowRemoval and force';
    return answer(428, refusal.code, message, { hint });
  }
  return answer(409, refusal.code, message);
}

/** `text` as one sentence: capital first letter, one closing full stop. */
export function sentence(text: string): string {
  const trimmed = text.replace(/[.\s]+$/, '');
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}.`;
}
