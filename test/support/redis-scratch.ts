/**
 * Mocha hooks for tests that write under a Redis key of their own: a fresh key per test, the Redis clients the
 * test opened closed after it and the key deleted. Skips the suite in one line when Redis is not running.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SERVICES, needService } from './services.js';

/** What a test gets: an admin client, this test's key (ending in `suffix`), and clients closed after the test. */
export interface RedisScratch {
  readonly admin: Redis;
  readonly key: string;
  client(): Redis;
}

/** Registers the hooks in the calling `describe`; call it at the top of its body. */
export function redisScratch(suffix: string): RedisScratch {
  let admin: Redis | undefined;
  let key = '';
  const clients: Redis[] = [];
  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  beforeEach(() => {
    key = `rtdash-test:${randomUUID()}:${suffix}`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await admin?.del(key);
  });
  after(() => admin?.disconnect());
  return {
    get admin() {
      if (admin === undefined) throw new Error('redisScratch: the admin client exists only inside tests');
      return admin;
    },
    get key() {
      return key;
    },
    client() {
      const redis = new Redis(SERVICES.redis.url);
      clients.push(redis);
      return redis;
    },
  };
}

/** Deletes every key under `prefix:` (SCAN, never FLUSHDB: the server may be a developer's own). */
export async function deleteUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
