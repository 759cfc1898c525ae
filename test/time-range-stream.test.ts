/**
 * Time ranges through a real server and real clients (docs/time.md): subscribe with a range, the snapshot's
 * range and definition.time, jobs keyed by range, relative ranges sliding, fixed ranges running once, range
 * widgets replacing their frame, and every bad range refused over WebSocket, the widget API, SSE, polling
 * and the page. The test source counts its queries and answers with the range it was asked for.
 */
import { expect } from 'chai';
import { askedRanges, calls } from './support/test-plugin.js';
import { errorOf, request } from './support/http-client.js';
import { connect, type Message } from './support/ws-client.js';
import { sleep, startTestServer, until, type TestServer } from './support/test-server.js';

type Entry = { w: string; status: string; op?: string; frame?: { fields: { name: string; values: number[] }[] } };

const TIMED = `id: timed
title: Timed
time:
  default: 1h
  choices: [15m, 1h, 6h]
  max: 7d
  max_points: 300
widgets:
  - { id: chart, title: Chart, type: line, source: test, query: { behave: counter, tag: "chart :from :to" }, every: 200ms, keep: 2 }
  - { id: now, title: Now, type: line, source: test, query: { behave: counter, tag: "now-only" }, every: 200ms }
`;
const PLAIN = `id: plain
title: Plain
widgets:
  - { id: w, title: W, type: line, source: test, query: { behave: counter, tag: plain }, every: 200ms }
`;

const widgetsOf = (m: Message) => ((m.widgets ?? m.updates) as Entry[]);
const timeOf = (e: Entry) => e.frame?.fields.find((f) => f.name === 'time')?.values ?? [];

