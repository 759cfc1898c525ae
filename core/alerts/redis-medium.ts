/**
 * Alert state in Redis (`storage.type: redis`, at `cluster.redis`): the same document as alerts.json, kept
 * under one key (`<prefix>:alerts`), so that another instance, or this one after a restart on another machine,
 * finds it. With a fence (the alert lease of leader-lease.ts), a write lands only while this instance holds
 * the lease: checked by Redis in the same step as the write, so an instance that lost the lease while paused
 * cannot overwrite the state the new holder writes.
 */
import { Redis } from 'ioredis';
import type { StateMedium } from './alert-store.js';

/** The key the document lives under, unless told otherwise. */
export const ALERTS_KEY = 'rtdash:alerts';

// KEYS[1] the document, KEYS[2] the lease; ARGV[1] the text, ARGV[2] this instance's lease value.
const FENCED_SET = `if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('SET', KEYS[1], ARGV[1]) return 1 end return 0`;

/** The lease a write must hold: its key and the value this instance stores in it. */
export interface WriteFence {
  key: string;
  owner: string;
}

/** A StateMedium on a Redis key. `close()` ends its connection. */
export class RedisMedium implements StateMedium {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #fence: WriteFence | undefined;

  constructor(url: string, key = ALERTS_KEY, fence?: WriteFence) {
    // Commands wait for a reconnect rather than fail at once: a save during a short outage should land.
    this.#redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: 'rtdash:alert-store' });
    this.#redis.on('error', () => undefined); // reported through the commands that fail
    this.#key = key;
    this.#fence = fence;
  }

  get where(): string {
    return `redis key ${this.#key}`;
  }

  async prepare(): Promise<void> {
    // A takeover loads the document again on the same connection.
    if (this.#redis.status === 'wait') await this.#redis.connect();
  }

  async read(): Promise<string | undefined> {
    return (await this.#redis.get(this.#key)) ?? undefined;
  }

  async write(text: string): Promise<boolean> {
    if (this.#fence === undefined) {
      await this.#redis.set(this.#key, text);
      return true;
    }
    return (await this.#redis.eval(FENCED_SET, 2, this.#key, this.#fence.key, text, this.#fence.owner)) === 1;
  }

  async moveAside(at: number): Promise<string> {
    const aside = `${this.#key}:corrupt:${at}`;
    await this.#redis.rename(this.#key, aside);
    return `redis key ${aside}`;
  }

  /** Ends the connection. */
  close(): void {
    this.#redis.disconnect();
  }
}
