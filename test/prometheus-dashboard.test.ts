/**
 * A dashboard on the prometheus source, end to end: a real Prometheus (Debian's package) scraping a small
 * target and the rtdash server's own /metrics, that rtdash server serving the dashboard, and a WebSocket
 * viewer: a stat from an instant query, a chart from range queries, and a PromQL syntax error that viewers
 * see by its code and admins in full.
 */
import { expect } from 'chai';
import { needBinaries } from './support/private-process.js';
import { missingForPrometheus, startMetricsTarget, startPrivatePrometheus, untilScraped, type MetricsTarget } from './support/private-prometheus.js';
import type { PrivateServer, Removable } from './support/private-server.js';
import { freePort } from './support/tcp-proxy.js';
import { startTestServer, until, type TestServer } from './support/test-server.js';
import { connect, type Message } from './support/ws-client.js';

const ADMIN = 'admin-token-for-the-prometheus-test';

const DASHBOARD = `id: prom
title: Prometheus
widgets:
  - id: kitchen
    title: Kitchen
    type: stat
    source: prom
    query: { promql: 'demo_temperature{room="kitchen"}', legend: kitchen }
    every: 1s
    keep: 60
    x: time
    y: [kitchen]
  - id: heap
    title: rtdash heap, as Prometheus scraped it
    type: line
    source: prom
    query: { promql: 'nodejs_heap_size_used_bytes{job="rtdash"}', instant: false, legend: heap }
    every: 1s
    keep: 5m
    x: time
    y: [heap]
  - id: bad
    title: Broken PromQL
    type: stat
    source: prom
    query: 'sum(rate(demo_temperature[5m])'
    every: 1s
    keep: 60
`;

const TIMED = `id: prom-timed
title: Prometheus over a time range
time: { default: 5m, max: 1d }
widgets:
  - id: heap
    title: rtdash heap over the viewer's range
    type: line
    source: prom
    query: { promql: 'nodejs_heap_size_used_bytes{job="rtdash"}', legend: heap }
    every: 1s
    x: time
    y: [heap]
`;

/** A widget's entries (snapshot widgets and update entries) in the order they arrived. */
function entries(messages: readonly Message[], widget: string): Record<string, unknown>[] {
  return messages.flatMap((m) => ((m.type === 'snapshot' ? m.widgets : m.type === 'update' ? m.updates : []) as Record<string, unknown>[]).filter((e) => e.w === widget));
}

