/**
 * Retries with exponential backoff and full jitter, bounded in count and in time. The
 * caller decides what is worth retrying (5xx, 429, resets, a sealed Vault) and may name a
 * wait the server asked for (Retry-After); 4xx answers that will not change are never
 * retried.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time since the first attempt. */
  budgetMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseMs: 200,
  maxDelayMs: 5_000,
  budgetMs: 30_000,
};

/** Whether an error is worth another attempt, and after how long if the server said so. */
export type RetryDecision = { retry: false } | { retry: true; afterMs?: number };

export async function withRetry<T>(
  operation: () => Promise<T>,
  classify: (error: unknown) => RetryDecision,
  policy: RetryPolicy = DEFAULT_RETRY,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      const decision = classify(error);
      if (!decision.retry || attempt >= policy.attempts) throw error;
      const backoff =
        Math.random() * Math.min(policy.maxDelayMs, policy.baseMs * 2 ** (attempt - 1));
      const delay = Math.min(policy.maxDelayMs, Math.max(decision.afterMs ?? 0, backoff));
      if (Date.now() - started + delay > policy.budgetMs) throw error;
      onRetry?.(error, attempt, delay);
      await sleep(delay);
    }
  }
}
