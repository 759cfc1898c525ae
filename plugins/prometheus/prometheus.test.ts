/**
 * The prometheus source against a real Prometheus server (Debian's package) started on loopback, scraping a
 * small target every second: the conformance suite, instant and range queries, series names, and the errors
 * of a bad query, a server that is down and a result too wide.
 */
import { expect } from 'chai';
import { failureCode } from '../../core/failure-code.js';
import type { DataSource, QueryContext } from '../../core/plugin.js';
import { startMetricsTarget, untilScraped, usePrivatePrometheus, type MetricsTarget } from '../../test/support/private-prometheus.js';
import { freePort } from '../../test/support/tcp-proxy.js';
import { fakePluginContext, fakeQueryContext, runConformance } from '../conformance.js';
import { expectRejection } from '../http/source-fixture.js';
import plugin, { type PrometheusOptions, type PrometheusQuery } from './index.js';

/** Two rooms' temperatures, and twelve series of one metric for the column cap. */
const EXPOSITION = [
  '# TYPE demo_temperature gauge',
  'demo_temperature{room="kitchen"} 21.5',
  'demo_temperature{room="hall"} 19',
  '# TYPE demo_wide gauge',
  ...Array.from({ length: 12 }, (_, n) => `demo_wide{n="${n}"} ${n}`),
  '',
].join('\n');

