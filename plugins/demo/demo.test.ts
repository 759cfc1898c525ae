import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { bundledDashboardDir, packageRoot } from '../../core/paths.js';
import type { DataSource, Frame, TimeRange } from '../../core/plugin.js';
import { fakePluginContext, fakeQueryContext, runConformance, runExampleChecks } from '../conformance.js';
import demo, { type DemoOptions, type DemoQuery } from './index.js';
import { MAX_POINTS, METRICS, stepTimes, type Metric } from './metrics.js';

runConformance({
  plugin: demo,
  options: { seed: 1 },
  queries: [
    ...METRICS.map((metric) => ({ name: metric, query: metric })),
    { name: 'revenue in the eu', query: { metric: 'revenue', region: 'eu' } },
    { name: 'orders_by_region for :region', query: { metric: 'orders_by_region', region: ':region' }, variables: { region: 'apac' } },
  ],
});

runExampleChecks({ plugin: demo, dir: join(packageRoot, 'plugins', 'demo'), dashboards: [join(bundledDashboardDir, 'demo.yaml')] });

const HOUR = 3_600_000;
// A fixed Wednesday noon (UTC): tests must not depend on when they run.
const NOON = Date.UTC(2024, 5, 12, 12, 0, 0);

async function open(options: DemoOptions = { seed: 1 }): Promise<DataSource<DemoQuery>> {
  return demo.create(fakePluginContext(options));
}

async function ask(source: DataSource<DemoQuery>, query: DemoQuery, range: TimeRange, variables: Record<string, string> = {}, intervalMs = 1000): Promise<Frame> {
  return source.query(query, fakeQueryContext({ range, variables, intervalMs }));
}

function column(frame: Frame, name: string): unknown[] {
  const field = frame.fields.find((f) => f.name === name);
  if (field === undefined) throw new Error(`no column ${name} in ${frame.fields.map((f) => f.name).join(', ')}`);
  return field.values;
}

function mean(values: unknown[]): number {
  return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
}

