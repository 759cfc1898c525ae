/**
 * A lease in Redis that at most one instance holds at a time: the alert engine's, so that with several
 * instances one writes the alert state and sends notifications. Taken with `SET key owner NX PX ttl`, renewed
 * every third of the ttl by a script that extends it only while it still holds this instance's value, and
 * deleted the same way on a graceful shutdown. When the holder dies, its lease runs out and another instance
 * takes it: each waiting instance tries again when the lease's remaining time (PTTL) is up.
 *
 * The holder counts its lease as lost a tenth of the ttl before Redis would let it expire (and when a renewal
 * finds another value), so two instances never both believe they hold it.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { messageOf } from '../errors.js';
import type { Logger } from '../plugin.js';

// KEYS[1] the lease; ARGV[1] this instance's value; ARGV[2] the ttl in ms.
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** While Redis does not answer, the lease says so at most this often. */
const UNREACHABLE_LOG_EVERY_MS = 30_000;

/** Options of a lease. */
export interface LeaseOptions {
  /** The Redis key, such as `rtdash:alerts:leader`. */
  key: string;
  /** How long the lease lasts without a renewal, in ms. */
  ttlMs: number;
  logger: Logger;
  /** The value stored in the key, naming the holder: host, pid and a random part unless given. */
  owner?: string;
}

/** What a lease reports: `acquired` when this instance took it, `lost` (with why) when it no longer holds it. */
export interface LeaseEvents {
  acquired: [];
  lost: [reason: string];
}

/**
 * One instance's part in a lease: call `start()` to take part, `release()` to let go and stop.
 * @example const lease = new RedisLease(redis, { key: 'rtdash:alerts:leader', ttlMs: 10_000, logger }); lease.on('acquired', lead); lease.start();
 */
export class RedisLease extends EventEmitter<LeaseEvents> {
  readonly owner: string;
  readonly #redis: Redis;
  readonly #key: string;
  readonly #ttlMs: number;
  readonly #log: Logger;
  #holding = false;
  /** Local time until which the lease is surely this instance's. */
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #expiry: NodeJS.Timeout | undefined;
  #stopped = true;
  #ticking: Promise<void> | undefined;
  /** Since when Redis has not answered the lease's commands, and when that was last logged. */
  #unreachableSince: number | undefined;
  #saidAt = 0;

  constructor(redis: Redis, options: LeaseOptions) {
    super();
    this.#redis = redis;
    this.#key = options.key;
    this.#ttlMs = options.ttlMs;
    this.#log = options.logger.child({ component: 'lease', lease: options.key });
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Whether this instance holds the lease now. */
  get held(): boolean {
    return this.#holding && Date.now() < this.#validUntil;
  }

  /** The lease's key. */
  get key(): string {
    return this.#key;
  }

  /** Starts trying to take the lease, and renewing it once held. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#next(0);
  }

  /** Lets go of the lease (so another instance takes it at once) and stops taking part. */
  async release(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    const was = this.#holding;
    this.#drop();
    if (!was) return;
    try {
      await this.#redis.eval(RELEASE, 1, this.#key, this.owner);
      this.#log.info({ owner: this.owner }, 'released the lease');
    } catch (err) {
      this.#log.warn({ err: messageOf(err) }, 'could not release the lease; it runs out by itself');
    }
  }

  #next(delayMs: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#ticking = this.#tick().finally(() => (this.#ticking = undefined));
    }, delayMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const renewEvery = Math.max(Math.floor(this.#ttlMs / 3), 10);
    const sentAt = Date.now();
    try {
      if (this.#holding) {
        const extended = await this.#redis.eval(EXTEND, 1, this.#key, this.owner, String(this.#ttlMs));
        this.#reachable();
        if (extended !== 1) this.#lose('another instance holds it');
        else if (this.#holding && Date.now() < this.#validUntil) this.#hold(sentAt);
        else {
          // Renewed only after it had counted as lost here: say lost, then taken, so a holder that lost it
          // (and may have let decisions pass meanwhile) starts again from the saved state.
          this.#lose('renewed too late');
          this.#take(sentAt);
        }
        this.#next(this.#holding ? renewEvery : 0);
        return;
      }
      const taken = await this.#redis.set(this.#key, this.owner, 'PX', this.#ttlMs, 'NX');
      this.#reachable();
      if (taken === 'OK') {
        this.#take(sentAt);
        this.#next(renewEvery);
        return;
      }
      // Held by another: try again the moment it would run out, or sooner in case it is released.
      const left = await this.#redis.pttl(this.#key);
      this.#next(left > 0 ? Math.min(left + 5, renewEvery) : 5);
    } catch (err) {
      if (this.#stopped) return;
      // Tried every second while Redis is away (for hours, if it was down at start): said once, then every half minute.
      if (this.#unreachableSince === undefined || Date.now() - this.#saidAt >= UNREACHABLE_LOG_EVERY_MS) {
        this.#unreachableSince ??= Date.now();
        this.#saidAt = Date.now();
        this.#log.warn({ err: messageOf(err), holding: this.#holding, forMs: Date.now() - this.#unreachableSince }, 'could not reach Redis for the lease; trying again');
      }
      if (this.#holding && Date.now() >= this.#validUntil) this.#lose(`Redis did not answer: ${messageOf(err)}`);
      this.#next(Math.min(renewEvery, 1000));
    }
  }

  /** Says once that Redis answers again after it did not. */
  #reachable(): void {
    if (this.#unreachableSince === undefined) return;
    this.#log.info({ afterMs: Date.now() - this.#unreachableSince }, 'Redis answers the lease again');
    this.#unreachableSince = undefined;
  }

  /** Records that this instance took the lease, and says so unless it is stopping (release() then gives it back). */
  #take(sentAt: number): void {
    this.#hold(sentAt);
    if (this.#stopped) return;
    this.#log.info({ owner: this.owner }, 'acquired the lease');
    this.emit('acquired');
  }

  /** Records a successful take or renewal sent at `sentAt`, and arms the local expiry. */
  #hold(sentAt: number): void {
    this.#holding = true;
    this.#validUntil = sentAt + this.#ttlMs - Math.ceil(this.#ttlMs / 10);
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => {
      if (this.#holding && Date.now() >= this.#validUntil) this.#lose('not renewed in time');
    }, Math.max(this.#validUntil - Date.now(), 0));
    this.#expiry.unref();
  }

  #lose(reason: string): void {
    if (!this.#holding) return;
    this.#drop();
    this.#log.warn({ owner: this.owner, reason }, 'lost the lease');
    this.emit('lost', reason);
  }

  #drop(): void {
    this.#holding = false;
    this.#validUntil = 0;
    clearTimeout(this.#expiry);
  }
}
