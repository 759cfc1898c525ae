/** Slow readers, hot reload and graceful shutdown, each against a real server and real sockets. */
import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from './support/ws-client.js';
import { startTestServer, testDashboard, sleep, until } from './support/test-server.js';

type Entry = { w: string; seq: number; at: number; status: string };

describe('stream: a slow reader', function () {
  this.timeout(60_000);

  it('is conflated and then closed with 4008 while a fast viewer beside it keeps its latency', async () => {
    const t = await startTestServer(
      {
        'big.yaml': `id: big
title: Big
widgets:
  - { id: rows, title: Rows, type: table, source: test, query: { behave: big, rows: 2000, fresh: true, tag: big }, every: 100ms }
  - { id: tick, title: Tick, type: line, source: test, query: { behave: counter, tag: slow-tick }, every: 100ms }
`,
      },
      { slowClientBytes: 256 * 1024, slowClientTimeoutMs: 3000 },
    );
    try {
      const slow = await connect(t.wsUrl);
      const fast = await connect(t.wsUrl);
      slow.send({ type: 'subscribe', dashboard: 'big' });
      fast.send({ type: 'subscribe', dashboard: 'big' });
      await Promise.all([slow.nextOf('snapshot'), fast.nextOf('snapshot')]);
      const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause(); // stop reading: the kernel buffers fill, then the server's send buffer
      const metric = async (action: string) => {
        const text = await (await fetch(`${t.server.url}/metrics`)).text();
        return Number(new RegExp(`rtdash_slow_clients_total\\{action="${action}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      };
      const latencies: number[] = [];
      const deadline = Date.now() + 40_000;
      while ((await metric('conflated')) === 0) {
        if (Date.now() > deadline) throw new Error('the slow reader was never conflated');
        const m = await fast.nextOf('update');
        for (const u of m.updates as Entry[]) if (u.w === 'tick') latencies.push(Date.now() - u.at);
      }
      // Conflated: the fast viewer still gets every tick promptly.
      const during: number[] = [];
      while ((await metric('closed')) === 0) {
        const m = await fast.nextOf('update');
        for (const u of m.updates as Entry[]) if (u.w === 'tick') during.push(Date.now() - u.at);
      }
      socket.resume();
      expect(await slow.closed).to.equal(4008);
      during.sort((a, b) => a - b);
      expect(during.length).to.be.greaterThan(10);
      expect(during[Math.floor(during.length * 0.9)]).to.be.below(250);
      expect(t.server.hub.connections).to.equal(1);
      await fast.close();
    } finally {
      await t.stop();
    }
  });
});

describe('stream: hot reload', function () {
  this.timeout(20_000);

  it('sends viewers a fresh snapshot within a second of a valid change, and keeps the last good version on a broken one', async () => {
    const t = await startTestServer({ 'hot.yaml': testDashboard('hot', { a: { behave: 'counter', tag: 'hot-a' } }, '100ms') }, {}, true);
    try {
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'hot' });
      const first = await c.nextOf('snapshot');
      t.write('hot.yaml', testDashboard('hot', { a: { behave: 'counter', tag: 'hot-a' }, b: { behave: 'counter', tag: 'hot-b' } }, '100ms'));
      const changedAt = Date.now();
      const reloaded = await c.nextOf('snapshot', 1000);
      expect(Date.now() - changedAt).to.be.below(1000);
      expect(reloaded.reason).to.equal('reload');
      expect(reloaded.version).to.not.equal(first.version);
      expect((reloaded.widgets as Entry[]).map((w) => w.w).sort()).to.deep.equal(['a', 'b']);

      t.write('hot.yaml', 'id: hot\ntitle: [unclosed\n');
      await until(() => t.server.store.problems.length > 0, 2000, 'the broken file to be noticed');
      expect(t.server.store.problems[0]).to.include({ file: join(t.dir, 'hot.yaml'), line: 2 });
      expect(t.server.store.get('hot')?.version).to.equal(reloaded.version);
      const after = c.messages.length;
      await c.nextOf('update');
      expect(c.messages.slice(after).some((m) => m.type === 'snapshot')).to.equal(false);

      rmSync(join(t.dir, 'hot.yaml'));
      const gone = await c.nextOf('error', 2000);
      expect(gone.code).to.equal('RTDASH_DASHBOARD_NOT_FOUND');
      await c.close();
    } finally {
      await t.stop();
    }
  });

  it('reloads on POST /api/reload and reports problems as file:line:col', async () => {
    const t = await startTestServer({ 'r.yaml': testDashboard('r', { a: { behave: 'counter', tag: 'r-a' } }) });
    try {
      t.write('bad.yaml', 'id: bad\ntitle: Bad\nwidgets:\n  - id: x\n    title: X\n    type: line\n    source: nowhere\n    query: {}\n');
      const res = await fetch(`${t.server.url}/api/reload`, { method: 'POST' });
      expect(res.status).to.equal(422);
      const body = (await res.json()) as { dashboards: string[]; problems: string[] };
      expect(body.dashboards).to.deep.equal(['r']);
      expect(body.problems[0]).to.match(/bad\.yaml:7:13: .*nowhere/);
    } finally {
      await t.stop();
    }
  });
});

describe('stream: graceful shutdown', function () {
  it('closes every client with 1001 and cancels running queries', async () => {
    const t = await startTestServer({
      's.yaml': `id: s
title: S
widgets:
  - { id: slow, title: Slow, type: line, source: test, query: { behave: slow, delayMs: 60000 }, every: 1s, timeout: 1m }
`,
    });
    const a = await connect(t.wsUrl);
    const b = await connect(t.wsUrl);
    a.send({ type: 'subscribe', dashboard: 's' });
    await a.nextOf('snapshot');
    await until(() => t.server.scheduler.jobs().some((j) => j.running), 2000, 'the slow query to start');
    const started = Date.now();
    await t.stop();
    expect(Date.now() - started).to.be.below(5000);
    expect(await a.closed).to.equal(1001);
    expect(await b.closed).to.equal(1001);
    await sleep(10);
  });
});
