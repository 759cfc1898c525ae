/** How long a page waits before each attempt to reconnect after its connection dropped. */

/**
 * The longest wait before each attempt after a drop (the last one repeats). A restart takes a few seconds, so
 * the first retry comes at once and the next ones about every second for a while: a server that is back is
 * found within a second. Only a longer outage backs off, up to 15 s.
 */
const RETRY_WAITS_MS = [300, 1000, 1000, 1000, 1000, 1000, 2000, 4000, 8000, 15_000];

/** The wait before attempt `n` (1-based): its entry in RETRY_WAITS_MS, cut by up to half at random so that a crowd of pages spreads out. */
export function backoffDelay(attempt: number, random = Math.random()): number {
  const ceiling = RETRY_WAITS_MS[Math.min(Math.max(1, attempt), RETRY_WAITS_MS.length) - 1]!;
  return ceiling / 2 + (ceiling / 2) * random;
}

/**
 * The longest wait before each attempt after the server said it was busy (the last one repeats). It was up and
 * answering, but building as many snapshots as it allows a second: every page coming back at once would only
 * keep it busy, so even the first wait is a second or two, and each next one doubles.
 */
const BUSY_WAITS_MS = [2000, 4000, 8000, 15_000, 30_000];

/** The wait before attempt `n` (1-based) after a busy server: its entry in BUSY_WAITS_MS, cut by up to half at random, as backoffDelay. */
export function busyDelay(attempt: number, random = Math.random()): number {
  const ceiling = BUSY_WAITS_MS[Math.min(Math.max(1, attempt), BUSY_WAITS_MS.length) - 1]!;
  return ceiling / 2 + (ceiling / 2) * random;
}
