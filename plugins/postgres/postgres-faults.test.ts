/**
 * The postgres plugin when things go wrong: time-outs cancelled on the server, a full pool, connections killed
 * under it, a server that is not there yet, a restart, and close() with work in flight. Every wait is bounded.
 */
import { SERVICES } from '../../test/support/services.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { expect } from 'chai';
import type { Client } from 'pg';
import type { DataSource, Frame } from '../../core/plugin.js';
import { needService } from '../../test/support/services.js';
import { usePrivatePostgres } from '../../test/support/private-postgres.js';
import { fakePluginContext, fakeQueryContext } from '../conformance.js';
import plugin, { type PostgresOptions, type PostgresSource } from './index.js';
import {
  PG_URL,
  adminClient,
  adminQuery,
  capturingLogger,
  uniqueName,
  waitFor,
  type LogLine,
} from './test-support.js';

const open = async (options: Partial<PostgresOptions> = {}, lines: LogLine[] = []): Promise<PostgresSource> =>
  (await plugin.create(fakePluginContext<PostgresOptions>({ url: PG_URL, ...options }, { name: 'shopdb', logger: capturingLogger(lines) }))) as PostgresSource;

/** Runs a query with a signal that aborts after `abortMs` (never, when left out) and settles with the frame or the error. */
async function attempt(source: DataSource<string>, sql: string, abortMs?: number): Promise<{ frame?: Frame; error?: Error; ms: number }> {
  const controller = new AbortController();
  const timer = abortMs === undefined ? undefined : setTimeout(() => controller.abort(new Error(`timed out after ${abortMs} ms`)), abortMs);
  const started = performance.now();
  try {
    const frame = await source.query(sql, fakeQueryContext({ signal: controller.signal }));
    return { frame, ms: performance.now() - started };
  } catch (error) {
    return { error: error as Error, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

// One admin connection for polling pg_stat_activity, so a poll takes a round trip, not a new connection.
let admin: Client | undefined;

async function count(sql: string, values: unknown[]): Promise<number> {
  admin ??= await adminClient();
  return (await admin.query<{ n: number }>(sql, values)).rows[0]?.n ?? 0;
}

/** Backends whose current or last statement contains `marker` (the admin's own query passes it as a parameter). */
function backendsRunning(marker: string, state?: 'active'): Promise<number> {
  return count(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR state = $2)',
    [`%${marker}%`, state ?? null],
  );
}

function backendsOf(app: string): Promise<number> {
  return count('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [app]);
}

/** NOTIFYs `channel` (on the shared server unless `url` says) until `check` holds (a LISTEN just (re)issued may not be in force yet). */
async function notifyUntil(channel: string, check: () => boolean, what: string, timeoutMs = 5000, url = PG_URL): Promise<void> {
  await waitFor(async () => {
    if (check()) return true;
    const admin = await adminClient(url);
    await admin.query(`NOTIFY ${channel}`).finally(() => admin.end());
    return false;
  }, timeoutMs, what);
}

describe('postgres faults', function () {
  this.timeout(60_000);
  before(async function () {
    await needService(this, 'postgres');
  });
  after(async () => {
    await admin?.end().catch(() => undefined);
    admin = undefined;
  });

  it('cancels a query that passes its time-out on the server too', async () => {
    const source = await open();
    try {
      const marker = uniqueName('rtdash_cancel');
      const running = attempt(source, `SELECT pg_sleep(5) AS ${marker}`, 300);
      await waitFor(async () => (await backendsRunning(marker, 'active')) === 1, 2000, 'the query to run on the server');
      const { error, ms } = await running;
      expect(error?.message).to.equal('timed out after 300 ms'); // the core's reason, unchanged
      expect(ms).to.be.below(1000);
      await waitFor(async () => (await backendsRunning(marker)) === 0, 1000, 'no backend left with the cancelled query');
      expect((await attempt(source, 'SELECT 1 AS one')).frame?.fields[0]?.values).to.deep.equal([1]);
    } finally {
      await source.close();
    }
  });

  it('keeps answering from another source while this pool is exhausted, and reports it degraded', async () => {
    const app = uniqueName('rtdash_full');
    const busy = await open({ pool_size: 2, application_name: app, connect_timeout: '10s' });
    const other = await open();
    try {
      const slow = [attempt(busy, 'SELECT pg_sleep(4) AS a'), attempt(busy, 'SELECT pg_sleep(4) AS b')];
      await waitFor(async () => (await backendsOf(app)) === 2, 3000, 'both connections busy');
      const waiting = await attempt(busy, 'SELECT 1', 300);
      expect(waiting.error?.message).to.equal('timed out after 300 ms');
      expect(waiting.ms).to.be.below(1000);
      const answered = await attempt(other, 'SELECT 1 AS one');
      expect(answered.frame?.fields[0]?.values).to.deep.equal([1]);
      expect(answered.ms).to.be.below(1000);
      expect(await busy.health(new AbortController().signal)).to.deep.equal({ status: 'degraded', message: 'postgres "shopdb": all 2 connections are busy with queries' });
      for (const done of await Promise.all(slow)) expect(done.error).to.equal(undefined);
      expect((await attempt(busy, 'SELECT 1 AS one')).frame?.fields[0]?.values).to.deep.equal([1]);
    } finally {
      await Promise.all([busy.close(), other.close()]);
    }
  });

  it('survives connections killed under it, idle or busy, and LISTEN comes back', async () => {
    const app = uniqueName('rtdash_killed');
    const lines: LogLine[] = [];
    const source = await open({ pool_size: 3, application_name: app }, lines);
    try {
      const changes: number[] = [];
      source.subscribe?.('killed_test', () => changes.push(1), { variables: {} });
      await notifyUntil('killed_test', () => changes.length > 0, 'the listener');
      await Promise.all([1, 2, 3].map((i) => attempt(source, `SELECT pg_sleep(0.1), ${i}`)));
      await waitFor(async () => (await backendsOf(app)) === 4, 2000, 'three pool connections and the listener');
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [app]);
      // Each of the three idle connections is dropped from the pool as its loss arrives; a query before that could pick one.
      const lost = (): number => lines.filter((l) => l.level === 'warn' && /an idle connection was lost/.test(l.msg)).length;
      await waitFor(() => lost() === 3, 2000, 'the pool to notice each lost connection');
      expect((await attempt(source, 'SELECT 1 AS one')).frame?.fields[0]?.values).to.deep.equal([1]);
      // A connection killed while its query runs fails that query only.
      const marker = uniqueName('rtdash_busy');
      const running = attempt(source, `SELECT pg_sleep(3) AS ${marker}`);
      await waitFor(async () => (await backendsRunning(marker, 'active')) === 1, 2000, 'the slow query to run');
      await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()', [`%${marker}%`]);
      expect((await running).error?.message).to.match(/^postgres "shopdb": terminating connection due to administrator command/);
      expect((await attempt(source, 'SELECT 2 AS two')).frame?.fields[0]?.values).to.deep.equal([2]);
      // The listener reconnects and re-runs once by itself (NOTIFYs may have been missed); then NOTIFY works again.
      await waitFor(() => lines.some((l) => l.level === 'info' && /listening again/.test(l.msg)), 5000, 'the listener to reconnect');
      const seen = changes.length;
      await notifyUntil('killed_test', () => changes.length > seen, 'LISTEN after the kill');
    } finally {
      await source.close();
    }
  });

  it('starts against a server that is not reachable yet, reports it, and works once it is', async () => {
    const proxy = await TcpProxy.onFreePort(SERVICES.postgres);
    const port = proxy.port;
    const source = await open({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, connect_timeout: '2s' });
    try {
      const refused = `postgres "shopdb": connect ECONNREFUSED 127.0.0.1:${port}`;
      expect((await attempt(source, 'SELECT 1')).error?.message).to.equal(refused);
      expect(await source.health(new AbortController().signal)).to.deep.equal({ status: 'down', message: refused });
      const changes: number[] = [];
      source.subscribe?.('late_test', () => changes.push(1), { variables: {} });
      await proxy.open();
      expect((await attempt(source, 'SELECT 1 AS one')).frame?.fields[0]?.values).to.deep.equal([1]);
      expect(await source.health(new AbortController().signal)).to.deep.equal({ status: 'ok' });
      await waitFor(() => source.listening, 5000, 'the listener to connect');
      await notifyUntil('late_test', () => changes.length > 0, 'LISTEN through the late server');
      // Cut again: the failure is reported, and the next query after reopening succeeds on the same source.
      await proxy.close();
      expect((await attempt(source, 'SELECT 1')).error?.message).to.match(/^postgres "shopdb": /);
      await proxy.open();
      expect((await attempt(source, 'SELECT 3 AS three')).frame?.fields[0]?.values).to.deep.equal([3]);
    } finally {
      await source.close();
      await proxy.close();
    }
  });

  it('cancels what still runs when closed, and close() may be called twice', async () => {
    const source = await open();
    const marker = uniqueName('rtdash_close');
    const running = attempt(source, `SELECT pg_sleep(10) AS ${marker}`);
    await waitFor(async () => (await backendsRunning(marker, 'active')) === 1, 2000, 'the query to run');
    const started = performance.now();
    await Promise.all([source.close(), source.close()]);
    expect(performance.now() - started).to.be.below(3000);
    expect((await running).error?.message).to.equal('postgres "shopdb" is closed');
    await waitFor(async () => (await backendsRunning(marker)) === 0, 1000, 'the backend to go');
  });

  describe('a PostgreSQL restart (a private cluster)', function () {
    const db = usePrivatePostgres();

    it('fails clearly during the outage and recovers without recreating the source; LISTEN resumes', async () => {
      const lines: LogLine[] = [];
      const source = await open({ url: db().url, connect_timeout: '2s' }, lines);
      const notify = (what: string, check: () => boolean, timeoutMs?: number) => notifyUntil('restart_test', check, what, timeoutMs, db().url);
      try {
        const changes: number[] = [];
        source.subscribe?.('restart_test', () => changes.push(1), { variables: {} });
        await notify('the listener', () => changes.length > 0);
        expect((await attempt(source, 'SELECT 1 AS one')).error).to.equal(undefined);
        await db().stop();
        const during = await attempt(source, 'SELECT 1');
        expect(during.error?.message).to.match(/^postgres "shopdb": .*(ECONNREFUSED|terminat|shut|closed|starting up)/i);
        expect((await source.health(new AbortController().signal)).status).to.equal('down');
        await db().start();
        const after = await attempt(source, 'SELECT 2 AS two');
        expect(after.error).to.equal(undefined);
        expect(after.frame?.fields[0]?.values).to.deep.equal([2]);
        await waitFor(() => lines.some((l) => l.level === 'info' && /listening again/.test(l.msg)), 10_000, 'the listener to reconnect');
        const seen = changes.length;
        await notify('LISTEN after the restart', () => changes.length > seen);
      } finally {
        await source.close();
      }
    });
  });
});
