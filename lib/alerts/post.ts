/**
 * Posting one payload to one sink: a bounded wait per attempt, retries for answers that
 * may change (5xx, 429, a refused or reset connection), and an outcome instead of an
 * exception. What is logged or returned names the sink by its redacted URL only.
 */
import type { Logger } from '../log.js';
import { type RetryDecision, type RetryPolicy, withRetry } from '../retry.js';
import type { AlertTarget } from './url.js';

/** The outcome of one sink. `sink` is the redacted URL (`https://host/…`). */
export interface AlertDelivery {
  sink: string;
  ok: boolean;
  /** The last HTTP status received, when there was one. */
  status?: number;
  /** Why the delivery failed, without the URL. */
  error?: string;
}

export interface PostOptions {
  log: Logger;
  timeoutMs: number;
  retry: RetryPolicy;
  fetch: typeof fetch;
}

/** An answer outside 2xx; the body is kept short since some sinks explain themselves. */
class StatusError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${detail ? `: ${detail}` : ''}`);
  }
}

/** Posts `body` as JSON to `target`; never throws. */
export async function postJson(
  target: AlertTarget,
  body: unknown,
  options: PostOptions,
): Promise<AlertDelivery> {
  const log = options.log.with({ sink: target.redacted, sinkKind: target.kind });
  let lastStatus: number | undefined;

  const attempt = async (): Promise<number> => {
    const response = await options.fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(target.authorization ? { authorization: target.authorization } : {}),
      },
      body: JSON.stringify(body),
      // A webhook that moved must be fixed in ALERTS; following it would post elsewhere.
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    lastStatus = response.status;
    const text = (await response.text()).trim();
    if (response.ok) return response.status;
    throw new StatusError(response.status, text.slice(0, 200), retryAfter(response));
  };

  try {
    const status = await withRetry(attempt, classify, options.retry, (error, n, delayMs) => {
      log.warn('alert delivery failed; retrying', {
        attempt: n,
        delayMs: Math.round(delayMs),
        reason: describe(error, target, options.timeoutMs),
      });
    });
    log.info('alert sent', { status });
    return { sink: target.redacted, ok: true, status };
  } catch (error) {
    const reason = describe(error, target, options.timeoutMs);
    log.error('alert not delivered', { status: lastStatus, reason });
    return {
      sink: target.redacted,
      ok: false,
      ...(lastStatus === undefined ? {} : { status: lastStatus }),
      error: reason,
    };
  }
}

/**
 * Timeouts are not retried: a sink that answers slowly may well have posted the message,
 * and a second attempt would double it while lengthening the run by another full wait.
 */
function classify(error: unknown): RetryDecision {
  if (error instanceof StatusError) {
    const again = error.status >= 500 || error.status === 429;
    return again ? { retry: true, afterMs: error.retryAfterMs } : { retry: false };
  }
  if (isTimeout(error)) return { retry: false };
  // fetch reports refused, reset and unresolvable connections as a TypeError with a cause.
  return { retry: error instanceof TypeError };
}

function retryAfter(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/** One line about the failure, without the URL's path and query should a layer echo them. */
function describe(error: unknown, target: AlertTarget, timeoutMs: number): string {
  let text: string;
  if (isTimeout(error)) text = `no answer within ${timeoutMs} ms`;
  else if (error instanceof Error) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const detail = cause?.code ?? cause?.message;
    text = typeof detail === 'string' ? `${error.message} (${detail})` : error.message;
  } else text = String(error);

  const { href, pathname, search } = target.url;
  for (const secret of [href, search, pathname.length > 1 ? pathname : '']) {
    if (secret) text = text.split(secret).join('…');
  }
  return text;
}
