/**
 * A Redis connection that a part of the server shares state through and that never holds it up: no offline
 * queue (while Redis is away a command fails at once), every command answers within `waitMs` or counts as
 * Redis being away, and going away and coming back are logged once each. Used by the range cache and the
 * record store; `cluster.redis` is its URL.
 */
import { Redis } from 'ioredis';
import { messageOf } from './errors.js';
import type { Logger } from './plugin.js';

/** What a link says in the log when Redis goes away and when it answers again. */
export interface RedisLinkWords {
  away: string;
  back: string;
}

/** One named connection to `cluster.redis`. */
export class RedisLink {
  readonly redis: Redis;
  readonly #waitMs: number;
  readonly #logger: Logger;
  readonly #words: RedisLinkWords;
  /** Settles when the first connection attempt has: commands wait for it rather than fail while the server starts. */
  readonly #connected: Promise<void>;
  #down = false;

  constructor(url: string, options: { name: string; waitMs: number; logger: Logger; words: RedisLinkWords }) {
    this.#waitMs = options.waitMs;
    this.#logger = options.logger;
    this.#words = options.words;
    this.redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: options.waitMs, connectionName: options.name });
    this.redis.on('error', () => undefined); // reported through the commands that fail
    this.#connected = this.redis.connect().catch((err: unknown) => this.#failed(err));
  }

  /** Whether Redis failed since it last answered. */
  get down(): boolean {
    return this.#down;
  }

  /** A command's answer, or undefined when Redis fails or takes longer than `waitMs` (a connection attempt too). */
  async call<T>(command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.#waitMs} ms`)), this.#waitMs);
      });
      const answer = await Promise.race([this.#connected.then(() => command(this.redis)), late]);
      if (this.#down) {
        this.#down = false;
        this.#logger.info({}, this.#words.back);
      }
      return answer;
    } catch (err) {
      this.#failed(err);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the connection. */
  disconnect(): void {
    this.redis.disconnect();
  }

  #failed(err: unknown): void {
    if (this.#down) return;
    this.#down = true;
    this.#logger.warn({ err: messageOf(err) }, this.#words.away);
  }
}

/** A Redis URL for log lines and messages: without its password. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = 'redacted';
    return u.toString();
  } catch {
    return 'cluster.redis';
  }
}
