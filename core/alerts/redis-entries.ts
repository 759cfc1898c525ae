/**
 * Operator commands kept in Redis for instances that share alert state there (silences, acknowledgements): a
 * hash `<key>` (entry id → its JSON), which any instance may change (a command, not state only the lease holder
 * writes), and a channel of the same name on which a change is announced so every instance reads them again.
 */
import type { Redis } from 'ioredis';
import { messageOf } from '../errors.js';
import type { Logger } from '../plugin.js';

/** What the hash needs to know of one kind of entry. */
export interface EntryKind<T extends { id: string }> {
  /** `silence`: for log lines. */
  noun: string;
  /** Why a stored value is not such an entry, or undefined when it is one. */
  problem(v: unknown): string | undefined;
  /** Only the entry's own fields. */
  clean(v: T): T;
  /** Whether it has ended by `now` (deleted then); entries that never end by time leave it out. */
  ended?(v: T, now: number): boolean;
}

/** Entries of one kind in a Redis hash; `watch` tells of changes made by any instance. */
export class RedisEntries<T extends { id: string }> {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #kind: EntryKind<T>;
  readonly #log: Logger;
  /** Entries already reported as malformed, so a hash read every few seconds does not repeat the line. */
  readonly #reported = new Set<string>();

  /** `key` is the hash and the channel, such as `rtdash:silences`. */
  constructor(redis: Redis, key: string, kind: EntryKind<T>, logger: Logger) {
    this.#redis = redis;
    this.#key = key;
    this.#kind = kind;
    this.#log = logger.child({ component: `${kind.noun}s`, key });
  }

  /** The entries in force at `now`; ended ones are deleted, malformed ones skipped (and logged once). */
  async list(now: number = Date.now()): Promise<T[]> {
    const all = await this.#redis.hgetall(this.#key);
    const out: T[] = [];
    const ended: string[] = [];
    for (const [id, text] of Object.entries(all)) {
      let parsed: unknown;
      let why: string | undefined;
      try {
        parsed = JSON.parse(text);
        why = this.#kind.problem(parsed) ?? ((parsed as T).id === id ? undefined : '"id" is not its field in the hash');
      } catch (err) {
        why = `not JSON (${messageOf(err)})`;
      }
      if (why !== undefined) {
        // Left in place for a person to look at; skipped here.
        if (!this.#reported.has(id)) this.#log.warn({ id: id.slice(0, 80), problem: why }, `skipped a malformed ${this.#kind.noun} in Redis; the others are in force`);
        this.#reported.add(id);
      } else if (this.#kind.ended?.(parsed as T, now) === true) ended.push(id);
      else out.push(this.#kind.clean(parsed as T));
    }
    if (ended.length > 0) await this.#redis.hdel(this.#key, ...ended);
    return out;
  }

  async put(entry: T): Promise<void> {
    await this.#redis.hset(this.#key, entry.id, JSON.stringify(this.#kind.clean(entry)));
    await this.#announce();
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.#redis.hdel(this.#key, id);
    if (deleted > 0) await this.#announce();
    return deleted > 0;
  }

  /**
   * Calls `changed` whenever an instance (this one too) changes the entries, and after the subscription
   * reconnects (announcements may have been missed meanwhile). `subscriber` is a connection of its own, which
   * several kinds may share.
   */
  async watch(subscriber: Redis, changed: () => void): Promise<void> {
    subscriber.on('message', (channel: string) => {
      if (channel === this.#key) changed();
    });
    subscriber.on('ready', changed);
    await subscriber.subscribe(this.#key);
  }

  async #announce(): Promise<void> {
    // The change is stored already: an announcement that fails only delays the other instances' view of it.
    await this.#redis.publish(this.#key, 'changed').catch((err: unknown) => this.#log.warn({ err: messageOf(err) }, `could not announce a ${this.#kind.noun} change`));
  }
}
