import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { expect } from 'chai';
import type { Frame } from '../../core/plugin.js';
import { SERVICES, needService } from '../../test/support/services.js';
import { fakePluginContext, fakeQueryContext } from '../conformance.js';
import mysqlPlugin, { type MysqlOptions, type MysqlSource } from './index.js';
import { usePrivateMariadb } from '../../test/support/private-mariadb.js';
import { admin, closedPort, running, waitFor } from './test-helpers.js';

const OPTIONS: MysqlOptions = { url: SERVICES.mysql.url };
// The slow queries are found in the shared server's process list by this run's own marker.
const MARK = `rtdash_my_test_${process.pid}`;

async function open(options: Partial<MysqlOptions> = {}): Promise<MysqlSource> {
  return (await mysqlPlugin.create(fakePluginContext({ ...OPTIONS, ...options }))) as MysqlSource;
}

function abortAfter(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error(`cancelled after ${ms} ms`)), ms);
  return controller.signal;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function one(source: MysqlSource, sql: string, signal?: AbortSignal): Promise<unknown> {
  const frame: Frame = await source.query(sql, fakeQueryContext(signal ? { signal } : {}));
  return frame.fields[0]?.values[0];
}

describe('mysql plugin under faults (MariaDB)', function () {
  this.timeout(60_000);
  const sources: MysqlSource[] = [];
  const track = (s: MysqlSource): MysqlSource => (sources.push(s), s);

  before(async function () {
    await needService(this, 'mysql');
  });
  afterEach(async () => {
    await Promise.all(sources.splice(0).map((s) => s.close()));
  });

  it('kills a query on the server when its signal aborts', async () => {
    const source = track(await open());
    const started = Date.now();
    const err = await failure(source.query(`SELECT SLEEP(5) AS ${MARK}_sleep`, fakeQueryContext({ signal: abortAfter(300) })));
    expect(err.message).to.equal('cancelled after 300 ms');
    expect(Date.now() - started).to.be.below(1000);
    await waitFor('the killed query to leave the process list', async () => (await running(`${MARK}_sleep`)) === 0, 1000);
    expect(await one(source, 'SELECT 1')).to.equal(1);
  });

  it('refuses at once beyond the queue limit, and another source still answers', async () => {
    const busy = track(await open({ pool_size: 2, queue_limit: 1 }));
    const other = track(await open());
    const controller = new AbortController();
    const slow = [1, 2, 3].map(() => failure(busy.query(`SELECT SLEEP(5) AS ${MARK}_busy`, fakeQueryContext({ signal: controller.signal }))));
    await waitFor('two slow queries to run', async () => (await running(`${MARK}_busy`)) === 2, 2000);

    const started = Date.now();
    const refused = await failure(busy.query('SELECT 1', fakeQueryContext()));
    expect(Date.now() - started).to.be.below(250);
    expect(refused.message).to.equal(
      'mysql "test": all 2 connections are busy and 1 query waits (queue_limit 1); refused at once. Raise pool_size or queue_limit, or make the queries faster',
    );
    expect((await busy.health(new AbortController().signal)).status).to.equal('degraded');
    expect(await one(other, 'SELECT 1')).to.equal(1);

    controller.abort(new Error('test over'));
    for (const err of await Promise.all(slow)) expect(err.message).to.equal('test over');
    await waitFor('the slow queries to be killed', async () => (await running(`${MARK}_busy`)) === 0, 1000);
    expect(await one(busy, 'SELECT 2')).to.equal(2);
  });

  it('with queue_limit 0 never waits; a waiting query leaves the queue when its signal aborts', async () => {
    const strict = track(await open({ pool_size: 1, queue_limit: 0 }));
    const controller = new AbortController();
    const slow = failure(strict.query(`SELECT SLEEP(5) AS ${MARK}_q0`, fakeQueryContext({ signal: controller.signal })));
    await waitFor('the slow query to run', async () => (await running(`${MARK}_q0`)) === 1, 2000);
    expect((await failure(strict.query('SELECT 1', fakeQueryContext()))).message).to.match(/the only connection is busy and 0 queries wait \(queue_limit 0\)/);
    controller.abort(new Error('done'));
    await slow;

    const queued = track(await open({ pool_size: 1, queue_limit: 5 }));
    const hold = new AbortController();
    const holding = failure(queued.query(`SELECT SLEEP(5) AS ${MARK}_q1`, fakeQueryContext({ signal: hold.signal })));
    await waitFor('the slow query to run', async () => (await running(`${MARK}_q1`)) === 1, 2000);
    const started = Date.now();
    expect((await failure(queued.query('SELECT 1', fakeQueryContext({ signal: abortAfter(200) })))).message).to.equal('cancelled after 200 ms');
    expect(Date.now() - started).to.be.below(500);
    hold.abort(new Error('done'));
    await holding;
    expect(await one(queued, 'SELECT 3')).to.equal(3);
  });

  it('survives its connection being killed from another session, idle or mid-query', async () => {
    const source = track(await open({ pool_size: 1 }));
    // Right after the KILL the client may not have seen the close yet: the stale connection is retried once.
    for (let i = 0; i < 10; i++) {
      const idleId = Number(await one(source, 'SELECT CONNECTION_ID()'));
      await admin('KILL ?', [idleId]);
      expect(Number(await one(source, 'SELECT CONNECTION_ID()'))).to.not.equal(idleId);
    }

    const busyId = Number(await one(source, 'SELECT CONNECTION_ID()'));
    const pending = failure(source.query(`SELECT SLEEP(5) AS ${MARK}_killed`, fakeQueryContext()));
    await waitFor('the slow query to run', async () => (await running(`${MARK}_killed`)) === 1, 2000);
    await admin('KILL ?', [busyId]);
    expect((await pending).message).to.match(/^mysql "test": /);
    expect(await one(source, 'SELECT 4')).to.equal(4);
  });

  describe('a MariaDB restart (a private server)', () => {
    const db = usePrivateMariadb();

    it('fails clearly while MariaDB restarts and recovers without being recreated', async () => {
      const source = track(await open({ url: db().url }));
      expect(await one(source, 'SELECT 1')).to.equal(1);
      await db().stop();
      const err = await failure(source.query('SELECT 1', fakeQueryContext()));
      expect(err.message).to.match(/^mysql "test": .*(ECONNREFUSED|closed|lost)/i);
      const health = await source.health(new AbortController().signal);
      expect(health.status).to.equal('down');
      expect(health.message).to.match(/^mysql "test": /);
      await db().start();
      expect(await one(source, 'SELECT 5')).to.equal(5);
      expect((await source.health(new AbortController().signal)).status).to.equal('ok');
    });
  });

  it('starts without a reachable server and connects once it is reachable', async () => {
    const port = await closedPort();
    const source = track(await open({ url: undefined, host: '127.0.0.1', port, user: 'root', database: 'test' }));
    const err = await failure(source.query('SELECT 1', fakeQueryContext()));
    expect(err.message).to.equal(`mysql "test": connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(await source.health(new AbortController().signal)).to.deep.equal({ status: 'down', message: `mysql "test": connect ECONNREFUSED 127.0.0.1:${port}` });

    const proxy = new TcpProxy(SERVICES.mysql, port);
    await proxy.open();
    try {
      expect(await one(source, 'SELECT 6')).to.equal(6);
      // Cutting the link drops the pooled connection; the next query after it is back finds a new one.
      await proxy.close();
      await failure(source.query('SELECT 1', fakeQueryContext()));
      await proxy.open();
      expect(await one(source, 'SELECT 7')).to.equal(7);
    } finally {
      await proxy.close();
    }
  });

  it('closes idle connections after idle_timeout', async () => {
    const source = track(await open({ idle_timeout: '200ms' }));
    const first = await one(source, 'SELECT CONNECTION_ID()');
    expect(await one(source, 'SELECT CONNECTION_ID()')).to.equal(first);
    await waitFor('the idle connection to close', async () => (await admin('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE ID = ?', [first]))[0]?.n === 0, 3000);
    expect(await one(source, 'SELECT CONNECTION_ID()')).to.not.equal(first);
  });

  it('close() cancels what runs, is idempotent, and refuses later queries', async () => {
    const source = await open();
    const pending = failure(source.query(`SELECT SLEEP(5) AS ${MARK}_close`, fakeQueryContext()));
    await waitFor('the slow query to run', async () => (await running(`${MARK}_close`)) === 1, 2000);
    const started = Date.now();
    await Promise.all([source.close(), source.close()]);
    await source.close();
    expect(Date.now() - started).to.be.below(1000);
    expect((await pending).message).to.equal('mysql "test": the source is closed');
    await waitFor('the cancelled query to leave the process list', async () => (await running(`${MARK}_close`)) === 0, 1000);
    expect((await failure(source.query('SELECT 1', fakeQueryContext()))).message).to.equal('mysql "test": the source is closed');
    expect((await source.health(new AbortController().signal)).status).to.equal('down');
  });
});
