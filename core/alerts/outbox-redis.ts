/**
 * The outbox in Redis (with `cluster.redis` and `storage.type: redis`), so that a notification a leader accepted is
 * not lost with its disk: the next leader finds it and sends it. Kept as
 *   `<prefix>:outbox`        a hash: entry id → the entry's JSON (the same as an outbox file),
 *   `<prefix>:outbox:order`  a sorted set: entry id → its place in the order the entries were stored,
 *   `<prefix>:outbox:corrupt` a hash of values that are not entries, moved there for a person to look at.
 *
 * Why a hash and an index rather than a stream with a consumer group: an entry is rewritten in place when a newer
 * notification of the same alert supersedes part of it, which a stream cannot do without moving it to the end; and the
 * stream's pending lists and claims would repeat, less precisely, what the alert lease already decides (one leader
 * sends, the next one takes over everything). The place in the order is given by Redis as each entry is stored, so
 * it holds whatever the instances' clocks say.
 *
 * Every change is a script that first checks that the alert lease (leader-lease.ts) still holds this instance's
 * value, and makes the change only then, in the same step: a leader that lost its lease (paused, cut off) can
 * neither add an entry its successor would send nor remove or rewrite one its successor is sending. Removing an
 * entry is one step too, right after its receiver accepted it: a new leader never finds an entry whose removal
 * happened. An entry accepted but not yet removed when its leader died is sent again by the next one, with the same
 * delivery id (webhook `X-Rtdash-Delivery`, email Message-ID).
 */
import { Redis } from 'ioredis';
import type { LoadedEntries, OutboxMedium } from './outbox-medium.js';
import { parseEntry, type OutboxEntry } from './outbox-folder.js';
import { byCreation } from './outbox-order.js';
import type { WriteFence } from './redis-medium.js';

// Every script: KEYS[1] the hash, KEYS[2] the order, KEYS[3] the lease; ARGV[1] this instance's lease value, ARGV[2] the entry id.
const FENCE = `if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end `;
// ARGV[3] the entry, ARGV[4] '1' when new. A rewrite of an entry that is gone does not bring it back; a new entry
// goes after every entry stored, one already stored keeps its place.
const PUT = `${FENCE}
if ARGV[4] ~= '1' and redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return 2 end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  redis.call('ZADD', KEYS[2], (tonumber(last[2]) or 0) + 1, ARGV[2])
end
return 1`;
const REMOVE = `${FENCE}redis.call('HDEL', KEYS[1], ARGV[2]) redis.call('ZREM', KEYS[2], ARGV[2]) return 1`;
// KEYS[4] the hash of corrupt values.
const ASIDE = `${FENCE}
local v = redis.call('HGET', KEYS[1], ARGV[2])
if v then redis.call('HSET', KEYS[4], ARGV[2], v) end
redis.call('HDEL', KEYS[1], ARGV[2]) redis.call('ZREM', KEYS[2], ARGV[2]) return 1`;

/** Options of the Redis outbox. */
export interface RedisOutboxOptions {
  /** How long a command may take before it counts as failed (and is tried again): 5 s unless given. */
  commandTimeoutMs?: number;
}

/** The outbox's entries under `key` (`<prefix>:outbox`), changed only under the alert lease `fence`. `close()` ends its connection. */
export class RedisOutbox implements OutboxMedium {
  readonly shared = true;
  readonly #redis: Redis;
  readonly #keys: [hash: string, order: string, lease: string];
  readonly #fence: WriteFence;

  constructor(url: string, key: string, fence: WriteFence, options: RedisOutboxOptions = {}) {
    // A command fails soon while Redis is away: the outbox keeps the change and tries it again.
    this.#redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: options.commandTimeoutMs ?? 5000, connectionName: 'rtdash:outbox' });
    this.#redis.on('error', () => undefined); // reported through the commands that fail
    this.#keys = [key, `${key}:order`, fence.key];
    this.#fence = fence;
  }

  get where(): string {
    return `redis key ${this.#keys[0]}`;
  }

  async load(): Promise<LoadedEntries> {
    const [hash, order] = this.#keys;
    const results = await this.#redis.multi().zrange(order, '0', '-1').hgetall(hash).exec();
    const ids = (results?.[0]?.[1] ?? []) as string[];
    const all = (results?.[1]?.[1] ?? {}) as Record<string, string>;
    const loaded: LoadedEntries = { entries: [], torn: [], corrupt: [] };
    const unordered: OutboxEntry[] = [];
    const place = new Set(ids);
    for (const id of [...ids, ...Object.keys(all).filter((id) => !place.has(id))]) {
      const text = all[id];
      if (text === undefined) continue; // an index left without its entry: nothing to send
      const parsed = parseEntry(text, id);
      if ('entry' in parsed) (place.has(id) ? loaded.entries : unordered).push(parsed.entry);
      else {
        await this.#redis.eval(ASIDE, 4, ...this.#keys, `${hash}:corrupt`, this.#fence.owner, id).catch(() => undefined);
        loaded.corrupt.push({ file: `${hash} field ${id}`, reason: parsed.reason });
      }
    }
    // Without a place (written by hand?): after the others, as they were made.
    loaded.entries.push(...unordered.sort(byCreation));
    return loaded;
  }

  async put(entry: OutboxEntry, isNew: boolean): Promise<boolean> {
    const done = await this.#redis.eval(PUT, 3, ...this.#keys, this.#fence.owner, entry.id, JSON.stringify(entry), isNew ? '1' : '0');
    return done !== 0;
  }

  async remove(id: string): Promise<boolean> {
    return (await this.#redis.eval(REMOVE, 3, ...this.#keys, this.#fence.owner, id)) === 1;
  }

  close(): void {
    this.#redis.disconnect();
  }
}
