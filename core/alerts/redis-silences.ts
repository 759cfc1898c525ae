/**
 * Silences in Redis, for instances that share alert state there: a hash `<prefix>:silences` (silence id → its
 * JSON), which any instance may change (a silence is an operator's command, not state only the lease holder
 * writes), and a channel of the same name on which a change is announced so every instance reads them again.
 */
import type { Redis } from 'ioredis';
import { messageOf } from '../errors.js';
import type { Logger } from '../plugin.js';
import { cleanSilence, silenceProblem, type Silence, type SilenceBackend } from './silences.js';

/** A SilenceBackend on a Redis hash; `watch` tells of changes made by any instance. */
export class RedisSilences implements SilenceBackend {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #log: Logger;
  /** Entries already reported as malformed, so a hash read every few seconds does not repeat the line. */
  readonly #reported = new Set<string>();

  /** `key` is the hash and the channel, such as `rtdash:silences`. */
  constructor(redis: Redis, key: string, logger: Logger) {
    this.#redis = redis;
    this.#key = key;
    this.#log = logger.child({ component: 'silences', key });
  }

  async list(now: number): Promise<Silence[]> {
    const all = await this.#redis.hgetall(this.#key);
    const out: Silence[] = [];
    const ended: string[] = [];
    for (const [id, text] of Object.entries(all)) {
      let parsed: unknown;
      let why: string | undefined;
      try {
        parsed = JSON.parse(text);
        why = silenceProblem(parsed) ?? ((parsed as Silence).id === id ? undefined : '"id" is not its field in the hash');
      } catch (err) {
        why = `not JSON (${messageOf(err)})`;
      }
      if (why !== undefined) {
        // Left in place for a person to look at; skipped here.
        if (!this.#reported.has(id)) this.#log.warn({ id: id.slice(0, 80), problem: why }, 'skipped a malformed silence in Redis; the others are in force');
        this.#reported.add(id);
      } else if ((parsed as Silence).endsAt <= now) ended.push(id);
      else out.push(cleanSilence(parsed as Silence));
    }
    if (ended.length > 0) await this.#redis.hdel(this.#key, ...ended);
    return out;
  }

  async put(silence: Silence): Promise<void> {
    await this.#redis.hset(this.#key, silence.id, JSON.stringify(cleanSilence(silence)));
    await this.#announce();
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.#redis.hdel(this.#key, id);
    if (deleted > 0) await this.#announce();
    return deleted > 0;
  }

  /**
   * Calls `changed` whenever an instance (this one too) changes the silences, and after the subscription
   * reconnects (announcements may have been missed meanwhile). `subscriber` is a connection of its own.
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
    await this.#redis.publish(this.#key, 'changed').catch((err: unknown) => this.#log.warn({ err: messageOf(err) }, 'could not announce a silence change'));
  }
}
