/**
 * Fault: one address asking the widget API (`GET /api/dashboards/:id/widgets/:w`) for a new variable
 * value in every request, and hanging up after 300 ms. Each request used to start its own job and
 * query, with no bound, and hold the job for the query's whole time-out after the client had gone
 * (500 requests: 500 jobs). Now the address is held to max_subscribes_per_second, the server to
 * max_snapshots_per_second, and a request whose client hangs up lets its job go. /api/datasources
 * asks each source's health at most once a second however often it is called.
 */
import { expect } from 'chai';
import { errorOf, request, type Answer } from '../support/http-client.js';
import { leftNothing, metric } from '../support/server-metrics.js';
import { calls, healthChecks } from '../support/test-plugin.js';
import { sleep, startTestServer } from '../support/test-server.js';

const SLOW = `id: flood
title: Flood
variables:
  q: { type: text, pattern: "[a-z0-9]+", default: a }
widgets:
  - { id: slow, title: Slow, type: line, source: test, query: { behave: slow, delayMs: 8000, tag: "flood-:q" }, every: 1s }
  - { id: quick, title: Quick, type: line, source: test, query: { behave: counter, tag: "flood-quick-:q" }, every: 1s }
`;

const count = (answers: Answer[], status: number) => answers.filter((a) => a.status === status).length;

describe('fault: widget API floods', function () {
  this.timeout(60_000);

  it('from one address are held to max_subscribes_per_second, and a caller who hangs up lets its job go', async () => {
    const t = await startTestServer({ 'flood.yaml': SLOW }, { maxSubscribesPerSecond: 20 });
    try {
      const url = (w: string, q: string) => `${t.server.url}/api/dashboards/flood/widgets/${w}?var-q=${q}`;
      const before = calls.get('flood-:q') ?? 0;
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => request(url('slow', `v${i}`), {}, { giveUpMs: 300 })));
      const seconds = (Date.now() - started) / 1000;
      const refused = answers.filter((a) => a.status === 429);
      // A burst of twice the rate got through (and was given up on); the rest were refused before any work
      // (on a busy machine some refusals come after the client gave up, so the queries are what is counted).
      const queried = (calls.get('flood-:q') ?? 0) - before;
      expect(queried).to.be.within(1, 40 + Math.ceil(20 * seconds) + 1);
      expect(refused.length).to.be.at.least(300 - queried - count(answers, 0));
      expect(count(answers, 0) + refused.length).to.equal(300);
      expect(errorOf(refused[0]!).code).to.equal('RTDASH_RATE_LIMITED');
      expect(errorOf(refused[0]!).message).to.match(/at most 20 a second/);
      expect(refused[0]!.headers['retry-after']).to.equal('1');

      // The callers are gone: their jobs stop at their next tick, long before the 8 s queries end.
      await leftNothing(t.server.url, 2500);

      // The address is served again a moment later.
      await sleep(1100);
      const again = await request(url('quick', 'again'));
      expect(again.status).to.equal(200);
      expect((JSON.parse(again.body) as { status: string }).status).to.equal('ok');
      await leftNothing(t.server.url, 2500);
    } finally {
      await t.stop();
    }
  });

  it('from many addresses are held to the server-wide max_snapshots_per_second', async () => {
    const t = await startTestServer({ 'flood.yaml': SLOW }, { maxSnapshotsPerSecond: 5 });
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) => request(`${t.server.url}/api/dashboards/flood/widgets/quick?var-q=m${i}`, {}, { localAddress: `127.0.0.${i + 2}` })),
      );
      // A burst of twice the rate is served; the rest are told to come back.
      expect(count(answers, 200)).to.be.within(10, 13);
      expect(count(answers, 200) + count(answers, 503)).to.equal(30);
      const busy = answers.find((a) => a.status === 503)!;
      expect(errorOf(busy).code).to.equal('RTDASH_SERVER_BUSY');
      expect(busy.headers['retry-after']).to.equal('1');
      await sleep(1000);
      expect((await request(`${t.server.url}/api/dashboards/flood/widgets/quick?var-q=back`)).status).to.equal(200);
      await leftNothing(t.server.url, 2500);
    } finally {
      await t.stop();
    }
  });

  it('of /api/datasources ask each source its health at most once a second', async () => {
    const t = await startTestServer({ 'flood.yaml': SLOW });
    try {
      const before = healthChecks.count;
      const answers = await Promise.all(Array.from({ length: 100 }, () => request(`${t.server.url}/api/datasources`)));
      expect(count(answers, 200)).to.equal(100);
      const health = JSON.parse(answers[99]!.body) as { name: string; health: { status: string } }[];
      expect(health.find((s) => s.name === 'test')!.health.status).to.equal('ok');
      // Three test sources (test, fast, capped), each asked once, or twice across a second's edge.
      expect(healthChecks.count - before).to.be.within(3, 6);
      expect(await metric(t.server.url, 'rtdash_connection_slots')).to.equal(0);
    } finally {
      await t.stop();
    }
  });
});
