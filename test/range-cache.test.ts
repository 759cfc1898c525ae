/**
 * The fixed-range cache and downsampling (docs/time.md, "Caching" and "Downsampling"), on real servers: a
 * WebSocket viewer of a range that has ended, a real PostgreSQL that notes every query it runs in a table,
 * and the shared Redis under a key prefix of this run's own. A later viewer of the same range gets it
 * without a query, from this server's memory or from another server through Redis; a failed result is not
 * kept, nor one over the byte bound; Redis being away leaves the memory cache working, logged once; and a
 * source answering more rows than max_points reaches viewers cut down, a one-point spike still there.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import type { Logger } from '../core/plugin.js';
import { SERVICES, needService } from './support/services.js';
import { connect, type Message, type TestClient } from './support/ws-client.js';
import { sleep, startTestServer, until, type TestConfig, type TestServer } from './support/test-server.js';
import { metric } from './support/server-metrics.js';
import { adminQuery } from '../plugins/postgres/test-support.js';

type Frame = { fields: { name: string; values: (number | null)[] }[]; meta?: { downsampled?: { from: number; to: number; method: string } } };
type Entry = { w: string; status: string; error?: { code: string }; frame?: Frame };

const HOUR = 3_600_000;
const PG = `rtdash_rcache_${process.pid}`;
/** Notes each run in the database, then answers hourly counts: what a viewer sees and how many queries ran. */
const COUNTED = `WITH noted AS MATERIALIZED (SELECT ${PG}.note_query(:from, :to) AS n)
SELECT date_bin(make_interval(secs => :bucket), t, 'epoch') AS time, count(*) AS value
FROM ${PG}.events, noted WHERE t >= :from AND t < :to AND ${PG}.maybe_fail() GROUP BY 1 ORDER BY 1`;
/** Every raw row of the range, one a second: more than max_points. */
const RAW = `SELECT t AS time, v AS value FROM ${PG}.raw WHERE t >= :from AND t < :to ORDER BY t`;

const dashboard = (id: string) =>
  [
    `id: ${id}`,
    `title: ${id}`,
    'time: { default: 24h, max: 30d, max_points: 600 }',
    'widgets:',
    `  - { id: counted, title: Counted, type: line, source: pg, every: 500ms, query: ${JSON.stringify(COUNTED)} }`,
    `  - { id: raw, title: Raw, type: line, source: pg, every: 500ms, query: ${JSON.stringify(RAW)} }`,
  ].join('\n') + '\n';

const entries = (m: Message) => ((m.widgets ?? m.updates ?? []) as Entry[]);

/** The first state of widget `w` with data or an error, from snapshots and updates. */
async function firstState(c: TestClient, w: string, timeoutMs = 10_000): Promise<Entry> {
  const found = (): Entry | undefined =>
    c.messages
      .filter((x) => x.type === 'snapshot' || x.type === 'update')
      .flatMap(entries)
      .find((e) => e.w === w && (e.status === 'error' || (e.frame?.fields[0]?.values.length ?? 0) > 0));
  await until(() => found() !== undefined, timeoutMs, `data for ${w}`);
  return found()!;
}

/** A viewer of `range` on `t` until widget `w` has its first state; then it leaves. */
async function view(t: TestServer, range: { from: number; to: number }, w = 'counted'): Promise<Entry> {
  const c = await connect(t.wsUrl);
  try {
    c.send({ type: 'subscribe', dashboard: 'pg', range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() } });
    await c.nextOf('snapshot');
    return await firstState(c, w);
  } finally {
    await c.close();
  }
}

