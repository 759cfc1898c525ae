/**
 * What /metrics says about viewers and notifications, read after real clients and receivers did things: connections
 * and messages by transport, WebSocket closes by code, resumes (exact or whole state), heartbeat misses, and the
 * outbox's deliveries, failures, depth and oldest age.
 */
import { expect } from 'chai';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { levelDashboard } from './support/alert-dashboard.js';
import { levels } from './support/test-plugin.js';
import { connect } from './support/ws-client.js';
import { request } from './support/http-client.js';
import { until } from './support/served-cli.js';
import { sleep, startTestServer, testDashboard, type TestServer } from './support/test-server.js';

/** The value of one sample of the exposition, by its name with labels as written (`x{a="b"}`); undefined if absent. */
async function sample(t: TestServer, series: string): Promise<number | undefined> {
  const text = await (await fetch(`${t.server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics families of viewers and notifications', function () {
  this.timeout(30_000);
  let t: TestServer | undefined;
  let receivers: HttpReceiver[] = [];
  afterEach(async () => {
    for (const r of receivers) await r.close();
    receivers = [];
    await t?.stop();
    t = undefined;
    levels.clear();
  });

  it('counts connections and messages by transport, closes by code, resumes and heartbeat misses', async () => {
    t = await startTestServer({ 'live.yaml': testDashboard('live', { a: { behave: 'counter', tag: 'metrics-a' } }, '100ms') }, { heartbeatMs: 300 });
    const ws = await connect(t.wsUrl);
    ws.send({ type: 'subscribe', dashboard: 'live' });
    const snap = await ws.nextOf('snapshot');
    await ws.nextOf('update');
    const sse = request(`${t.server.url}/sse?dashboard=live`, {}, { readMs: 1500 });
    await until('one ws and one sse connection', async () => (await sample(t!, 'rtdash_transport_connections{transport="sse"}')) === 1);
    expect(await sample(t, 'rtdash_transport_connections{transport="ws"}')).to.equal(1);
    await sse;
    expect(await sample(t, 'rtdash_transport_messages_total{transport="ws"}')).to.be.above(1);
    expect(await sample(t, 'rtdash_transport_messages_total{transport="sse"}')).to.be.above(1);

    // A viewer that comes back with its cursor gets what it missed: an exact resume.
    const seen: Record<string, number> = {};
    for (const w of snap.widgets as { w: string; seq: number }[]) seen[w.w] = w.seq;
    await ws.close();
    await until('the close counted', async () => (await sample(t!, 'rtdash_websocket_closes_total{code="1005"}')) === 1 || (await sample(t!, 'rtdash_websocket_closes_total{code="1000"}')) === 1);
    const keeper = await connect(t.wsUrl);
    keeper.send({ type: 'subscribe', dashboard: 'live', version: snap.version, resume: seen });
    expect((await keeper.nextOf('update')).resumed).to.equal(true);
    expect(await sample(t, 'rtdash_widget_resumes_total{outcome="exact"}')).to.equal(1);

    // A client that stops answering pings is dropped at the next heartbeat.
    const silent = await connect(t.wsUrl, { autoPong: false });
    silent.send({ type: 'subscribe', dashboard: 'live' });
    await silent.nextOf('snapshot');
    await until('the heartbeat miss', async () => (await sample(t!, 'rtdash_heartbeat_misses_total')) === 1);
    await keeper.close();
  });

  it('counts notifications sent and failed by notifier, and the outbox depth and oldest age', async () => {
    const ok = await httpReceiver();
    const down = await httpReceiver((_n, res) => {
      res.statusCode = 503;
      res.end('down');
    });
    receivers.push(ok, down);
    levels.set('metric-alert', 9);
    const before = await startTestServer({}, {}, false, { notifiers: { ok: { type: 'webhook', timeoutMs: 2000, options: { url: ok.url } } } });
    try {
      expect(await sample(before, 'rtdash_notifications_total{notifier="ok",outcome="sent"}'), 'at 0 before any delivery').to.equal(0);
    } finally {
      await before.stop();
    }
    t = await startTestServer({ 'metric-alert.yaml': levelDashboard('metric-alert', 'when: "last() > 5"\nnotify: [ok, down]') }, {}, false, {
      notifiers: { ok: { type: 'webhook', timeoutMs: 2000, options: { url: ok.url } }, down: { type: 'webhook', timeoutMs: 2000, options: { url: down.url } } },
    });
    await until('the delivery and the failure', async () => (await sample(t!, 'rtdash_notifications_total{notifier="ok",outcome="sent"}')) === 1 && ((await sample(t!, 'rtdash_notifications_total{notifier="down",outcome="failed"}')) ?? 0) >= 1);
    expect(await sample(t, 'rtdash_outbox_entries')).to.equal(1);
    await sleep(1100);
    expect(await sample(t, 'rtdash_outbox_oldest_age_seconds')).to.be.above(1);
  });
});