describe('a dashboard on the prometheus source, through a real rtdash server', function () {
  this.timeout(60_000);
  let target: MetricsTarget | undefined;
  let app: TestServer | undefined;
  let prom: Removable<PrivateServer> | undefined;

  before(async function () {
    needBinaries(this, missingForPrometheus());
    target = await startMetricsTarget('demo_temperature{room="kitchen"} 21.5\n');
    // rtdash needs the Prometheus URL before it starts, and Prometheus rtdash's address: the port comes first.
    const port = await freePort();
    app = await startTestServer({ 'prom.yaml': DASHBOARD, 'prom-timed.yaml': TIMED }, {}, false, {
      adminTokens: [ADMIN],
      datasources: [{ name: 'prom', type: 'prometheus', options: { url: `http://127.0.0.1:${port}` } }],
    });
    prom = await startPrivatePrometheus([{ job: 'fixture', targets: [target.address] }, { job: 'rtdash', targets: [new URL(app.server.url).host] }], port);
    // Two scrapes: a range query's last step (a whole second) then lies after the first one.
    await untilScraped(prom.url, 'count_over_time(nodejs_heap_size_used_bytes{job="rtdash"}[1m]) > 1');
    await untilScraped(prom.url, 'demo_temperature');
  });
  after(async () => {
    await app?.stop();
    await prom?.remove();
    await target?.close();
  });

  it('shows a stat from an instant query, a chart from range queries, and a syntax error by its code', async () => {
    const viewer = await connect(app!.wsUrl);
    try {
      viewer.send({ type: 'subscribe', dashboard: 'prom' });
      // Over every message so far: one message may carry several widgets' entries.
      const okEntries = (w: string) => entries(viewer.messages, w).filter((e) => e.status === 'ok' && e.frame !== undefined);
      await until(() => okEntries('kitchen').length > 0, 15_000, 'the stat');
      const kitchen = entries(viewer.messages, 'kitchen').find((e) => e.status === 'ok') as { frame: { fields: { name: string; values: unknown[] }[] } };
      expect(kitchen.frame.fields.map((f) => [f.name, f.values.length])).to.deep.equal([['time', 1], ['kitchen', 1]]);
      expect(kitchen.frame.fields[1]?.values).to.deep.equal([21.5]);

      // The first run back-fills the keep window; later runs append the points since, one per second.
      await until(() => okEntries('heap').length > 1, 15_000, 'two runs of the chart');
      const heap = okEntries('heap') as { frame: { fields: { name: string; values: number[] }[] } }[];
      const times = heap.flatMap((e) => e.frame.fields[0]?.values ?? []);
      // On the step grid, in order; a run may repeat the last point (an append of an equal time replaces it).
      expect(times.every((t, i) => t % 1000 === 0 && (i === 0 || t >= (times[i - 1] as number)))).to.equal(true, `times ${times.join(', ')}`);
      expect(new Set(times).size).to.be.greaterThan(1);
      const values = heap.flatMap((e) => e.frame.fields.find((f) => f.name === 'heap')?.values ?? []);
      expect(values.filter((v) => v !== null).every((v) => v > 1_000_000)).to.equal(true);

      await until(() => entries(viewer.messages, 'bad').some((e) => e.status === 'error'), 15_000, 'the broken widget');
      expect(entries(viewer.messages, 'bad').find((e) => e.status === 'error')?.error).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
      expect(JSON.stringify(viewer.messages)).not.to.match(/parse error|bad_data|demo_temperature/);
    } finally {
      await viewer.close();
    }
  });

  it('on a dashboard with a time range, answers the whole range at its bucket, and sends a sliding window as its new rows', async () => {
    const viewer = await connect(app!.wsUrl);
    try {
      viewer.send({ type: 'subscribe', dashboard: 'prom-timed', range: { from: 'now-10m', to: 'now' } });
      type Spelt = { op?: string; frame: { fields: { values: number[] }[] }; state: { fields: { values: number[] }[] } };
      const ok = () => entries(viewer.messages, 'heap').filter((e) => e.status === 'ok' && (e as { op?: string }).op !== undefined) as unknown as Spelt[];
      await until(() => ok().length > 2, 20_000, 'three runs of the chart');
      const snapshot = viewer.messages.find((m) => m.type === 'snapshot') as unknown as { range: { fromMs: number; toMs: number; bucket: number } };
      expect(snapshot.range.bucket, 'ten minutes at 600 points: 1 s buckets').to.equal(1);
      for (const entry of ok()) {
        const times = entry.state.fields[0]!.values;
        // The whole range as Prometheus holds it (it scraped for a few seconds only), on the 1 s grid.
        expect(times.length).to.be.greaterThan(1);
        expect(times.every((t) => t % 1000 === 0 && t >= snapshot.range.fromMs - 1000)).to.equal(true);
      }
      // Later runs move the window on: what is sent is the rows that came in, not the whole range again.
      const slides = ok().slice(1).filter((e) => e.op === 'append');
      expect(slides.length, JSON.stringify(ok().map((e) => e.op))).to.be.greaterThan(0);
      for (const e of slides) expect(e.frame.fields[0]!.values.length).to.be.below(e.state.fields[0]!.values.length);
    } finally {
      await viewer.close();
    }
  });

  it("gives admins Prometheus' own message for the syntax error", async () => {
    const res = await fetch(`${app!.server.url}/api/dashboards/prom/widgets/bad`, { headers: { authorization: `Bearer ${ADMIN}` } });
    const body = (await res.json()) as { status: string; error: { code: string; detail?: string } };
    expect(body.error.code).to.equal('RTDASH_QUERY_FAILED');
    expect(body.error.detail).to.match(/refused the query \(bad_data, HTTP 400\): .*parse error/);
    const anonymous = await (await fetch(`${app!.server.url}/api/dashboards/prom/widgets/bad`)).text();
    expect(anonymous).not.to.match(/parse error/);
  });
});
