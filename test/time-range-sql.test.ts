/**
 * Time ranges against real PostgreSQL and MariaDB over 7 days of generated rows (docs/time.md): the bucketed
 * queries as documented, run by the server for a WebSocket viewer's range, match a direct query computed
 * another way; :from/:to reach the database as timestamps and :bucket as a number; a fixed range runs once;
 * and 100 viewers of one range cause one query per tick, counted by the database itself.
 */
import { expect } from 'chai';
import { SERVICES, needService } from './support/services.js';
import { connect, type Message, type TestClient } from './support/ws-client.js';
import { sleep, startTestServer, until, type TestServer } from './support/test-server.js';
import { adminQuery } from '../plugins/postgres/test-support.js';
import { admin as mysqlAdmin } from '../plugins/mysql/test-helpers.js';

type Entry = { w: string; status: string; error?: unknown; frame?: { fields: { name: string; values: number[] }[] } };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PG = `rtdash_range_${process.pid}`;
const MY = `rtdash_range_${process.pid}`;

/** The documented bucketed queries (docs/time.md), on this run's own tables. */
const PG_QUERY = `SELECT date_bin(make_interval(secs => :bucket), t, 'epoch') AS time, avg(v) AS value
FROM ${PG}.events WHERE t >= :from AND t < :to GROUP BY 1 ORDER BY 1`;
const MY_QUERY = `SELECT FROM_UNIXTIME(FLOOR(UNIX_TIMESTAMP(t) / :bucket) * :bucket) AS time, AVG(v) AS value
FROM ${MY} WHERE t >= :from AND t < :to GROUP BY 1 ORDER BY 1`;
/** Notes each run in the database (the bound values and when), then answers like the documented query. */
const PG_COUNTED = `WITH noted AS MATERIALIZED (SELECT ${PG}.note_query(:from, :to, :bucket) AS n)
SELECT date_bin(make_interval(secs => :bucket), t, 'epoch') AS time, count(*) AS value
FROM ${PG}.events, noted WHERE t >= :from AND t < :to GROUP BY 1 ORDER BY 1`;

/** A stat of how many rows the viewer's range holds: every run must count over the whole range, not since the last run. */
const STAT_DASHBOARD = `id: pgstat
title: In range
time: { default: 24h }
widgets:
  - id: inrange
    title: Rows in range
    type: stat
    source: pg
    every: 300ms
    query: "SELECT now() AS time, count(*)::int AS n FROM ${PG}.events WHERE t >= :from AND t < :to"
`;

const dashboard = (id: string, widgets: Record<string, [string, string]>, every = '500ms') =>
  [
    `id: ${id}`,
    `title: ${id}`,
    'time: { default: 24h, max: 30d, max_points: 600 }',
    'widgets:',
    ...Object.entries(widgets).map(([w, [source, sql]]) => `  - { id: ${w}, title: ${w}, type: line, source: ${source}, every: ${every}, keep: 10, query: ${JSON.stringify(sql)} }`),
  ].join('\n') + '\n';

/** The first state of widget `w` with data (or an error), from snapshots and updates. */
async function firstData(c: TestClient, w: string, timeoutMs = 10_000): Promise<Entry> {
  const found = (): Entry | undefined =>
    c.messages
      .filter((x: Message) => x.type === 'snapshot' || x.type === 'update')
      .flatMap(entries)
      .find((e) => e.w === w && (e.status === 'error' || (e.frame?.fields[0]?.values.length ?? 0) > 0));
  await until(() => found() !== undefined, timeoutMs, `data for ${w}`);
  const entry = found()!;
  expect(entry.status, JSON.stringify(entry.error)).to.equal('ok');
  return entry;
}
const entries = (m: Message) => ((m.widgets ?? m.updates) as Entry[]);
const column = (e: Entry, name: string) => e.frame!.fields.find((f) => f.name === name)!.values;

/** A fixed 7-day range ending at the last full hour: the same rows whichever moment the test runs. */
function sevenDays(): { fromMs: number; toMs: number } {
  const toMs = Math.floor(Date.now() / HOUR) * HOUR;
  return { fromMs: toMs - 7 * DAY, toMs };
}

