/**
 * Fault: every way a client's connection ends (it closes, it is too slow, it misses a heartbeat, its
 * token expires, it is refused, the server shuts down) leaves no viewer, job or timer behind: checked
 * through /metrics and through the database itself, whose own table counts the queries that ran.
 */
import { expect } from 'chai';
import type { Socket } from 'node:net';
import { Client } from 'pg';
import { SECRET, token } from '../support/embed.js';
import { rawWebSocket } from '../support/raw-websocket.js';
import { leftNothing, streamGauges } from '../support/server-metrics.js';
import { SERVICES, needService } from '../support/services.js';
import { startTestServer, sleep, type TestServer } from '../support/test-server.js';
import { TestClient, connect } from '../support/ws-client.js';
import type { Limits } from '../../core/model.js';

const SCHEMA = `rtdash_close_paths_${process.pid}`;
const EVERY_MS = 200;

/** A dashboard whose one widget's every run inserts a row in SCHEMA.runs; `access: token` when asked. */
const pgDashboard = (id: string, extra = '') => `id: ${id}
title: Counted
${extra}
widgets:
  - { id: n, title: N, type: line, source: counted, query: "SELECT now() AS t, ${SCHEMA}.tick() AS n", every: ${EVERY_MS}ms, keep: 10 }
`;

/** A dashboard whose big table fills a client's buffers quickly: every run changes all of its 2,000 rows. */
const BIG = `id: big
title: Big
widgets:
  - { id: rows, title: Rows, type: table, source: test, query: { behave: big, rows: 2000, fresh: true, tag: close-paths }, every: 100ms }
`;

describe('fault: every close path leaves nothing running', function () {
  this.timeout(60_000);
  let db: Client;

  before(async function () {
    await needService(this, 'postgres');
    db = new Client({ connectionString: SERVICES.postgres.url });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await db.query(`CREATE SCHEMA ${SCHEMA}`);
    await db.query(`CREATE TABLE ${SCHEMA}.runs (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
    await db.query(`CREATE FUNCTION ${SCHEMA}.tick() RETURNS bigint LANGUAGE sql VOLATILE AS $$ INSERT INTO ${SCHEMA}.runs DEFAULT VALUES RETURNING id $$`);
  });
  after(async () => {
    if (db === undefined) return;
    await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await db.end();
  });

  const runs = async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.runs`)).rows[0]!.n);

  /** The queries stopped: no run for several intervals (after any run in flight has landed). */
  async function queriesStopped(): Promise<void> {
    await sleep(EVERY_MS);
    const before = await runs();
    await sleep(4 * EVERY_MS);
    expect(await runs(), 'queries still running after the client left').to.equal(before);
  }

  /** Queries run while the client watches. */
  async function queriesRunning(): Promise<void> {
    const before = await runs();
    await sleep(3 * EVERY_MS);
    expect(await runs()).to.be.greaterThan(before);
  }

  function server(limits: Partial<Limits> = {}, embedSecret?: string): Promise<TestServer> {
    const files = { 'pg.yaml': pgDashboard('pg'), 'pg-locked.yaml': pgDashboard('pg-locked', 'access: token'), 'big.yaml': BIG };
    return startTestServer(files, limits, false, { datasources: [{ name: 'counted', type: 'postgres', options: { url: SERVICES.postgres.url } }], ...(embedSecret && { embedSecret }) });
  }

  /** Sends `subscribe` to pg every 20 ms, as a client that does not know it was let go; returns a stop function. */
  function keepSubscribing(send: (text: string) => void): () => void {
    const timer = setInterval(() => {
      try {
        send(JSON.stringify({ type: 'subscribe', dashboard: 'pg' }));
      } catch {
        // the socket is gone
      }
    }, 20);
    return () => clearInterval(timer);
  }

  /**
   * One close path: a client watches `dashboard` (pg by default) and the queries run; `end` makes its
   * connection end; then nothing may be left on /metrics and the queries must have stopped.
   */
  async function closePath(
    setup: { limits?: Partial<Limits>; secret?: string; query?: string; dashboard?: string; also?: string[] },
    end: (c: TestClient, t: TestServer) => Promise<void>,
  ): Promise<void> {
    const t = await server(setup.limits, setup.secret);
    try {
      const c = await connect(`${t.wsUrl}${setup.query ?? ''}`);
      for (const dashboard of [setup.dashboard ?? 'pg', ...(setup.also ?? [])]) c.send({ type: 'subscribe', dashboard });
      await c.nextOf('snapshot');
      await queriesRunning();
      await end(c, t);
      await leftNothing(t.server.url);
      await queriesStopped();
    } finally {
      await t.stop();
    }
  }

  it('the client closes', () => closePath({}, (c) => c.close()));

  it('the client stays too slow for slow_client_timeout (4008) while it keeps subscribing', () =>
    closePath({ limits: { slowClientBytes: 64 * 1024, slowClientTimeoutMs: 1000, maxClientQueueBytes: 256 * 1024 * 1024 }, also: ['big'] }, async (c, t) => {
      c.pauseReading();
      const stop = keepSubscribing((text) => c.send(text));
      try {
        const deadline = Date.now() + 30_000;
        while ((await streamGauges(t.server.url)).connections > 0) {
          if (Date.now() > deadline) throw new Error('the slow client was never closed');
          await sleep(100);
        }
        await sleep(1000); // its subscribes keep arriving during the close handshake
      } finally {
        stop();
      }
    }));

  it('the client misses a heartbeat', () =>
    closePath({ limits: { heartbeatMs: 300 } }, async (c) => {
      c.pauseReading(); // no pong goes back
      await sleep(1000);
    }));

  it('the embed token expires (4401) while the client keeps subscribing', () =>
    closePath({ secret: SECRET, query: `?token=${token('pg-locked', undefined, 1500)}`, dashboard: 'pg-locked' }, async (c) => {
      const stop = keepSubscribing((text) => c.ws.readyState === c.ws.OPEN && c.send(text));
      try {
        expect(await c.closed).to.equal(4401);
      } finally {
        stop();
      }
    }));

  it('a message over max_message_bytes (1009)', () =>
    closePath({ limits: { maxMessageBytes: 1024 } }, async (c) => {
      c.send({ type: 'subscribe', dashboard: 'pg', pad: 'x'.repeat(2000) });
      expect(await c.closed).to.equal(1009);
    }));

  it('the embed token is refused (4403), with subscribes sent right behind the handshake', async () => {
    const t = await server({}, SECRET);
    let socket: Socket | undefined;
    try {
      // The frames reach the server in the same packet as the upgrade: after it refused the token, before the socket closes.
      const subscribe = JSON.stringify({ type: 'subscribe', dashboard: 'pg' });
      socket = await rawWebSocket(`${t.wsUrl}?token=not-a-token`, [subscribe, subscribe, subscribe]);
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      await new Promise((resolve) => socket!.once('close', resolve));
      expect(text).to.include('RTDASH_TOKEN_INVALID');
      await leftNothing(t.server.url);
      await queriesStopped();
    } finally {
      socket?.destroy();
      await t.stop();
    }
  });

  it('the server shuts down (1001)', async () => {
    const t = await server();
    const c = new TestClient(t.wsUrl);
    await c.opened;
    c.send({ type: 'subscribe', dashboard: 'pg' });
    await c.nextOf('snapshot');
    await queriesRunning();
    await t.stop();
    expect(await c.closed).to.equal(1001);
    expect(t.server.hub.connections).to.equal(0);
    expect(t.server.hub.viewers).to.equal(0);
    expect(t.server.scheduler.size).to.equal(0);
    await queriesStopped();
  });
});
