/**
 * Sessions shared by the instances of a cluster (`cluster.redis`): each session is a Redis key
 * `<prefix>:session:<id>` holding its JSON until it expires, so a viewer signed in on one instance is signed in on
 * all; ending one deletes the key and says so on the channel `<prefix>:sessions:ended`, so every instance closes
 * the sockets opened with it. Redis away: the sessions an instance knows keep working there, new ones are local.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../plugin.js';
import { RedisLink } from '../redis-link.js';
import type { Session } from './sessions.js';

/** A session as Redis keeps it: the same object, as JSON. */
export type StoredSession = Session;

/** The sessions of every instance on one Redis. */
export class SharedSessions {
  readonly #link: RedisLink;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #ended = new Set<(id: string) => void>();

  constructor(url: string, prefix: string, logger: Logger) {
    this.#prefix = prefix;
    this.#link = new RedisLink(url, { name: 'rtdash-sessions', waitMs: 2000, logger, words: { away: 'Redis is away: sign-in sessions are kept on this instance only', back: 'Redis answers again: sign-in sessions are shared' } });
    this.#subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: 'rtdash-sessions-ended' });
    this.#subscriber.on('error', () => undefined);
    this.#subscriber.on('message', (_channel: string, id: string) => {
      for (const listener of this.#ended) listener(id);
    });
    void this.#subscriber.connect().then(() => this.#subscriber.subscribe(this.#channel)).catch(() => undefined);
  }

  get #channel(): string {
    return `${this.#prefix}:sessions:ended`;
  }

  #key(id: string): string {
    return `${this.#prefix}:session:${id}`;
  }

  /** Stores a session until it expires. */
  async put(session: StoredSession, now = Date.now()): Promise<void> {
    const ttl = Math.max(1, session.expiresAt - now);
    await this.#link.call((r) => r.set(this.#key(session.id), JSON.stringify(session), 'PX', ttl));
  }

  /** The session of this id another instance (or this one) stored; undefined when there is none, or Redis is away. */
  async get(id: string): Promise<StoredSession | undefined> {
    const text = await this.#link.call((r) => r.get(this.#key(id)));
    if (text === undefined || text === null) return undefined;
    try {
      return JSON.parse(text) as StoredSession;
    } catch {
      return undefined;
    }
  }

  /** Whether Redis still holds the session; undefined when Redis does not answer (then nothing is concluded). */
  async exists(id: string): Promise<boolean | undefined> {
    const n = await this.#link.call((r) => r.exists(this.#key(id)));
    return n === undefined ? undefined : n === 1;
  }

  /** Ends a session everywhere: the key goes, and every instance hears of it. */
  async remove(id: string): Promise<void> {
    await this.#link.call((r) => r.multi().del(this.#key(id)).publish(this.#channel, id).exec());
  }

  /** Calls `listener` with the id of each session ended anywhere (this instance's own too). */
  onEnded(listener: (id: string) => void): void {
    this.#ended.add(listener);
  }

  close(): void {
    this.#subscriber.disconnect();
    this.#link.disconnect();
  }
}
