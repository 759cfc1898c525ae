/**
 * Fault: one socket sending 10,000 subscribes, each with another variable value (each its own job).
 * The connection's subscribe rate (max_subscribes_per_second) refuses the excess with
 * RTDASH_RATE_LIMITED, so jobs, views and memory stay bounded and the connection keeps being served.
 * Many connections subscribing at once meet the server-wide snapshot rate instead: they are told
 * RTDASH_SERVER_BUSY, closed with 1013, and served once they come back.
 */
import { expect } from 'chai';
import { leftNothing } from '../support/server-metrics.js';
import { startTestServer, sleep } from '../support/test-server.js';
import { connect, type TestClient } from '../support/ws-client.js';

const FREE_TEXT = `id: search
title: Search
variables:
  q: { type: text, pattern: "[a-z0-9]+", default: a }
widgets:
  - { id: w, title: W, type: line, source: test, query: { behave: counter, tag: "many-:q" }, every: 1s }
`;

describe('fault: many subscribes', function () {
  this.timeout(60_000);

  it('on one socket are refused past max_subscribes_per_second, keeping jobs and views bounded', async () => {
    const t = await startTestServer({ 'search.yaml': FREE_TEXT }, { maxSubscribesPerSecond: 20, maxSnapshotsPerSecond: 1000 });
    try {
      const c = await connect(t.wsUrl);
      let peakJobs = 0;
      const started = Date.now();
      for (let i = 0; i < 10_000; i++) {
        c.send({ type: 'subscribe', dashboard: 'search', vars: { q: `v${i}` } });
        if (i % 250 === 0) {
          await sleep(5);
          peakJobs = Math.max(peakJobs, t.server.scheduler.size);
        }
      }
      c.send({ type: 'ping' });
      await c.nextOf('pong', 20_000);
      const seconds = (Date.now() - started) / 1000;
      peakJobs = Math.max(peakJobs, t.server.scheduler.size);
      const snapshots = c.messages.filter((m) => m.type === 'snapshot').length;
      const limited = c.messages.filter((m) => m.type === 'error' && m.code === 'RTDASH_RATE_LIMITED');
      // A burst of twice the rate, then the rate: everything else was refused before any work.
      expect(snapshots).to.be.at.most(40 + Math.ceil(20 * seconds) + 1);
      expect(snapshots + limited.length).to.equal(10_000);
      expect(limited[0]!.message).to.match(/at most 20 a second/);
      expect(peakJobs).to.be.at.most(40 + Math.ceil(20 * seconds) + 1);
      expect(t.server.hub.viewCount).to.equal(1);
      expect(c.closeCode).to.equal(undefined);

      // The connection is still served, and may subscribe again once the second has passed.
      await sleep(1100);
      c.send({ type: 'subscribe', dashboard: 'search', vars: { q: 'again' } });
      const again = await c.next((m) => m.type === 'snapshot' && (m.vars as { q: string }).q === 'again');
      expect(again.dashboard).to.equal('search');
      await c.close();
      await leftNothing(t.server.url);
    } finally {
      await t.stop();
    }
  });

  it('on many sockets at once are held to max_snapshots_per_second: refused ones are told to come back (1013)', async () => {
    const t = await startTestServer({ 'search.yaml': FREE_TEXT }, { maxSnapshotsPerSecond: 5 });
    try {
      const clients: TestClient[] = await Promise.all(Array.from({ length: 30 }, () => connect(t.wsUrl)));
      for (const c of clients) c.send({ type: 'subscribe', dashboard: 'search' });
      await sleep(500);
      const served = clients.filter((c) => c.messages.some((m) => m.type === 'snapshot'));
      const busy = clients.filter((c) => c.messages.some((m) => m.type === 'error' && m.code === 'RTDASH_SERVER_BUSY'));
      // A burst of twice the rate is served; the rest are refused before any snapshot is built.
      expect(served.length).to.be.within(10, 13);
      expect(served.length + busy.length).to.equal(30);
      for (const c of busy) expect(await c.closed).to.equal(1013);
      // Coming back after a back-off, as the web client does, they are served.
      await sleep(1000);
      const back = await connect(t.wsUrl);
      back.send({ type: 'subscribe', dashboard: 'search' });
      await back.nextOf('snapshot');
      await Promise.all([...served, back].map((c) => c.close()));
      await leftNothing(t.server.url);
    } finally {
      await t.stop();
    }
  });
});