describe('time ranges on real SQL databases', function () {
  this.timeout(60_000);

  describe('PostgreSQL', () => {
    let t: TestServer;
    before(async function () {
      await needService(this, 'postgres');
      await adminQuery(`DROP SCHEMA IF EXISTS ${PG} CASCADE`);
      await adminQuery(`CREATE SCHEMA ${PG}`);
      await adminQuery(`CREATE TABLE ${PG}.events (t timestamptz NOT NULL, v double precision NOT NULL)`);
      // One row a minute over the last 7 days and a bit, values varying with the minute.
      await adminQuery(`INSERT INTO ${PG}.events SELECT g, (extract(epoch FROM g)::bigint / 60) % 101 + 0.25
        FROM generate_series(date_trunc('minute', now()) - interval '7 days 2 hours', date_trunc('minute', now()), interval '1 minute') AS g`);
      await adminQuery(`CREATE TABLE ${PG}.calls (f timestamptz, t timestamptz, b double precision, at timestamptz DEFAULT clock_timestamp())`);
      await adminQuery(`CREATE FUNCTION ${PG}.note_query(f timestamptz, t timestamptz, b double precision) RETURNS int LANGUAGE sql VOLATILE
        AS $$ INSERT INTO ${PG}.calls (f, t, b) VALUES (f, t, b) RETURNING 1 $$`);
      t = await startTestServer(
        { 'pg.yaml': dashboard('pg', { chart: ['pg', PG_QUERY], counted: ['pg', PG_COUNTED] }), 'pgstat.yaml': STAT_DASHBOARD },
        {},
        false,
        { datasources: [{ name: 'pg', type: 'postgres', options: { url: SERVICES.postgres.url, application_name: 'rtdash-range-test' } }] },
      );
    });
    after(async () => {
      await t?.stop();
      await adminQuery(`DROP SCHEMA IF EXISTS ${PG} CASCADE`).catch(() => undefined);
    });

    it('buckets 7 days by the hour as a direct query does, and runs the fixed range once with typed parameters', async () => {
      const { fromMs, toMs } = sevenDays();
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'pg', range: { from: new Date(fromMs).toISOString(), to: toMs } });
      const snap = await c.nextOf('snapshot');
      expect(snap.range).to.include({ live: false, fromMs, toMs, bucket: 3600 });
      const chart = await firstData(c, 'chart');
      const direct = await adminQuery<{ s: number; avg: number }>(
        `SELECT (floor(extract(epoch FROM t) / 3600) * 3600)::float8 AS s, avg(v)::float8 AS avg FROM ${PG}.events WHERE t >= $1 AND t < $2 GROUP BY 1 ORDER BY 1`,
        [new Date(fromMs), new Date(toMs)],
      );
      expect(direct).to.have.length(168);
      // keep: 10 does not cut a range widget: the whole window is there.
      expect(column(chart, 'time')).to.deep.equal(direct.map((r) => r.s * 1000));
      column(chart, 'value').forEach((v, i) => expect(v).to.be.closeTo(direct[i]!.avg, 1e-9));
      await firstData(c, 'counted');
      await sleep(1500); // three intervals of the widget
      const noted = await adminQuery<{ f: Date; t: Date; b: number }>(`SELECT f, t, b FROM ${PG}.calls WHERE t = $1`, [new Date(toMs)]);
      expect(noted).to.have.length(1);
      expect(noted[0]!.f.getTime()).to.equal(fromMs);
      expect(noted[0]!.b).to.equal(3600);
      await c.close();
    });

    it('has 100 viewers of one relative range cause one query per tick, sliding, counted in the database', async () => {
      const clients = await Promise.all(Array.from({ length: 100 }, () => connect(t.wsUrl)));
      for (const c of clients) c.send({ type: 'subscribe', dashboard: 'pg', range: { from: 'now-24h', to: 'now' } });
      await Promise.all(clients.map((c) => c.nextOf('snapshot')));
      await Promise.all(clients.map((c) => firstData(c, 'counted')));
      const day = "t - f = interval '24 hours'";
      const [{ n: before }] = (await adminQuery<{ n: string }>(`SELECT count(*) AS n FROM ${PG}.calls WHERE ${day}`)) as [{ n: string }];
      const started = Date.now();
      await sleep(2600);
      const ticks = (Date.now() - started) / 500;
      const rows = await adminQuery<{ f: Date; b: number }>(`SELECT f, b FROM ${PG}.calls WHERE ${day} ORDER BY at`);
      const during = rows.length - Number(before);
      expect(during, `${during} queries in ${ticks.toFixed(1)} ticks`).to.be.at.least(Math.floor(ticks) - 2).and.at.most(Math.ceil(ticks) + 1);
      // Re-resolved at each run: the start moves forward, the bucket stays 5 minutes for 24 hours.
      const starts = rows.map((r) => r.f.getTime());
      for (let i = 1; i < starts.length; i++) expect(starts[i]).to.be.greaterThan(starts[i - 1]!);
      expect(new Set(rows.map((r) => r.b))).to.deep.equal(new Set([300]));
      await Promise.all(clients.map((c) => c.close()));
    });

    it('gives a stat whose query uses :from and :to the viewer\'s whole range on every run, not only since the last one', async () => {
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'pgstat', range: { from: 'now-24h', to: 'now' } });
      await c.nextOf('snapshot');
      const counts = () =>
        c.messages
          .filter((m) => m.type === 'update')
          .flatMap(entries)
          .filter((e) => e.w === 'inrange' && e.frame !== undefined)
          .map((e) => e.frame!.fields.find((f) => f.name === 'n')!.values.at(-1)!);
      await until(() => counts().length >= 4, 10_000, 'four runs of the stat');
      // One row a minute: about 1,440 in 24 hours, on every run.
      for (const n of counts()) expect(n).to.be.within(1400, 1450);
      await c.close();
    });
  });

  describe('MariaDB', () => {
    let t: TestServer;
    before(async function () {
      await needService(this, 'mysql');
      await mysqlAdmin(`DROP TABLE IF EXISTS ${MY}`);
      await mysqlAdmin(`CREATE TABLE ${MY} (t DATETIME NOT NULL, v DOUBLE NOT NULL, KEY (t))`);
      // Written as UTC text: the source reads with time_zone +00:00 (its default timezone: Z).
      const end = Math.floor(Date.now() / 60_000) * 60_000;
      const rows: [string, number][] = [];
      for (let ms = end - 7 * DAY - 2 * HOUR; ms <= end; ms += 60_000) rows.push([new Date(ms).toISOString().slice(0, 19).replace('T', ' '), ((ms / 60_000) % 101) + 0.25]);
      for (let i = 0; i < rows.length; i += 2000) await mysqlAdmin(`INSERT INTO ${MY} (t, v) VALUES ?`, [rows.slice(i, i + 2000)]);
      t = await startTestServer({ 'my.yaml': dashboard('my', { chart: ['my', MY_QUERY] }) }, {}, false, {
        datasources: [{ name: 'my', type: 'mysql', options: { url: SERVICES.mysql.url } }],
      });
    });
    after(async () => {
      await t?.stop();
      await mysqlAdmin(`DROP TABLE IF EXISTS ${MY}`).catch(() => undefined);
    });

    it('buckets 7 days by the hour as a direct query does', async () => {
      const { fromMs, toMs } = sevenDays();
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'my', range: { from: fromMs, to: new Date(toMs).toISOString() } });
      expect((await c.nextOf('snapshot')).range).to.include({ live: false, bucket: 3600 });
      const chart = await firstData(c, 'chart');
      const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
      // Computed without time zones or the documented functions: seconds since 1970 of the DATETIME, floored to the hour.
      const direct = await mysqlAdmin(
        `SELECT FLOOR(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', t) / 3600) * 3600 AS s, AVG(v) AS avg FROM ${MY} WHERE t >= ? AND t < ? GROUP BY 1 ORDER BY 1`,
        [utc(fromMs), utc(toMs)],
      );
      expect(direct).to.have.length(168);
      expect(column(chart, 'time')).to.deep.equal(direct.map((r) => Number(r.s) * 1000));
      column(chart, 'value').forEach((v, i) => expect(v).to.be.closeTo(Number(direct[i]!.avg), 1e-9));
      await c.close();
    });

    it('answers a relative range with buckets of its size', async () => {
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'my', range: { from: 'now-6h', to: 'now' } });
      expect((await c.nextOf('snapshot')).range).to.include({ live: true, bucket: 60 });
      const chart = await firstData(c, 'chart');
      const times = column(chart, 'time');
      expect(times.length).to.be.within(359, 361);
      for (const time of times) expect(time % 60_000).to.equal(0);
      await c.close();
    });
  });
});
