/**
 * Recorded points in Redis (docs/time.md, "Recorded widgets", with `cluster.redis`): a store writes its series
 * to the shared Redis under a key prefix of this run's own (deleted afterwards), and another store on the same
 * prefix (a restart, or another instance) serves a range with those points; Redis keeps only what the series
 * records (its duration and its share of the byte cap); two stores never interleave their points; and a private
 * Redis that is killed leaves recording going on in memory, logged once, written when Redis is back.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Frame } from './frame.js';
import type { Logger } from './plugin.js';
import { RecordStore } from './record-store.js';
import { SERVICES, needService } from '../test/support/services.js';
import { usePrivateRedis } from '../test/support/private-redis.js';
import { until } from '../test/support/served-cli.js';
import { deleteUnder } from '../test/support/redis-scratch.js';

/** A logger that keeps its warnings and infos. */
function keptLogger(): { logger: Logger; warnings: string[]; infos: string[] } {
  const warnings: string[] = [];
  const infos: string[] = [];
  const none = () => undefined;
  const logger = {
    trace: none,
    debug: none,
    info: (_fields: unknown, message: string) => infos.push(message),
    warn: (_fields: unknown, message: string) => warnings.push(message),
    error: (_fields: unknown, message: string) => warnings.push(message),
    fatal: none,
    child: () => logger,
  } as unknown as Logger;
  return { logger, warnings, infos };
}

/** `n` points a `step` ms apart from `from`, with values from `first` on. */
const rows = (from: number, n: number, step: number, first = 0): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: Array.from({ length: n }, (_, i) => from + i * step) },
    { name: 'v', type: 'number', values: Array.from({ length: n }, (_, i) => first + i) },
  ],
});

const MINUTE = 60_000;