describe('time ranges over the stream', function () {
  this.timeout(20_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'timed.yaml': TIMED, 'plain.yaml': PLAIN });
  });
  after(() => t.stop());

  it('sends the range and definition.time in the snapshot, the default range when none is asked', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'timed' });
    const snap = await c.nextOf('snapshot');
    const range = snap.range as Record<string, unknown>;
    expect(range).to.include({ from: 'now-1h', to: 'now', live: true, bucket: 30 });
    expect((range.toMs as number) - (range.fromMs as number)).to.equal(3_600_000);
    expect(Math.abs((range.toMs as number) - Date.now())).to.be.below(2000);
    expect((snap.definition as { time: unknown }).time).to.deep.equal({ default: { from: 'now-1h', to: 'now' }, choices: ['15m', '1h', '6h'], max: '7d', maxPoints: 300 });
    c.send({ type: 'subscribe', dashboard: 'plain' });
    const plain = await c.next((m) => m.type === 'snapshot' && m.dashboard === 'plain');
    expect(plain).to.not.have.property('range');
    expect(plain.definition).to.not.have.property('time');
    await c.close();
  });

  it('slides a relative range at each run, and its range widget replaces its frame (keep does not cut it)', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'timed', range: { from: 'now-6h', to: 'now' } });
    const snap = await c.nextOf('snapshot');
    expect(snap.range).to.include({ from: 'now-6h', to: 'now', live: true, bucket: 300 });
    const seen: number[] = [];
    const ops = new Set<string>();
    while (seen.length < 3) {
      const m = await c.next((x) => x.type === 'update' || x.type === 'snapshot');
      for (const e of widgetsOf(m).filter((w) => w.w === 'chart' && timeOf(w).length > 0)) {
        ops.add(e.op!);
        // The test source answers one row at the run's `to`: a whole window of one row each time.
        expect(timeOf(e)).to.have.length(1);
        seen.push(timeOf(e)[0]!);
      }
    }
    expect([...ops]).to.deep.equal(['replace']);
    expect(seen[2]!).to.be.greaterThan(seen[0]!);
    // The widget that does not use :from/:to still appends as before.
    await c.next((m) => m.type === 'update' && widgetsOf(m).some((w) => w.w === 'now' && w.op === 'append'));
    await c.close();
  });

  it('keeps a widget that does not use the range live whatever the range: its keep window, then only what is new', async () => {
    askedRanges.delete('now-only');
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'timed', range: { from: 'now-15m', to: 'now' } });
    await until(() => (askedRanges.get('now-only')?.length ?? 0) >= 3, 5000, 'three runs of the appending widget');
    await c.close();
    const [first, ...later] = askedRanges.get('now-only')!;
    // keep: 300 points (the default) every 200 ms: one minute, not the viewer's 15.
    expect(first!.to - first!.from, 'the first run covers the widget\'s keep window').to.be.closeTo(300 * 200, 1000);
    // Each later run starts where the one before ended: asking the whole range again would append it twice.
    later.forEach((r, i) => expect(r.from, `run ${i + 2}`).to.equal([first!, ...later][i]!.to));
  });

  it('runs a fixed range once, with no schedule, and keys jobs by range', async () => {
    const to = Date.now() - 60_000;
    const from = new Date(to - 3_600_000).toISOString();
    const before = calls.get('chart :from :to') ?? 0;
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'timed', range: { from, to } });
    const snap = await c.nextOf('snapshot');
    expect(snap.range).to.include({ from, to: String(to), live: false, fromMs: to - 3_600_000, toMs: to, bucket: 30 });
    const first = await c.next((m) => (m.type === 'update' || m.type === 'snapshot') && widgetsOf(m).some((w) => w.w === 'chart' && timeOf(w).length > 0));
    expect(timeOf(widgetsOf(first).find((w) => w.w === 'chart')!)).to.deep.equal([to]);
    await sleep(1000); // five intervals of the widget
    expect((calls.get('chart :from :to') ?? 0) - before).to.equal(1);
    const keys = t.server.scheduler.jobs().map((j) => j.key).filter((k) => k.startsWith('timed/chart'));
    expect(keys).to.have.length(1);
    expect(keys[0]).to.match(new RegExp(`@${to - 3_600_000}%7C${to}$`));
    await c.close();
    // Nobody watches: the fixed-range job is gone at once.
    await until(() => !t.server.scheduler.jobs().some((j) => j.key.startsWith('timed/chart')), 2000, 'the job to end');
  });

  it('runs one query per tick for 100 viewers of one range, and one job per distinct range', async () => {
    const clients = await Promise.all(Array.from({ length: 100 }, () => connect(t.wsUrl)));
    clients.forEach((c, i) => c.send({ type: 'subscribe', dashboard: 'timed', range: { from: i < 50 ? 'now-6h' : 'now-15m', to: 'now' } }));
    await Promise.all(clients.map((c) => c.nextOf('snapshot')));
    const jobs = t.server.scheduler.jobs().filter((j) => j.key.startsWith('timed/chart'));
    expect(jobs.map((j) => decodeURIComponent(j.key.split('@')[1]!)).sort()).to.deep.equal(['now-15m|now', 'now-6h|now']);
    const before = calls.get('chart :from :to') ?? 0;
    const started = Date.now();
    await sleep(1200);
    const ticks = (Date.now() - started) / 200;
    const queries = (calls.get('chart :from :to') ?? 0) - before;
    // Two jobs, each one query per tick: not one per viewer.
    expect(queries).to.be.at.least(2 * (Math.floor(ticks) - 2)).and.at.most(2 * (Math.ceil(ticks) + 1));
    await Promise.all(clients.map((c) => c.close()));
  });

  it('replaces the subscription when the same dashboard is asked with another range', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'timed', range: { from: 'now-15m', to: 'now' } });
    await c.nextOf('snapshot');
    c.send({ type: 'subscribe', dashboard: 'timed', range: { from: 'now-6h' } });
    expect((await c.nextOf('snapshot')).range).to.include({ from: 'now-6h', to: 'now' });
    expect(t.server.hub.viewers).to.equal(1);
    await c.close();
  });

  it('keeps a viewer\'s range when the dashboard file changes, and falls back to the default when it no longer fits', async () => {
    t.write('moving.yaml', TIMED.replace('id: timed', 'id: moving'));
    await t.server.store.reload();
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'moving', range: { from: 'now-6d', to: 'now' } });
    expect((await c.nextOf('snapshot')).range).to.include({ from: 'now-6d' });
    t.write('moving.yaml', TIMED.replace('id: timed', 'id: moving').replace('title: Timed', 'title: Moved'));
    await t.server.store.reload();
    const kept = await c.next((m) => m.type === 'snapshot' && m.reason === 'reload');
    expect(kept.range).to.include({ from: 'now-6d', to: 'now' });
    t.write('moving.yaml', TIMED.replace('id: timed', 'id: moving').replace('max: 7d', 'max: 1d'));
    await t.server.store.reload();
    const fallen = await c.next((m) => m.type === 'snapshot' && m.reason === 'reload');
    expect(fallen.range).to.include({ from: 'now-1h', to: 'now' });
    await c.close();
  });

  const BAD: [string, object, RegExp][] = [
    ['from after to', { from: 'now', to: 'now-1h' }, /"from" "now" is not before "to" "now-1h"/],
    ['over max', { from: 'now-8d', to: 'now' }, /longer than the dashboard's max of 7d/],
    ['a bad unit', { from: 'now-1x', to: 'now' }, /unknown unit "x"/],
    ['an absolute end in the future', { from: '2026-01-01T00:00:00Z', to: '2999-01-01T00:00:00Z' }, /is in the future/],
    ['an unparsable expression', { from: 'yesterday', to: 'now' }, /"from" "yesterday" is not a time/],
  ];

  it('refuses every bad range in subscribe with RTDASH_RANGE_INVALID and the dashboard id', async () => {
    const c = await connect(t.wsUrl);
    for (const [what, range, message] of [...BAD, ['a range on a dashboard without time', { from: 'now-1h', to: 'now' }, /dashboard "plain" has no time range/] as const]) {
      const dashboard = what.startsWith('a range on') ? 'plain' : 'timed';
      c.send({ type: 'subscribe', dashboard, range });
      const error = await c.nextOf('error');
      expect(error, what).to.include({ code: 'RTDASH_RANGE_INVALID', dashboard });
      expect(error.message as string, what).to.match(message);
    }
    expect(t.server.hub.viewers).to.equal(0);
    await c.close();
  });

  it('takes from/to in the widget API, SSE and polling, and answers 400 RTDASH_RANGE_INVALID to a bad one', async () => {
    const base = t.server.url;
    const to = Date.now() - 1000;
    const ok = await request(`${base}/api/dashboards/timed/widgets/chart?from=${to - 60_000}&to=${to}`);
    expect(ok.status).to.equal(200);
    expect((JSON.parse(ok.body) as Entry).frame!.fields[0]!.values).to.deep.equal([to]);
    const poll = await request(`${base}/api/poll?dashboard=timed&from=now-15m&to=now&wait=0`);
    expect(poll.status).to.equal(200);
    const polled = (JSON.parse(poll.body) as { messages: Message[] }).messages.find((m) => m.type === 'snapshot');
    expect(polled!.range).to.include({ from: 'now-15m', to: 'now' });
    // The same session asked for another range: its subscription is replaced, and the next poll brings the new snapshot.
    const session = (JSON.parse(poll.body) as { session: string }).session;
    const moved = await request(`${base}/api/poll?dashboard=timed&session=${session}&from=now-6h&to=now&wait=1`);
    expect((JSON.parse(moved.body) as { session: string }).session).to.equal(session);
    const resnap = (JSON.parse(moved.body) as { messages: Message[] }).messages.find((m) => m.type === 'snapshot');
    expect(resnap!.range).to.include({ from: 'now-6h', to: 'now' });
    const sse = await request(`${base}/sse?dashboard=timed&from=now-15m`, {}, { readMs: 500 });
    expect(sse.body).to.include('"range":{"from":"now-15m","to":"now"');
    for (const [what, range, message] of BAD) {
      const query = new URLSearchParams(range as Record<string, string>).toString();
      for (const path of [`/api/dashboards/timed/widgets/chart?${query}`, `/api/poll?dashboard=timed&wait=0&${query}`, `/sse?dashboard=timed&${query}`]) {
        const answer = await request(base + path, {}, { readMs: 1000 });
        expect(answer.status, `${what}: ${path}`).to.equal(400);
        expect(errorOf(answer), `${what}: ${path}`).to.include({ code: 'RTDASH_RANGE_INVALID' });
        expect(errorOf(answer).message, `${what}: ${path}`).to.match(message);
      }
    }
    const plain = await request(`${base}/api/dashboards/plain/widgets/w?from=now-1h`);
    expect(plain.status).to.equal(400);
    expect(errorOf(plain).message).to.match(/dashboard "plain" has no time range/);
    const twice = await request(`${base}/api/poll?dashboard=timed&from=now-1h&from=now-2h&wait=0`);
    expect(errorOf(twice)).to.include({ code: 'RTDASH_RANGE_INVALID', message: '"from" is given 2 times in the query string; give it once' });
  });

  it('passes the page\'s from and to to <rt-dashboard>, and refuses a bad range on the page', async () => {
    const page = await request(`${t.server.url}/d/timed?from=now-6h&to=now`);
    expect(page.status).to.equal(200);
    expect(page.body).to.match(/<rt-dashboard dashboard="timed" from="now-6h" to="now"><\/rt-dashboard>/);
    const bad = await request(`${t.server.url}/d/timed?from=now-1x`);
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include('unknown unit');
  });
});
