/**
 * Alert state in Redis (`storage.type: redis`, at `cluster.redis`): the same document as alerts.json, kept
 * under one key, so that another instance, or this one after a restart on another machine, finds it.
 */
import { Redis } from 'ioredis';
import type { StateMedium } from './alert-store.js';

/** The key the document lives under, unless told otherwise. */
export const ALERTS_KEY = 'rtdash:alerts';

/** A StateMedium on a Redis key. `close()` ends its connection. */
export class RedisMedium implements StateMedium {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(url: string, key = ALERTS_KEY) {
    // Commands wait for a reconnect rather than fail at once: a save during a short outage should land.
    this.#redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, connectionName: 'rtdash:alert-store' });
    this.#redis.on('error', () => undefined); // reported through the commands that fail
    this.#key = key;
  }

  get where(): string {
    return `redis key ${this.#key}`;
  }

  async prepare(): Promise<void> {
    await this.#redis.connect();
  }

  async read(): Promise<string | undefined> {
    return (await this.#redis.get(this.#key)) ?? undefined;
  }

  async write(text: string): Promise<void> {
    await this.#redis.set(this.#key, text);
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
