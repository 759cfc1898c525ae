/**
 * Fault matrix, "viewer error text": real PostgreSQL, MariaDB and Redis failures (a bad SQL statement with a
 * quoted literal, a role that does not exist, a user with a wrong password, a user the server does not know, a
 * closed port, a full pool) reach a
 * WebSocket viewer and the HTTP routes as a catalogue code and a plain sentence only. The driver's words
 * (SQL fragments, user names, hosts and ports) go to the log and, with an admin token, to the admin.
 */
import { expect } from 'chai';
import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../core/logger.js';
import { admin as mysqlAdmin } from '../../plugins/mysql/test-helpers.js';
import { needService, SERVICES } from '../support/services.js';
import { startTestServer, until, type TestServer } from '../support/test-server.js';
import { TestClient, type Message } from '../support/ws-client.js';

const ADMIN = 'admin-token-for-the-error-text-test';
const SUFFIX = `${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
const MYSQL_USER = `rtdash_evalro_${SUFFIX}`;
/** A MariaDB user nobody creates: MariaDB refuses it with error 1698, not 1045. */
const MYSQL_NO_USER = `rtdash_nouser_${SUFFIX}`;
const PG_ROLE = `rtdash_no_role_${SUFFIX}`;
const LITERAL = `zz_secret_literal_${SUFFIX}`;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function widget(id: string, source: string, query: string, every = '1s'): string {
  return `  - { id: ${id}, title: ${id}, type: table, source: ${source}, query: ${JSON.stringify(query)}, every: ${every} }\n`;
}

type WidgetEntry = { w: string; status: string; error?: { code: string; message: string; detail?: string } };

describe('fault: viewers never see a database’s words', function () {
  this.timeout(60_000);
  let t: TestServer;
  let port: number;
  let log = '';
  /** What must never reach a viewer: each is in the full message of some widget's error. */
  let secrets: string[];

  before(async function () {
    await needService(this, 'postgres');
    await needService(this, 'mysql');
    await needService(this, 'redis');
    port = await closedPort();
    secrets = ['ANDD', LITERAL, MYSQL_USER, MYSQL_NO_USER, PG_ROLE, 'ECONNREFUSED', '127.0.0.1', String(port), 'syntax', 'Access denied'];
    await mysqlAdmin(`CREATE USER '${MYSQL_USER}'@'%' IDENTIFIED BY 'right-password'`);
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (log += d.toString()));
    const pg = SERVICES.postgres.url;
    const my = new URL(SERVICES.mysql.url);
    t = await startTestServer(
      {
        'broken.yaml':
          'id: broken\ntitle: Broken\nwidgets:\n' +
          widget('pgsql', 'pg', `SELECT relname FROM pg_class WHERE relname = '${LITERAL}' ANDD relpages > 1`) +
          widget('pgrole', 'pgrole', 'SELECT 1 AS v') +
          widget('pgdown', 'pgdown', 'SELECT 1 AS v') +
          widget('mysql', 'my', `SELECT 1 AS v FROM dual WHERE '${LITERAL}' = 'x' ANDD ms > 1`) +
          widget('mypw', 'mypw', 'SELECT 1 AS v') +
          widget('mynouser', 'mynouser', 'SELECT 1 AS v') +
          `  - { id: rdown, title: rdown, type: table, source: rdown, query: { command: GET, key: k }, every: 1s }\n`,
        'pools.yaml':
          'id: pools\ntitle: Pools\nwidgets:\n' +
          widget('pga', 'pgone', 'SELECT pg_sleep(3) AS v', '10s') +
          widget('pgb', 'pgone', 'SELECT pg_sleep(3) AS v', '10s') +
          widget('mya', 'myone', 'SELECT SLEEP(3) AS v', '10s') +
          widget('myb', 'myone', 'SELECT SLEEP(3) AS v', '10s'),
        'slots.yaml': 'id: slots\ntitle: Slots\nwidgets:\n' + widget('sa', 'pgslot', 'SELECT pg_sleep(2) AS v', '10s') + widget('sb', 'pgslot', 'SELECT pg_sleep(2) AS v', '10s'),
      },
      {},
      false,
      {
        adminTokens: [ADMIN],
        logger: createLogger('warn', stream),
        datasources: [
          { name: 'pg', type: 'postgres', options: { url: pg } },
          { name: 'pgrole', type: 'postgres', options: { url: `postgres://${PG_ROLE}@${SERVICES.postgres.host}:${SERVICES.postgres.port}/postgres` } },
          { name: 'pgdown', type: 'postgres', options: { url: `postgres://postgres@127.0.0.1:${port}/postgres` } },
          { name: 'my', type: 'mysql', options: { url: SERVICES.mysql.url } },
          { name: 'mypw', type: 'mysql', options: { url: `mysql://${MYSQL_USER}:wrong-password@${my.host}/test` } },
          { name: 'mynouser', type: 'mysql', options: { url: `mysql://${MYSQL_NO_USER}:wrong-password@${my.host}/test` } },
          { name: 'rdown', type: 'redis', options: { url: `redis://127.0.0.1:${port}/0`, connect_timeout: '500ms' } },
          { name: 'pgone', type: 'postgres', timeoutMs: 1000, options: { url: pg, pool_size: 1 } },
          { name: 'pgslot', type: 'postgres', timeoutMs: 5000, options: { url: pg, pool_size: 1, connect_timeout: '500ms' } },
          { name: 'myone', type: 'mysql', timeoutMs: 1000, options: { url: SERVICES.mysql.url, pool_size: 1, queue_limit: 5 } },
        ],
      },
    );
  });

  after(async () => {
    await t?.stop();
    await mysqlAdmin(`DROP USER IF EXISTS '${MYSQL_USER}'@'%'`).catch(() => undefined);
    await mysqlAdmin(`DROP USER IF EXISTS '${MYSQL_NO_USER}'@'%'`).catch(() => undefined);
  });

  /** Subscribes a viewer and returns the first error entry any of its widgets shows. */
  async function firstError(dashboard: string): Promise<WidgetEntry> {
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'subscribe', dashboard });
    try {
      const m = await client.next((msg) => ((msg.widgets ?? msg.updates ?? []) as WidgetEntry[]).some((e) => e.status === 'error'), 15_000);
      return ((m.widgets ?? m.updates) as WidgetEntry[]).find((e) => e.status === 'error')!;
    } finally {
      await client.close();
    }
  }

  /**
   * Subscribes a viewer and collects each widget's first error entry, from snapshots and updates alike;
   * `whileWatched` runs before the viewer leaves (and the jobs stop).
   */
  async function viewerErrors(dashboard: string, ids: string[], whileWatched?: (errors: Map<string, WidgetEntry['error']>) => Promise<void>): Promise<{ errors: Map<string, WidgetEntry['error']>; raw: string }> {
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'subscribe', dashboard });
    const errors = new Map<string, WidgetEntry['error']>();
    const entries = (m: Message): WidgetEntry[] => ((m.widgets ?? m.updates ?? []) as WidgetEntry[]);
    try {
      while (ids.some((id) => !errors.has(id))) {
        const m = await client.next((msg) => msg.type === 'snapshot' || msg.type === 'update', 15_000);
        for (const e of entries(m)) if (e.status === 'error' && !errors.has(e.w)) errors.set(e.w, e.error);
      }
      await whileWatched?.(errors);
    } finally {
      await client.close();
    }
    return { errors, raw: JSON.stringify(client.messages) };
  }

  it('a WebSocket viewer gets the code and a plain sentence for each failure', async () => {
    const { errors, raw } = await viewerErrors('broken', ['pgsql', 'pgrole', 'pgdown', 'mysql', 'mypw', 'mynouser', 'rdown']);
    expect(Object.fromEntries(errors)).to.deep.equal({
      pgsql: { code: 'RTDASH_QUERY_FAILED', message: 'the query failed' },
      pgrole: { code: 'RTDASH_SOURCE_UNREACHABLE', message: 'the source is unreachable' },
      pgdown: { code: 'RTDASH_SOURCE_UNREACHABLE', message: 'the source is unreachable' },
      mysql: { code: 'RTDASH_QUERY_FAILED', message: 'the query failed' },
      mypw: { code: 'RTDASH_SOURCE_UNREACHABLE', message: 'the source is unreachable' },
      mynouser: { code: 'RTDASH_SOURCE_UNREACHABLE', message: 'the source is unreachable' },
      rdown: { code: 'RTDASH_SOURCE_UNREACHABLE', message: 'the source is unreachable' },
    });
    for (const secret of secrets) expect(raw, secret).not.to.include(secret);
  });

  it('the log keeps the full messages', async () => {
    await until(() => log.includes('ANDD ms > 1') && log.includes(`Access denied for user '${MYSQL_USER}'`) && log.includes(`Access denied for user '${MYSQL_NO_USER}'`) && log.includes(`ECONNREFUSED 127.0.0.1:${port}`) && log.includes(PG_ROLE), 10_000, 'the full messages in the log');
    expect(log).not.to.include('wrong-password');
  });

  it('the widget API shows viewers the sentence and an admin the details', async () => {
    for (const id of ['pgsql', 'mysql', 'pgdown', 'mypw']) {
      const url = `${t.server.url}/api/dashboards/broken/widgets/${id}`;
      const viewerText = await (await fetch(url)).text();
      for (const secret of secrets) expect(viewerText, `${id}: ${secret}`).not.to.include(secret);
      const viewer = JSON.parse(viewerText) as WidgetEntry;
      expect(viewer.status).to.equal('error');
      expect(viewer.error).not.to.have.property('detail');
      const asAdmin = (await (await fetch(url, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as WidgetEntry;
      expect(asAdmin.error!.message).to.equal(viewer.error!.message);
      expect(asAdmin.error!.detail, id).to.match(id === 'pgsql' ? /syntax error/ : id === 'mysql' ? /ANDD ms > 1/ : id === 'pgdown' ? /ECONNREFUSED 127\.0\.0\.1/ : /Access denied for user/);
    }
  });

  it('/api/datasources shows viewers names and ok/down, and admins the details', async () => {
    const url = `${t.server.url}/api/datasources`;
    const viewerText = await (await fetch(url)).text();
    for (const secret of secrets) expect(viewerText, secret).not.to.include(secret);
    const viewer = JSON.parse(viewerText) as { name: string; health: Record<string, unknown> }[];
    // The words docs/security.md promises: ok, degraded or down.
    expect(viewer.find((s) => s.name === 'pg')!.health).to.deep.equal({ status: 'ok' });
    expect(viewer.find((s) => s.name === 'pgdown')!.health).to.deep.equal({ status: 'down' });
    expect(viewer.find((s) => s.name === 'rdown')!.health).to.deep.equal({ status: 'down' });
    expect(viewer.find((s) => s.name === 'mypw')!.health).to.deep.equal({ status: 'down' });
    const asAdmin = (await (await fetch(url, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as { name: string; health: { status: string; message?: string } }[];
    expect(asAdmin.find((s) => s.name === 'pgdown')!.health.message).to.include('ECONNREFUSED');
    expect(asAdmin.find((s) => s.name === 'mypw')!.health.message).to.include(MYSQL_USER);
  });

  it('a query that waited for a pooled connection says so, not that it timed out', async () => {
    await viewerErrors('pools', ['pga', 'pgb', 'mya', 'myb'], async (errors) => {
      for (const [a, b] of [['pga', 'pgb'], ['mya', 'myb']] as const) {
        const codes = [errors.get(a)!.code, errors.get(b)!.code].sort();
        expect(codes, a).to.deep.equal(['RTDASH_CONNECTION_WAIT', 'RTDASH_QUERY_TIMEOUT']);
        const waited = errors.get(a)!.code === 'RTDASH_CONNECTION_WAIT' ? a : b;
        expect(errors.get(waited)!.message).to.equal('timed out waiting for a free connection');
        const asAdmin = (await (await fetch(`${t.server.url}/api/dashboards/pools/widgets/${waited}`, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as WidgetEntry;
        expect(asAdmin.error!.detail).to.match(/timed out after 1000 ms waiting for a free connection from the pool \(pool_size 1\)/);
      }
    });
  });

  it("a query that outwaited the pool's connect_timeout says so too", async () => {
    const entry = await firstError('slots');
    expect(entry.error).to.deep.equal({ code: 'RTDASH_CONNECTION_WAIT', message: 'timed out waiting for a free connection' });
    expect(log).to.match(/timed out after 500 ms \(connect_timeout\) waiting for a free connection from the pool \(pool_size 1\); the query was never sent/);
  });
});