describe('demo plugin', () => {
  let source: DataSource<DemoQuery>;
  before(async () => {
    source = await open();
  });
  after(async () => {
    await source.close?.();
  });

  it('answers the same range with identical frames, across instances', async () => {
    const other = await open();
    const range = { from: NOON - 600_000, to: NOON + 437 };
    for (const metric of METRICS) {
      expect(await ask(other, metric, range), metric).to.deep.equal(await ask(source, metric, range));
    }
  });

  it('gives another shop for another seed', async () => {
    const range = { from: NOON - 60_000, to: NOON };
    expect(await ask(await open({ seed: 2 }), 'revenue', range)).not.to.deep.equal(await ask(source, 'revenue', range));
  });

  it('continues series across successive ranges without duplicate or missing steps', async () => {
    const cuts = [NOON - 300_000, NOON - 187_654, NOON - 186_999, NOON - 2_100, NOON + 1, NOON + 2_750];
    for (const metric of ['revenue', 'orders', 'response_time', 'conversion', 'error_rate'] as const) {
      for (const intervalMs of [1000, 2500, 60_000]) {
        const whole = await ask(source, metric, { from: cuts[0] as number, to: cuts[cuts.length - 1] as number }, {}, intervalMs);
        const pieces: Frame[] = [];
        for (let i = 1; i < cuts.length; i++) pieces.push(await ask(source, metric, { from: cuts[i - 1] as number, to: cuts[i] as number }, {}, intervalMs));
        const joined = whole.fields.map((f) => ({ ...f, values: pieces.flatMap((p) => column(p, f.name)) }));
        expect(joined, `${metric} at ${intervalMs} ms`).to.deep.equal(whole.fields);
        const times = column(whole, 'time') as number[];
        expect(times, `${metric} at ${intervalMs} ms`).to.deep.equal(stepTimes({ from: cuts[0] as number, to: cuts[cuts.length - 1] as number }, intervalMs));
      }
    }
  });

  it('steps by max(intervalMs, 1 s) on boundaries in (from, to]', async () => {
    expect(column(await ask(source, 'revenue', { from: NOON, to: NOON + 3000 }, {}, 200), 'time')).to.deep.equal([NOON + 1000, NOON + 2000, NOON + 3000]);
    expect(column(await ask(source, 'orders', { from: NOON + 1, to: NOON + 10_000 }, {}, 5000), 'time')).to.deep.equal([NOON + 5000, NOON + 10_000]);
    expect(column(await ask(source, 'orders', { from: NOON, to: NOON }, {}, 1000), 'time')).to.deep.equal([]);
  });

  it(`caps a query at ${MAX_POINTS} points with a coarser step on the same grid`, async () => {
    const frame = await ask(source, 'revenue', { from: NOON - 30 * 24 * HOUR, to: NOON }, {}, 1000);
    const times = column(frame, 'time') as number[];
    expect(times.length).to.be.within(MAX_POINTS / 2, MAX_POINTS);
    expect(times.every((t) => t % 1000 === 0)).to.equal(true);
    expect(times[times.length - 1]).to.equal(NOON);
  });

  it('active_users back-fills a long range, then adds one point at range.to per query', async () => {
    const first = await ask(source, 'active_users', { from: NOON - 60_000, to: NOON + 400 });
    const times = column(first, 'time') as number[];
    expect(times).to.have.length(61);
    expect(times[0]).to.equal(NOON - 59_000);
    expect(times[times.length - 1]).to.equal(NOON + 400);
    const next = await ask(source, 'active_users', { from: NOON + 400, to: NOON + 1_390 });
    expect(column(next, 'time')).to.deep.equal([NOON + 1_390]);
    // Back-filled and live points are one function of time: a later back-fill shows the same value.
    const later = await ask(source, 'active_users', { from: NOON - 10_000, to: NOON + 5_000 });
    const at = (column(later, 'time') as number[]).indexOf(NOON);
    expect(column(later, 'active_users')[at]).to.equal(column(first, 'active_users')[times.indexOf(NOON)]);
  });

  it('is quieter at night than in the afternoon, in the configured timezone', async () => {
    const day = Date.UTC(2024, 5, 10);
    const average = async (s: DataSource<DemoQuery>, metric: Metric, column_: string, fromHour: number, toHour: number): Promise<number> => {
      const values: unknown[] = [];
      for (let d = 0; d < 5; d++) {
        const from = day + d * 24 * HOUR;
        values.push(...column(await ask(s, metric, { from: from + fromHour * HOUR, to: from + toHour * HOUR }, {}, 60_000), column_));
      }
      return mean(values);
    };
    for (const [metric, col] of [['active_users', 'active_users'], ['revenue', 'revenue'], ['orders', 'orders'], ['response_time', 'p50']] as const) {
      expect(await average(source, metric, col, 13, 17), metric).to.be.greaterThan(await average(source, metric, col, 1, 5));
    }
    // UTC+10: 13:00-17:00 local is 03:00-07:00 UTC.
    const sydney = await open({ seed: 1, timezone_offset_hours: 10 });
    expect(await average(sydney, 'active_users', 'active_users', 3, 7)).to.be.greaterThan(await average(sydney, 'active_users', 'active_users', 15, 19));
  });

  it('honours a region given literally or through a variable', async () => {
    const range = { from: NOON - 30_000, to: NOON };
    const users = async (region: string, variables: Record<string, string> = {}): Promise<number[]> =>
      column(await ask(source, { metric: 'active_users', region }, range, variables), 'active_users') as number[];
    const [eu, us, apac, all] = [await users(':region', { region: 'eu' }), await users('us'), await users(':zone', { zone: 'apac' }), await users('all')];
    expect(eu).to.deep.equal(await users('eu'));
    expect(eu).not.to.deep.equal(us);
    expect(all).to.deep.equal(eu.map((v, i) => v + (us[i] as number) + (apac[i] as number)));
    expect(all).to.deep.equal(column(await ask(source, 'active_users', range), 'active_users'));
    const byRegion = await ask(source, { metric: 'orders_by_region', region: ':region' }, range, { region: 'apac' });
    expect(column(byRegion, 'region')).to.deep.equal(['apac']);
  });

  it('rejects a variable that is unset or not a region', async () => {
    const range = { from: NOON - 1000, to: NOON };
    await ask(source, { metric: 'revenue', region: ':region' }, range).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/variable "region" is not set/),
    );
    await ask(source, { metric: 'revenue', region: ':region' }, range, { region: 'mars' }).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/expected one of "eu", "us", "apac", "all"; got "mars" \(from variable "region"\)/),
    );
    await ask(source, { metric: 'revenue', region: ':toString' }, range, {}).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/not set/),
    );
  });

  it('has a querySchema that names every metric and rejects unknown ones', () => {
    const validate = new Ajv2020().compile(demo.querySchema);
    for (const metric of METRICS) expect(validate(metric), metric).to.equal(true);
    expect(validate({ metric: 'revenue', region: ':region' })).to.equal(true);
    expect(validate({ metric: 'revenue', region: 'apac' })).to.equal(true);
    for (const bad of ['visitors', { metric: 'visitors' }, { metric: 'revenue', region: 'mars' }, { metric: 'revenue', extra: 1 }, { region: 'eu' }, 42]) {
      expect(validate(bad), JSON.stringify(bad)).to.equal(false);
    }
  });

  it('rejects an unknown metric at query time too', async () => {
    await ask(source, 'visitors' as Metric, { from: NOON - 1000, to: NOON }).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/unknown metric: expected one of .*; got "visitors"/),
    );
  });

  it('returns plausible figures', async () => {
    const range = { from: NOON - 600_000, to: NOON };
    const latency = await ask(source, 'response_time', range);
    const [p50, p95, p99] = ['p50', 'p95', 'p99'].map((c) => column(latency, c) as number[]);
    expect(p50?.every((v, i) => v > 10 && v < (p95?.[i] as number) && (p95?.[i] as number) < (p99?.[i] as number))).to.equal(true);
    const conversion = column(await ask(source, 'conversion', range), 'conversion') as number[];
    expect(conversion.every((v) => v > 0 && v < 100)).to.equal(true);
    const errors = column(await ask(source, 'error_rate', range), 'error_rate') as number[];
    expect(errors.every((v) => v >= 0 && v < 100)).to.equal(true);
    const byRegion = await ask(source, 'orders_by_region', range);
    expect(column(byRegion, 'region')).to.deep.equal(['eu', 'us', 'apac']);
    const [eu, , apac] = column(byRegion, 'orders') as number[];
    expect(eu).to.be.greaterThan(apac as number);
  });

  it('lists the last 10 orders, newest first, none after range.to', async () => {
    const to = NOON;
    const frame = await ask(source, 'recent_orders', { from: to - 1000, to });
    expect(frame.fields.map((f) => `${f.name}:${f.type}`)).to.deep.equal(['time:time', 'order_id:string', 'region:string', 'total:number', 'status:string']);
    const times = column(frame, 'time') as number[];
    expect(times).to.have.length(10);
    expect(times.every((t, i) => t <= to && (i === 0 || t <= (times[i - 1] as number)))).to.equal(true);
    expect(new Set(column(frame, 'order_id')).size).to.equal(10);
    // The same orders make up the `orders` series: those of the last minute are counted there.
    const lastMinute = times.filter((t) => t > to - 60_000).length;
    const counted = column(await ask(source, 'orders', { from: to - 1000, to }), 'orders')[0] as number;
    if (lastMinute < 10) expect(counted).to.equal(lastMinute);
    else expect(counted).to.be.at.least(10);
  });

  it('answers a capped query quickly', async () => {
    const started = performance.now();
    await ask(source, 'revenue', { from: NOON - 2000 * 1000, to: NOON });
    await ask(source, 'revenue', { from: NOON - 30 * 24 * HOUR, to: NOON });
    expect(performance.now() - started).to.be.below(1000);
  });
});

