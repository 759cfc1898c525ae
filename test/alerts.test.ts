/**
 * Alerts end to end, on a real server with a real webhook receiver on loopback: a rule fires once after its
 * `for` and resolves once; a value flapping at the threshold with `clear:` sends no storm; a receiver that
 * fails first gets the notification once, after the retry; a restart while firing neither re-notifies nor
 * resolves; missing data maps to nodata; a silence mutes without stopping evaluation; viewers of the
 * dashboard see its alerts over the stream; the API lists alerts and their history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { levelDashboard } from './support/alert-dashboard.js';
import { failing, levels } from './support/test-plugin.js';
import { sleep, startTestServer, type TestServer } from './support/test-server.js';
import { connect } from './support/ws-client.js';

/** The notifications a receiver got: status and rule of each, in order. */
function received(receiver: HttpReceiver): { status: string; rule: string; summary: string }[] {
  return receiver.requests.flatMap((r) => (JSON.parse(r.body) as { notifications: { status: string; rule: string; summary: string }[] }).notifications.map(({ status, rule, summary }) => ({ status, rule, summary })));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('alerts end to end (real webhook receiver)', function () {
  this.timeout(30_000);
  let receiver: HttpReceiver;
  let server: TestServer | undefined;
  let data: string;
  const start = async (tag: string, rule: string, port?: number) => {
    server = await startTestServer({ [`${tag}.yaml`]: levelDashboard(tag, `notify: [hook]\n${rule}`) }, {}, false, {
      notifiers: { hook: { type: 'webhook', timeoutMs: 2000, options: { url: receiver.url } } },
      storageDir: data,
      ...(port !== undefined && { port }),
    });
    return server;
  };
  beforeEach(() => {
    data = mkdtempSync(join(tmpdir(), 'rtdash-alerts-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await receiver?.close();
    levels.clear();
    rmSync(data, { recursive: true, force: true });
  });

  it('fires once after its for-duration, and resolves once', async () => {
    receiver = await httpReceiver();
    levels.set('once', 1);
    await start('once', `when: "last() > 5"\nfor: 300ms\nsummary: "level {{ value }}"`);
    await sleep(300);
    levels.set('once', 9);
    await receiver.waitFor(1);
    await sleep(800); // many evaluations later: still the one notification
    levels.set('once', 1);
    await receiver.waitFor(2);
    await sleep(500);
    expect(received(receiver)).to.deep.equal([
      { status: 'firing', rule: 'once-high', summary: 'level 9' },
      { status: 'resolved', rule: 'once-high', summary: 'level 1' },
    ]);
  });

  it('never fires for a blip shorter than for', async () => {
    receiver = await httpReceiver();
    await start('blip', `when: "last() > 5"\nfor: 1s`);
    await sleep(300);
    levels.set('blip', 9);
    await sleep(400);
    levels.set('blip', 1);
    await sleep(1200);
    expect(received(receiver)).to.deep.equal([]);
    const history = (await (await fetch(`${server!.server.url}/api/alerts/history`)).json()) as unknown[];
    expect(history, 'pending and back is no transition to notify').to.deep.equal([]);
  });

  it('sends no storm for a value flapping around the threshold when clear is set', async () => {
    receiver = await httpReceiver();
    await start('flap', `when: "last() > 5"\nclear: "last() < 2"`);
    await sleep(300);
    for (let i = 0; i < 20; i++) {
      levels.set('flap', i % 2 === 0 ? 6 : 4);
      await sleep(110);
    }
    levels.set('flap', 0);
    await receiver.waitFor(2);
    await sleep(400);
    expect(received(receiver).map((n) => n.status)).to.deep.equal(['firing', 'resolved']);
  });

  it('delivers once, after the retry, to a receiver that fails first', async () => {
    receiver = await httpReceiver((n, res) => {
      res.statusCode = n === 1 ? 500 : 200;
      res.end(n === 1 ? 'not now' : 'ok');
    });
    levels.set('retry', 9);
    await start('retry', `when: "last() > 5"`);
    await receiver.waitFor(2);
    await sleep(1500);
    expect(receiver.requests).to.have.length(2);
    const [first, second] = receiver.requests;
    expect(second!.headers['x-rtdash-delivery'], 'the same delivery, tried again').to.equal(first!.headers['x-rtdash-delivery']);
    expect(received(receiver).map((n) => n.status)).to.deep.equal(['firing', 'firing']);
  });

  it('neither re-notifies nor resolves across a restart while firing, and resolves once afterwards', async () => {
    receiver = await httpReceiver();
    levels.set('restart', 9);
    const first = await start('restart', `when: "last() > 5"`);
    await receiver.waitFor(1);
    const port = Number(new URL(first.server.url).port);
    await first.stop();
    server = undefined;
    await start('restart', `when: "last() > 5"`, port);
    await sleep(1000);
    expect(received(receiver).map((n) => n.status), 'nothing new after the restart').to.deep.equal(['firing']);
    const alerts = (await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { rule: string; state: string }[];
    expect(alerts.map((a) => [a.rule, a.state])).to.deep.equal([['restart-high', 'firing']]);
    levels.set('restart', 1);
    await receiver.waitFor(2);
    expect(received(receiver).map((n) => n.status)).to.deep.equal(['firing', 'resolved']);
  });

  it('maps missing data to nodata, as the rule says', async () => {
    receiver = await httpReceiver();
    levels.set('empty', null);
    await start('empty', `when: "last() > 5"\nnodata: nodata`);
    await until('the nodata alert', async () => ((await (await fetch(`${server!.server.url}/api/alerts`)).json()) as unknown[]).length === 1);
    const [alert] = (await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { state: string; reason?: string }[];
    expect(alert).to.deep.include({ state: 'nodata' });
    await receiver.waitFor(1);
    expect(received(receiver).map((n) => n.status)).to.deep.equal(['firing']);
  });

  it('goes to nodata when the source stops answering rows, though its history still holds values', async () => {
    receiver = await httpReceiver();
    levels.set('stops', 9);
    await start('stops', `when: "last() > 5"\nnodata: nodata`);
    await receiver.waitFor(1);
    levels.set('stops', null); // the source answers, with no rows
    await until('the nodata alert', async () => ((await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { state: string }[])[0]?.state === 'nodata', 5000);
    await receiver.waitFor(2);
    expect(received(receiver).map((n) => n.summary)).to.deep.equal(['stops-high: 9', 'stops-high:  (no data)']);
  });

  it('does not evaluate an alert in error over and over while the source keeps failing', async () => {
    receiver = await httpReceiver();
    failing.add('broken');
    try {
      await start('broken', `when: "last() > 5"`);
      await until('the error alert', async () => ((await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { state: string }[])[0]?.state === 'error');
      const before = server!.server.alerts.evaluations;
      await sleep(1000);
      // The job backs off and sends nothing new while the error stays the same: a few evaluations at most, not one every 10 ms.
      expect(server!.server.alerts.evaluations - before).to.be.below(15);
    } finally {
      failing.delete('broken');
    }
  });

  it('mutes a silenced alert without stopping its evaluation', async () => {
    receiver = await httpReceiver();
    await start('quiet', `when: "last() > 5"`);
    const silence = await fetch(`${server!.server.url}/api/silences`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ matchers: { rule: 'quiet-high' }, ends_at: new Date(Date.now() + 60_000).toISOString(), comment: 'maintenance' }),
    });
    expect(silence.status).to.equal(201);
    levels.set('quiet', 9);
    await until('the alert to fire', async () => ((await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { state: string }[])[0]?.state === 'firing');
    const [alert] = (await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { silenced: boolean }[];
    expect(alert!.silenced).to.equal(true);
    await sleep(500);
    expect(receiver.requests).to.have.length(0);
    const bad = await fetch(`${server!.server.url}/api/silences`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"matchers":{}}' });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).to.include('"matchers"');
  });

  it('tells the dashboard’s viewers about its alerts over the stream', async () => {
    receiver = await httpReceiver();
    await start('seen', `when: "last() > 5"\nseverity: critical\nsummary: "level is {{ value }}"`);
    const client = await connect(server!.wsUrl);
    try {
      client.send({ type: 'subscribe', dashboard: 'seen' });
      await client.nextOf('snapshot');
      expect((await client.nextOf('alerts')).alerts).to.deep.equal([]);
      levels.set('seen', 7);
      const firing = await client.next((m) => m.type === 'alerts' && (m.alerts as { state: string }[]).some((a) => a.state === 'firing'));
      expect((firing.alerts as object[])[0]).to.deep.include({ rule: 'seen-high', dashboard: 'seen', state: 'firing', severity: 'critical', summary: 'level is 7' });
    } finally {
      await client.close();
    }
  });
});

describe('alerts per series (real webhook receiver)', function () {
  this.timeout(30_000);
  let receiver: HttpReceiver;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await receiver?.close();
    levels.clear();
  });

  it('gives one alert per host, each firing and resolving on its own, and acknowledges one', async () => {
    receiver = await httpReceiver();
    server = await startTestServer(
      {
        'fleet.yaml': `id: fleet
title: Fleet
widgets:
  - { id: load, title: Load, type: table, source: test, query: { behave: hosts, tag: fleet }, every: 100ms }
alerts:
  - { name: load-high, widget: load, by: [host], column: value, when: "last() > 5", repeat: 500ms, summary: "load {{ value }} on {{ labels.host }}", notify: [hook] }
`,
      },
      {},
      false,
      { notifiers: { hook: { type: 'webhook', timeoutMs: 2000, options: { url: receiver.url } } } },
    );
    await sleep(300);
    levels.set('fleet:b', 9);
    await receiver.waitFor(1);
    const alerts = async () => (await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { id: string; labels: Record<string, string>; state: string }[];
    expect((await alerts()).map((a) => [a.labels['host'], a.state])).to.deep.equal([['b', 'firing']]);
    expect(received(receiver)[0]).to.deep.include({ status: 'firing', summary: 'load 9 on b' });
    levels.set('fleet:c', 7);
    await until('host c to fire', () => received(receiver).some((n) => n.summary === 'load 7 on c'));
    // Acknowledged, b sends no more repeats; c, not acknowledged, goes on repeating.
    const ack = await fetch(`${server!.server.url}/api/alerts/${encodeURIComponent('load-high{host="b"}')}/ack`, { method: 'POST' });
    expect(ack.status).to.equal(200);
    const before = received(receiver).filter((n) => n.summary === 'load 9 on b').length;
    await sleep(1300);
    expect(received(receiver).filter((n) => n.summary === 'load 9 on b').length, 'no repeats of the acknowledged alert').to.equal(before);
    expect(received(receiver).filter((n) => n.summary === 'load 7 on c').length, 'repeats of the other').to.be.at.least(2);
    levels.set('fleet:b', 1);
    await until('b to resolve', () => received(receiver).some((n) => n.status === 'resolved' && n.summary === 'load 1 on b'));
    expect((await alerts()).find((a) => a.labels['host'] === 'c')?.state).to.equal('firing');
  });
});