describe('prometheus plugin on a real Prometheus server', function () {
  this.timeout(60_000);
  let target: MetricsTarget;
  before(async () => {
    target = await startMetricsTarget(EXPOSITION);
  });
  after(async () => {
    await target?.close();
  });
  const prom = usePrivatePrometheus(() => [{ job: 'fixture', targets: [target.address] }]);
  // Filled in once the server runs: the conformance suite reads it in its own `before`.
  const options: PrometheusOptions = { url: 'http://127.0.0.1:9' };
  let firstScrape = 0;
  before(async function () {
    options.url = prom().url;
    await untilScraped(prom().url, 'demo_temperature');
    firstScrape = Date.now();
  });

  const sources: DataSource<PrometheusQuery>[] = [];
  const open = async (extra: Partial<PrometheusOptions> = {}): Promise<DataSource<PrometheusQuery>> => {
    const source = await plugin.create(fakePluginContext({ ...options, ...extra }, { name: 'prom' }));
    sources.push(source);
    return source;
  };
  const ask = async (query: PrometheusQuery, context: Partial<QueryContext> = {}, extra: Partial<PrometheusOptions> = {}) => (await open(extra)).query(query, fakeQueryContext(context));
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.close?.();
  });

  runConformance<PrometheusOptions, PrometheusQuery>({
    plugin,
    options,
    queries: [
      { name: 'instant PromQL text', query: 'demo_temperature' },
      { name: 'range query with a legend', query: { promql: 'demo_temperature', instant: false, legend: '{{room}}' } },
      { name: 'a variable as a label value', query: 'demo_temperature{room=:room}', variables: { room: 'hall' } },
    ],
    // No PromQL takes seconds on a TSDB this small; the time-out of a silent server is tested in reach.test.ts.
    skip: ['timeout'],
    boundQuery: { name: 'a label value from a variable', query: 'demo_temperature{room=:room}', variable: 'room' },
  });

  it('answers an instant query with one row at the run time: a stat frame', async () => {
    const to = Date.now();
    const frame = await ask({ promql: 'demo_temperature{room="kitchen"}', instant: true, legend: '{{room}}' }, { range: { from: to - 60_000, to }, bucketSeconds: 5 });
    expect(frame).to.deep.equal({ fields: [{ name: 'time', type: 'time', values: [to] }, { name: 'kitchen', type: 'number', values: [21.5] }] });
  });

  it('names series by their labels, in Prometheus notation, sorted', async () => {
    const frame = await ask('demo_temperature');
    expect(frame.fields.map((f) => f.name)).to.deep.equal([
      'time',
      `demo_temperature{instance="${target.address}",job="fixture",room="hall"}`,
      `demo_temperature{instance="${target.address}",job="fixture",room="kitchen"}`,
    ]);
    expect(frame.fields.map((f) => f.values)).to.deep.include.members([[19], [21.5]]);
  });

  it('answers a range query on a dashboard with time with the points of the bucket grid: a chart frame', async () => {
    await waitUntil(firstScrape + 4000);
    const from = firstScrape;
    const frame = await ask('demo_temperature{room="hall"} * 2', { range: { from, to: from + 4000 }, bucketSeconds: 1 });
    const first = Math.floor(from / 1000) * 1000 + 1000;
    expect(frame.fields[0]).to.deep.equal({ name: 'time', type: 'time', values: [first, first + 1000, first + 2000, first + 3000] });
    expect(frame.fields.slice(1).map((f) => [f.name, f.values])).to.deep.equal([[`{instance="${target.address}",job="fixture",room="hall"}`, [38, 38, 38, 38]]]);
  });

  it('takes the step of a range query from the widget interval when the dashboard has no time', async () => {
    await waitUntil(firstScrape + 6000);
    const from = firstScrape;
    const frame = await ask({ promql: 'sum(demo_temperature)', instant: false }, { range: { from, to: from + 6000 }, intervalMs: 2000 });
    const times = frame.fields[0]?.values as number[];
    expect(times).to.have.length(3);
    expect(times.every((t, i) => t % 2000 === 0 && (i === 0 || t - (times[i - 1] as number) === 2000))).to.equal(true);
    expect(frame.fields[1]).to.deep.equal({ name: 'value', type: 'number', values: [40.5, 40.5, 40.5] });
  });

  it('takes :bucket, :from and :to from the range on a dashboard with time', async () => {
    await waitUntil(firstScrape + 4000);
    const range = { from: firstScrape, to: firstScrape + 4000 };
    const span = await ask({ promql: 'vector(:to - :from)', instant: true, legend: 'span' }, { range, bucketSeconds: 2 });
    expect(span.fields[1]).to.deep.equal({ name: 'span', type: 'number', values: [4] });
    const counts = await ask({ promql: 'count_over_time(demo_temperature{room="hall"}[:bucket])', legend: 'samples' }, { range, bucketSeconds: 2 });
    const values = counts.fields[1]?.values as number[];
    expect(values).to.have.length(2);
    // Scraped every second: a two-second bucket holds about two samples.
    expect(values.every((v) => v >= 1 && v <= 3)).to.equal(true, `samples per bucket ${values.join(', ')}`);
  });

  it('binds a variable into a label matcher as a string', async () => {
    const frame = await ask({ promql: 'demo_temperature{room=:room}', legend: '{{room}}' }, { variables: { room: 'hall' } });
    expect(frame.fields.slice(1)).to.deep.equal([{ name: 'hall', type: 'number', values: [19] }]);
    const none = await ask('demo_temperature{room=:room}', { variables: { room: '"} or vector(1) or up{x="' } });
    expect(none.fields.map((f) => f.name)).to.deep.equal(['time']);
  });

  it("reports a PromQL syntax error with Prometheus' message, as a failed query (shown to viewers by its code only)", async () => {
    const err = await expectRejection(ask('sum(rate(demo_temperature[5m])'), /^prometheus: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query refused the query \(bad_data, HTTP 400\): .*parse error/);
    expect(failureCode(err)).to.equal('RTDASH_QUERY_FAILED');
  });

  it('refuses more series than max_columns allows, naming the cap, and takes exactly as many as fit', async () => {
    const err = await expectRejection(ask('demo_wide', { maxColumns: 12 }), /"prom" matched 12 series \(one column each, plus time\), more than its max_columns \(12\)/);
    expect(failureCode(err)).to.equal('RTDASH_FRAME_TOO_WIDE');
    expect((await ask('demo_wide', { maxColumns: 13 })).fields).to.have.length(13);
  });

  it('says the server is down when nothing listens, in queries and health', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const err = await expectRejection(ask('up', {}, { url }), /^prometheus: cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: connect ECONNREFUSED/);
    expect(failureCode(err)).to.equal('RTDASH_SOURCE_UNREACHABLE');
    const health = await (await open({ url })).health(new AbortController().signal);
    expect(health.status).to.equal('down');
    expect(health.message).to.match(/ECONNREFUSED/);
  });

  it('reports ok health with the server version', async () => {
    const health = await (await open()).health(new AbortController().signal);
    expect(health).to.include({ status: 'ok' });
    expect(health.message).to.match(/^Prometheus \d+\.\d+/);
  });
});

/** Resolves once the clock has passed `ms`. */
async function waitUntil(ms: number): Promise<void> {
  const wait = ms + 50 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
