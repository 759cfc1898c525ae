/**
 * A token bucket per client address, for requests that hold no connection to hang a bucket on (the
 * widget API). The map is bounded: buckets that have refilled are forgotten (a new one is the same),
 * and past `maxAddresses` the oldest go, so a visitor spraying addresses costs a fixed amount of memory.
 */
import { TokenBucket } from './rate-limit.js';

/** `perSecond` actions a second per address, bursts of `burst` (twice `perSecond` unless given). */
export class AddressRates {
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #perSecond: number;
  readonly #maxAddresses: number;
  readonly #burst: number;

  constructor(perSecond: number, maxAddresses = 10_000, burst = 2 * perSecond) {
    this.#perSecond = perSecond;
    this.#maxAddresses = maxAddresses;
    this.#burst = burst;
  }

  /** Addresses with a bucket now (for tests). */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token from the address's bucket; false means refuse the request. */
  take(ip: string, now = Date.now()): boolean {
    let bucket = this.#buckets.get(ip);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#maxAddresses) this.#evict(now);
      bucket = new TokenBucket(this.#perSecond, this.#burst, now);
      this.#buckets.set(ip, bucket);
    }
    return bucket.take(now);
  }

  #evict(now: number): void {
    for (const [ip, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(ip);
    // Every address is busy: the oldest lose their history (they get a fresh burst) rather than memory growing.
    for (const ip of this.#buckets.keys()) {
      if (this.#buckets.size < this.#maxAddresses) break;
      this.#buckets.delete(ip);
    }
  }
}
