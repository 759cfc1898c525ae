/**
 * A token bucket: how much work a client (or the whole server) may cause per second. It holds up to
 * `burst` tokens and gains `perSecond` a second; each unit of work takes one, and work finding the
 * bucket empty is refused rather than queued, so a flood costs the server nothing but the refusal.
 */

/** Allows `perSecond` actions a second on average, up to `burst` at once. */
export class TokenBucket {
  readonly perSecond: number;
  readonly burst: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, burst = perSecond, now = Date.now()) {
    this.perSecond = perSecond;
    this.burst = Math.max(1, burst);
    this.#tokens = this.burst;
    this.#at = now;
  }

  /** Takes one token if there is one; false means the action should be refused. */
  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whether the bucket has refilled to its burst: it is then no different from a new one. */
  full(now = Date.now()): boolean {
    return this.#tokens + ((now - this.#at) / 1000) * this.perSecond >= this.burst;
  }
}
