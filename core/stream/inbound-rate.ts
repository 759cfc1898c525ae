/**
 * The rate of messages one WebSocket connection may send, whatever they are: each costs a parse of up
 * to max_message_bytes and often a reply, so pings and malformed JSON count as much as subscribes.
 * Messages past the rate are dropped unread; a client that keeps sending past it is to be closed.
 */
import { TokenBucket } from './rate-limit.js';

/** What to do with one inbound message: serve it, drop it (the first drop warns the client), or close. */
export type InboundVerdict = 'ok' | 'warn' | 'drop' | 'close';

/** A connection's message budget: `perSecond` on average, bursts of twice that. */
export class InboundRate {
  readonly #messages: TokenBucket;
  /**
   * How many more messages may be dropped before the connection is closed: a second's worth, refilled
   * slowly (one a second), so a flood is closed quickly and a client that keeps going over is closed too.
   */
  readonly #strikes: TokenBucket;
  #warned = false;
  #closed = false;

  constructor(perSecond: number, now = Date.now()) {
    this.#messages = new TokenBucket(perSecond, 2 * perSecond, now);
    this.#strikes = new TokenBucket(1, perSecond, now);
  }

  /** Charges one message. */
  charge(now = Date.now()): InboundVerdict {
    if (this.#closed) return 'drop';
    if (this.#messages.take(now)) return 'ok';
    if (!this.#strikes.take(now)) {
      this.#closed = true;
      return 'close';
    }
    if (this.#warned) return 'drop';
    this.#warned = true;
    return 'warn';
  }
}
