/**
 * The example shop's live counters in Redis: sessions per region (sets), best sellers (a sorted
 * set), orders (a stream), and a pub/sub message on every write, as plugins/redis/example.yaml reads them.
 */
import { Redis } from 'ioredis';
import type { OrderSink } from './seed-sql.js';

const PRODUCTS = ['espresso', 'grinder', 'kettle', 'mug', 'filter', 'scale', 'tamper', 'beans', 'carafe', 'dripper', 'milk-jug', 'cleaner'];

/** Connects and returns a sink that mirrors orders into the keys the example dashboard reads. */
export async function redisSink(url: string): Promise<OrderSink> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined); // reported through the failing write instead
  await redis.connect();
  // Stream ids must grow: start after whatever an earlier run wrote.
  const top = (await redis.xrevrange('shop:orders', '+', '-', 'COUNT', 1))[0]?.[0];
  let lastMs = top === undefined ? 0 : Number(top.split('-')[0]);
  return {
    name: `Redis ${new URL(url).host}`,
    async newest() {
      return lastMs === 0 ? undefined : lastMs;
    },
    async write(orders) {
      const multi = redis.multi();
      for (const o of [...orders].sort((a, b) => a.createdAt - b.createdAt)) {
        lastMs = Math.max(lastMs, o.createdAt);
        multi.xadd('shop:orders', 'MAXLEN', '~', '5000', `${lastMs}-*`, 'total', o.total.toFixed(2), 'items', String(1 + Math.floor(Math.random() * 4)), 'region', o.region);
        multi.zincrby('shop:top-products', 1, PRODUCTS[Math.floor(Math.random() ** 2 * PRODUCTS.length)]!);
      }
      // Sessions come and go: each region keeps a few hundred, drifting.
      for (const region of ['eu', 'us', 'apac']) {
        const key = `shop:sessions:${region}`;
        multi.sadd(key, ...Array.from({ length: 3 }, () => `s-${Math.floor(Math.random() * 400)}`));
        multi.spop(key, 2);
      }
      if (orders.length > 0) multi.publish('shop:orders:new', String(orders.length));
      const results = (await multi.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed?.[0]) throw failed[0];
    },
    async close() {
      redis.disconnect();
    },
  };
}