/** Queries the database ran for ranges ending at `toMs`. */
async function queriesFor(toMs: number): Promise<number> {
  const [row] = await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${PG}.calls WHERE t = $1`, [new Date(toMs)]);
  return Number(row!.n);
}

/** A range of `hours` hours that ended a whole number of hours ago, different for each `n`. */
function pastRange(n: number, hours = 2): { from: number; to: number } {
  const to = Math.floor(Date.now() / HOUR) * HOUR - n * HOUR;
  return { from: to - hours * HOUR, to };
}

const serverWith = (overrides: TestConfig = {}) =>
  startTestServer({ 'pg.yaml': dashboard('pg') }, {}, false, {
    datasources: [{ name: 'pg', type: 'postgres', options: { url: SERVICES.postgres.url, application_name: 'rtdash-range-cache-test' } }],
    ...overrides,
  });

/** A logger that keeps its warnings. */
function keepingLogger(warnings: string[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (obj, msg) => void warnings.push(typeof obj === 'string' ? obj : (msg ?? '')),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

describe('the fixed-range cache and downsampling', function () {
  this.timeout(60_000);
  const servers: TestServer[] = [];

  before(async function () {
    await needService(this, 'postgres');
    await adminQuery(`DROP SCHEMA IF EXISTS ${PG} CASCADE`);
    await adminQuery(`CREATE SCHEMA ${PG}`);
    await adminQuery(`CREATE TABLE ${PG}.events (t timestamptz NOT NULL)`);
    await adminQuery(`INSERT INTO ${PG}.events SELECT g FROM generate_series(date_trunc('hour', now()) - interval '2 days', now(), interval '1 minute') AS g`);
    await adminQuery(`CREATE TABLE ${PG}.calls (f timestamptz, t timestamptz, at timestamptz DEFAULT clock_timestamp())`);
    await adminQuery(`CREATE FUNCTION ${PG}.note_query(f timestamptz, t timestamptz) RETURNS int LANGUAGE sql VOLATILE
      AS $$ INSERT INTO ${PG}.calls (f, t) VALUES (f, t) RETURNING 1 $$`);
    // A switch the test flips: while on, the query fails.
    await adminQuery(`CREATE TABLE ${PG}.failing (on_ boolean NOT NULL)`);
    await adminQuery(`INSERT INTO ${PG}.failing VALUES (false)`);
    await adminQuery(`CREATE FUNCTION ${PG}.maybe_fail() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN IF (SELECT on_ FROM ${PG}.failing) THEN RAISE EXCEPTION 'switched to fail'; END IF; RETURN true; END $$`);
    // One row a second over two hours, all 1 but for one spike of 1000 at 01:00:01 into the range.
    await adminQuery(`CREATE TABLE ${PG}.raw (t timestamptz NOT NULL, v double precision NOT NULL)`);
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  after(async () => {
    await adminQuery(`DROP SCHEMA IF EXISTS ${PG} CASCADE`).catch(() => undefined);
  });

  it('runs a fixed range once: a later viewer gets the same frame from memory without a query, counted in /metrics', async () => {
    const t = await serverWith();
    servers.push(t);
    const range = pastRange(3);
    const first = await view(t, range);
    expect(first.status).to.equal('ok');
    await until(() => t.server.scheduler.size === 0, 5000, 'the fixed-range jobs to end with their viewer');
    const second = await view(t, range);
    expect(second.frame).to.deep.equal(first.frame);
    expect(await queriesFor(range.to)).to.equal(1);
    expect(await metric(t.server.url, 'rtdash_range_cache_hits_total{tier="memory"}')).to.be.at.least(1);
    expect(await metric(t.server.url, 'rtdash_range_cache_misses_total')).to.be.at.least(1);
    expect(await metric(t.server.url, 'rtdash_range_cache_bytes')).to.be.greaterThan(0);
  });

  it('does not keep a failed result: the next viewer runs the query, and its good result is the one kept', async () => {
    const t = await serverWith();
    servers.push(t);
    const range = pastRange(5);
    await adminQuery(`UPDATE ${PG}.failing SET on_ = true`);
    try {
      const failed = await view(t, range);
      expect(failed.status).to.equal('error');
    } finally {
      await adminQuery(`UPDATE ${PG}.failing SET on_ = false`);
    }
    await until(() => t.server.scheduler.size === 0, 5000, 'the jobs to end');
    const good = await view(t, range);
    expect(good.status).to.equal('ok');
    expect(await queriesFor(range.to)).to.equal(1); // the failed run's note was rolled back with it
    await until(() => t.server.scheduler.size === 0, 5000, 'the jobs to end');
    expect((await view(t, range)).frame).to.deep.equal(good.frame);
    expect(await queriesFor(range.to)).to.equal(1);
  });

  it('does not keep a result larger than cache.range_max_bytes', async () => {
    const t = await serverWith({ cache: { rangeMaxBytes: 64 } });
    servers.push(t);
    const range = pastRange(7);
    await view(t, range);
    await until(() => t.server.scheduler.size === 0, 5000, 'the jobs to end');
    await view(t, range);
    expect(await queriesFor(range.to)).to.equal(2);
    expect(await metric(t.server.url, 'rtdash_range_cache_not_stored_total{reason="too_large"}')).to.be.at.least(2);
    expect(await metric(t.server.url, 'rtdash_range_cache_bytes')).to.equal(0);
  });

  it('keeps working in memory when cluster.redis is unreachable, and says so once', async () => {
    const warnings: string[] = [];
    // Port 1 on loopback: nothing listens there, so every connection is refused.
    const t = await serverWith({ cluster: { redis: 'redis://127.0.0.1:1', prefix: `rtdash-test:${randomUUID()}` }, logger: keepingLogger(warnings) });
    servers.push(t);
    const range = pastRange(9);
    const first = await view(t, range);
    await until(() => t.server.scheduler.size === 0, 5000, 'the jobs to end');
    const second = await view(t, range);
    expect(second.frame).to.deep.equal(first.frame);
    expect(await queriesFor(range.to)).to.equal(1);
    expect(warnings.filter((w) => w.includes('time-range cache'))).to.have.length(1);
  });

  describe('shared through Redis', () => {
    const prefix = `rtdash-test:${randomUUID()}`;
    let admin: Redis | undefined;
    before(async function () {
      await needService(this, 'redis');
      admin = new Redis(SERVICES.redis.url);
    });
    after(async () => {
      if (admin === undefined) return;
      // Only this run's keys: those under its own prefix.
      const keys = await admin.keys(`${prefix}:*`);
      if (keys.length > 0) await admin.del(...keys);
      admin.disconnect();
    });

    it('serves a range one instance ran to a viewer of another instance without a query', async () => {
      const cluster = { redis: SERVICES.redis.url, prefix };
      const a = await serverWith({ cluster });
      servers.push(a);
      const b = await serverWith({ cluster });
      servers.push(b);
      const range = pastRange(11);
      const onA = await view(a, range);
      expect(onA.status).to.equal('ok');
      await until(() => a.server.scheduler.size === 0, 5000, 'the jobs to end');
      // One entry per widget; the viewer left after its first widget's data, so the other's may land a moment later.
      const deadline = Date.now() + 5000;
      while ((await admin!.keys(`${prefix}:range-cache:*`)).length < 2 && Date.now() < deadline) await sleep(20);
      expect(await admin!.keys(`${prefix}:range-cache:*`)).to.have.length(2);
      const onB = await view(b, range);
      expect(onB.frame).to.deep.equal(onA.frame);
      expect(await queriesFor(range.to)).to.equal(1);
      expect(await metric(b.server.url, 'rtdash_range_cache_hits_total{tier="redis"}')).to.be.at.least(1);
      const ttl = await admin!.pttl((await admin!.keys(`${prefix}:range-cache:*`))[0]!);
      expect(ttl).to.be.greaterThan(0).and.at.most(86_400_000);
    });

    it('runs the query when what Redis holds under a key is not a frame', async () => {
      const cluster = { redis: SERVICES.redis.url, prefix };
      const a = await serverWith({ cluster });
      servers.push(a);
      const range = pastRange(15);
      await view(a, range);
      await a.stop();
      servers.splice(servers.indexOf(a), 1);
      const keys = await admin!.keys(`${prefix}:range-cache:*`);
      expect(keys.length).to.be.at.least(1);
      for (const key of keys) await admin!.set(key, '{"not":"a frame"', 'PX', 60_000);
      const b = await serverWith({ cluster });
      servers.push(b);
      const onB = await view(b, range);
      expect(onB.status).to.equal('ok');
      expect(await queriesFor(range.to)).to.equal(2);
    });
  });

  it('downsamples a source answering more rows than max_points by min/max per bucket, keeping a one-point spike, and says so', async () => {
    const t = await serverWith();
    servers.push(t);
    const range = pastRange(13);
    const spike = range.from + HOUR + 1000;
    await adminQuery(`INSERT INTO ${PG}.raw SELECT g, CASE WHEN g = $3 THEN 1000 ELSE 1 END FROM generate_series($1::timestamptz, $2::timestamptz - interval '1 second', interval '1 second') AS g`, [
      new Date(range.from),
      new Date(range.to),
      new Date(spike),
    ]);
    const raw = await view(t, range, 'raw');
    expect(raw.status).to.equal('ok');
    const [time, value] = raw.frame!.fields as unknown as [{ values: number[] }, { values: number[] }];
    expect(time.values.length).to.be.at.most(600).and.at.least(2);
    expect(raw.frame!.meta?.downsampled).to.deep.equal({ from: 7200, to: time.values.length, method: 'minmax' });
    const at = time.values.indexOf(spike);
    expect(at, 'the spike\'s time is kept').to.be.at.least(0);
    expect(value.values[at]).to.equal(1000);
    expect(Math.max(...value.values)).to.equal(1000);
    // In time order, as the source gave them.
    expect([...time.values].sort((x, y) => x - y)).to.deep.equal(time.values);
    // A later viewer gets the same downsampled frame from the cache.
    await until(() => t.server.scheduler.size === 0, 5000, 'the jobs to end');
    const again = await view(t, range, 'raw');
    expect(again.frame).to.deep.equal(raw.frame);
  });
});
