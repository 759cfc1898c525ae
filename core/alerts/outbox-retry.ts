/** How the outbox spaces the tries of a notification its receiver did not accept. */

/** How failed tries are spaced: doubling from `firstMs` up to `capMs`, each shortened by up to a quarter at random. */
export interface RetryPolicy {
  firstMs: number;
  capMs: number;
}

/** The retry spacing when none is given: about 1 s first, at most 5 min. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ firstMs: 1000, capMs: 300_000 });

/**
 * The wait before try `attempt + 1` after `attempt` failed tries.
 * @example retryDelayMs(1, DEFAULT_RETRY, () => 0) // 1000; retryDelayMs(20, DEFAULT_RETRY, () => 0) // 300000
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const full = Math.min(policy.capMs, policy.firstMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  // Jitter spreads the retries of many entries after an outage, instead of all hitting the receiver at once.
  return Math.round(full * (1 - 0.25 * random()));
}
