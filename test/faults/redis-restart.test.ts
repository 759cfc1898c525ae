/**
 * Fault matrix, "Redis restarts": a watched list widget on a private Redis without persistence that is shut down
 * and started again, empty; its producer writes the list again. The viewer ends with what Redis holds, each item
 * once, not the old list and the new one. The machine's own Redis is never touched.
 */
import { Redis } from 'ioredis';
import { usePrivateRedis } from '../support/private-redis.js';
import { restartRow } from '../support/restart-row.js';

describe('fault: Redis restarts under a watched dashboard', function () {
  const server = usePrivateRedis();
  restartRow({
    server,
    outage: 'stop',
    forgets: true,
    source: (url) => ({ type: 'redis', options: { url, connect_timeout: '1s' }, timeoutMs: 2000 }),
    query: { command: 'LRANGE', key: 'fault:rows' },
    async write(url, ids) {
      const redis = new Redis(url);
      try {
        await redis.rpush('fault:rows', ...ids.map(String));
      } finally {
        redis.disconnect();
      }
    },
    ids: (rows) => rows.map((r) => Number(r['value'])),
  });
});