describe('RecordStore with Redis', function () {
  this.timeout(30_000);
  let admin: Redis;
  let prefix: string;
  let dir: string;
  const stores: RecordStore[] = [];
  const storeOn = (url: string, logger: Logger, maxBytes?: number) => {
    const store = new RecordStore({ dir, logger, redis: { url, prefix }, ...(maxBytes === undefined ? {} : { maxBytes }) });
    stores.push(store);
    return store;
  };

  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  beforeEach(() => {
    prefix = `rtdash-test:${randomUUID()}`;
    dir = mkdtempSync(join(tmpdir(), 'rtdash-records-'));
  });
  afterEach(async () => {
    await Promise.allSettled(stores.splice(0).map((s) => s.close()));
    await deleteUnder(admin, prefix);
    rmSync(dir, { recursive: true, force: true });
  });
  after(() => admin?.disconnect());

  it('writes the points to a sorted set by time, and another store on the same prefix serves a range with them', async () => {
    const now = Date.now();
    const first = storeOn(SERVICES.redis.url, keptLogger().logger);
    first.open('s', 'widget x', 60 * MINUTE, 1000);
    await first.settled();
    first.append('s', rows(now - 10 * MINUTE, 600, 1000), now); // 10 minutes, one point a second
    first.flush();
    await first.settled();
    const key = first.redisKey('s')!;
    expect(key).to.equal(`${prefix}:records:s`);
    expect(await admin.zcard(key)).to.equal(600);
    // A range is a score range: what a reader of the set gets for the last minute.
    expect(await admin.zcount(key, now - MINUTE, now)).to.equal(60);
    await first.close();

    const second = storeOn(SERVICES.redis.url, keptLogger().logger);
    second.open('s', 'widget x', 60 * MINUTE, 1000);
    await second.settled();
    const raw = second.read('s', now - 5 * MINUTE, now)!;
    expect(raw.fields[0]!.values).to.have.length(5 * 60 - 1); // (from, to]: the last point is at now - 1 s
    expect(raw.fields[1]!.values.at(-1)).to.equal(599);
    const bucketed = second.read('s', now - 10 * MINUTE - 1, now, 60)!;
    expect(bucketed.fields[0]!.values.length).to.be.within(10, 11);
    // New points follow on after the loaded ones, and go to the same set.
    second.append('s', rows(now, 5, 1000, 600), now + 5000);
    second.flush();
    await second.settled();
    expect(await admin.zcard(key)).to.equal(605);
    expect(JSON.parse((await admin.zrange(key, '-1', '-1'))[0]!)).to.deep.equal([now + 4000, 604]);
  });

  it('writes and loads a day at one point a second in batches and pages', async () => {
    const now = Date.now();
    const first = storeOn(SERVICES.redis.url, keptLogger().logger);
    first.open('day', 'widget day', 25 * 60 * MINUTE, 1000);
    await first.settled();
    first.append('day', rows(now - 86_400_000 + 1000, 86_400, 1000), now);
    first.flush();
    await first.settled();
    expect(await admin.zcard(first.redisKey('day')!)).to.equal(86_400);
    const second = storeOn(SERVICES.redis.url, keptLogger().logger);
    second.open('day', 'widget day', 25 * 60 * MINUTE, 1000);
    await second.ready('day');
    expect(second.size('day').rows).to.equal(86_400);
    expect(second.read('day', now - 3000, now)!.fields[1]!.values).to.deep.equal([86_397, 86_398, 86_399]);
  });

  it('keeps in Redis only the points of the record duration, and no more than the series\' share of the byte cap', async () => {
    const now = Date.now();
    const store = storeOn(SERVICES.redis.url, keptLogger().logger);
    store.open('short', 'widget short', 5 * MINUTE, 1000);
    await store.settled();
    store.append('short', rows(now - 5 * MINUTE - 30_000, 30, 1000), now - 5 * MINUTE); // too old by the next write
    store.flush();
    await store.settled();
    store.append('short', rows(now - MINUTE, 60, 1000), now);
    store.flush();
    await store.settled();
    const key = store.redisKey('short')!;
    const scores = (await admin.zrange(key, '0', '-1', 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
    expect(scores).to.have.length(60);
    expect(Math.min(...scores)).to.be.at.least(now - 5 * MINUTE);
    const ttl = await admin.pttl(key);
    expect(ttl).to.be.within(4 * MINUTE, 5 * MINUTE); // a series nobody writes any more goes away after its duration

    const capped = storeOn(SERVICES.redis.url, keptLogger().logger, 24 * 100); // 100 points of 24 bytes
    capped.open('c', 'widget c', 60 * MINUTE, 1000);
    await capped.settled();
    capped.append('c', rows(now - 1000 * 1000, 1000, 1000), now);
    capped.flush();
    await capped.settled();
    const held = capped.size('c').rows;
    expect(held).to.be.within(90, 100);
    expect(await admin.zcard(capped.redisKey('c')!)).to.equal(held);
  });

  it('lets one store at a time write a series, so two instances never interleave their points', async () => {
    const now = Date.now();
    const a = storeOn(SERVICES.redis.url, keptLogger().logger);
    const b = storeOn(SERVICES.redis.url, keptLogger().logger);
    for (const s of [a, b]) s.open('s', 'widget x', 60 * MINUTE, 1000);
    await Promise.all([a.settled(), b.settled()]);
    a.append('s', rows(now - 10_000, 10, 1000, 0), now);
    b.append('s', rows(now - 9_500, 10, 1000, 100), now);
    a.flush();
    await a.settled();
    b.flush();
    await b.settled();
    const key = a.redisKey('s')!;
    const values = (await admin.zrange(key, '0', '-1')).map((m) => (JSON.parse(m) as number[])[1]);
    expect(values).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // When the writer stops, the other takes over with its points newer than the newest there (109 at now - 500 ms).
    await a.close();
    b.append('s', rows(now + 500, 3, 1000, 110), now + 3000);
    b.flush();
    await b.settled();
    const after = (await admin.zrange(key, '0', '-1')).map((m) => (JSON.parse(m) as number[])[1]);
    expect(after).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 109, 110, 111, 112]);
  });

  describe('when Redis goes away', () => {
    const redis = usePrivateRedis();

    it('keeps recording in memory, says so once, and writes what it holds when Redis is back', async () => {
      const { logger, warnings, infos } = keptLogger();
      const store = storeOn(redis().url, logger);
      const now = Date.now();
      store.open('s', 'widget x', 60 * MINUTE, 1000);
      await store.settled();
      store.append('s', rows(now - 60_000, 10, 1000), now);
      store.flush();
      await store.settled();
      const key = store.redisKey('s')!;
      const direct = new Redis(redis().url, { lazyConnect: true, retryStrategy: () => 200 });
      direct.on('error', () => undefined);
      try {
        await direct.connect();
        expect(await direct.zcard(key)).to.equal(10);

        await redis().kill();
        for (let i = 1; i <= 5; i++) {
          store.append('s', rows(now - 50_000 + i * 1000, 1, 1000, 100 + i), now);
          store.flush();
          await store.settled();
        }
        expect(warnings.filter((w) => w.includes('cluster.redis is unreachable'))).to.have.length(1);
        expect(store.read('s', now - 61_000, now)!.fields[0]!.values).to.have.length(15); // viewers still get every point

        await redis().start(); // an empty Redis: this private one saves nothing
        await direct.ping();
        await until('the points written to the Redis that is back', async () => {
          store.flush(); // the store's connection comes back on its own retry schedule
          await store.settled();
          return (await direct.zcard(key)) === 15;
        });
        expect(infos.some((m) => m.includes('answers again'))).to.equal(true);
        const values = (await direct.zrange(key, '0', '-1')).map((m) => (JSON.parse(m) as number[])[1]);
        expect(values).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 101, 102, 103, 104, 105]);
      } finally {
        direct.disconnect();
      }
    });

    it('starts with Redis away, records in memory, and loads and writes once Redis answers', async () => {
      await redis().kill();
      const { logger, warnings } = keptLogger();
      const store = storeOn(redis().url, logger);
      const now = Date.now();
      store.open('s', 'widget x', 60 * MINUTE, 1000);
      await store.ready('s'); // a viewer's first read does not wait for Redis longer than its command timeout
      store.append('s', rows(now - 10_000, 10, 1000), now);
      store.flush();
      await store.settled();
      expect(warnings.filter((w) => w.includes('cluster.redis is unreachable'))).to.have.length(1);
      expect(store.read('s', now - 11_000, now)!.fields[0]!.values).to.have.length(10);

      await redis().start();
      const direct = new Redis(redis().url);
      try {
        const key = store.redisKey('s')!;
        await direct.zadd(key, now - 20_000, JSON.stringify([now - 20_000, 42])); // what another instance wrote meanwhile
        await direct.set(`${key}:header`, JSON.stringify({ fields: [{ name: 'time', type: 'time' }, { name: 'v', type: 'number' }] }));
        await until('the points written to the Redis that is back', async () => {
          store.flush();
          await store.settled();
          return (await direct.zcard(key)) === 11;
        });
        expect(store.read('s', now - 21_000, now)!.fields[1]!.values).to.deep.equal([42, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      } finally {
        direct.disconnect();
      }
    });
  });
});