describe('demo plugin: ranges at a bucket (bucket: ":bucket")', () => {
  let source: DataSource<DemoQuery>;
  before(async () => {
    source = await open();
  });
  after(async () => {
    await source.close?.();
  });

  const ranged = (query: DemoQuery, range: TimeRange, bucketSeconds: number, rangeLive = false) =>
    source.query(query, fakeQueryContext({ range, bucketSeconds, rangeLive, intervalMs: 2000 }));
  const DAY = 24 * HOUR;

  it('answers a past range the same every time, on the bucket grid, within max_points', async () => {
    // Last week at the bucket 600 points choose: 1h.
    const range = { from: NOON - 7 * DAY, to: NOON };
    for (const metric of ['active_users', 'revenue', 'orders', 'response_time', 'conversion', 'error_rate'] as const) {
      const query: DemoQuery = { metric, bucket: ':bucket' };
      const a = await ranged(query, range, 3600);
      expect(a, metric).to.deep.equal(await ranged(query, range, 3600));
      const times = column(a, 'time') as number[];
      expect(times, metric).to.have.length(168);
      expect(times.every((t) => t % HOUR === 0 && t > range.from && t <= range.to), metric).to.equal(true);
    }
  });

  it('keeps a range that does not start on the grid under (to - from) / bucket points', async () => {
    const range = { from: NOON - 6 * HOUR + 1234, to: NOON + 777 };
    const frame = await ranged({ metric: 'revenue', bucket: ':bucket' }, range, 60);
    expect((column(frame, 'time') as number[]).length).to.be.at.most(Math.floor((range.to - range.from) / 60_000));
  });

  it('shows the daily rhythm over a day: the afternoon busier than the night', async () => {
    const frame = await ranged({ metric: 'active_users', bucket: ':bucket' }, { from: NOON - 12 * HOUR, to: NOON + 12 * HOUR }, 300);
    const times = column(frame, 'time') as number[];
    const users = column(frame, 'active_users') as number[];
    const at = (hour: number) => users[times.findIndex((t) => t >= Date.UTC(2024, 5, 12, hour))]!;
    expect(at(15)).to.be.greaterThan(at(3) * 1.5);
  });

  it('ends a live range at its end, so the chart moves at each run, still within max_points', async () => {
    const to = NOON + 4321;
    const range = { from: to - 15 * 60_000, to };
    const frame = await ranged({ metric: 'response_time', region: 'eu', bucket: ':bucket' }, range, 1, true);
    const times = column(frame, 'time') as number[];
    expect(times.at(-1)).to.equal(to);
    expect(times).to.have.length(900);
    // The points before it are the same as the fixed range's.
    const fixed = await ranged({ metric: 'response_time', region: 'eu', bucket: ':bucket' }, range, 1, false);
    expect(column(frame, 'p99').slice(0, -1)).to.deep.equal(column(fixed, 'p99').slice(1));
  });

  it('refuses a bucket on a metric that is not a series, and without a time range, saying so', async () => {
    let error = await ranged({ metric: 'recent_orders', bucket: ':bucket' }, { from: NOON - HOUR, to: NOON }, 10).catch((e: Error) => e);
    expect((error as Error).message).to.include('"recent_orders" is not a series over time');
    error = await source.query({ metric: 'revenue', bucket: ':bucket' }, fakeQueryContext({ range: { from: NOON - HOUR, to: NOON } })).catch((e: Error) => e);
    expect((error as Error).message).to.include('needs a dashboard with a "time:" block');
  });
});
