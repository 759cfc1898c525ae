import { join } from 'node:path';
import { expect } from 'chai';
import { bundledDashboardDir, packageRoot } from '../../core/paths.js';
import type { DataSource, Frame, RuntimeStats } from '../../core/plugin.js';
import { fakePluginContext, fakeQueryContext, runConformance, runExampleChecks } from '../conformance.js';
import system, { createSystemSource, SYSTEM_QUERIES, type LagMonitor, type SystemQuery } from './index.js';

runConformance({ plugin: system, options: {}, queries: SYSTEM_QUERIES.map((query) => ({ name: query, query })) });

runExampleChecks({ plugin: system, dir: join(packageRoot, 'plugins', 'system'), dashboards: [join(bundledDashboardDir, 'system.yaml')] });

const COLUMNS: Record<SystemQuery, string[]> = {
  process: ['time', 'cpu_percent', 'rss_bytes', 'heap_used_bytes', 'heap_total_bytes'],
  event_loop: ['time', 'lag_p50_ms', 'lag_p99_ms', 'lag_max_ms'],
  host: ['time', 'load1', 'load5', 'load15', 'mem_used_bytes', 'mem_total_bytes', 'cpus'],
  rtdash: ['time', 'viewers', 'connections', 'jobs', 'queries_per_second', 'messages_sent', 'bytes_sent'],
  uptime: ['time', 'process_seconds', 'host_seconds'],
};

/** The one row of a frame as an object. */
function rowOf(frame: Frame): Record<string, unknown> {
  return Object.fromEntries(frame.fields.map((f) => [f.name, f.values[0]]));
}

/** Keeps the CPU busy, so a CPU reading cannot be zero. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) Math.sqrt(Math.random());
}

function fakeMonitor(): LagMonitor & { enabled: number; disabled: number } {
  return {
    enabled: 0,
    disabled: 0,
    count: 0,
    max: 0,
    enable() {
      this.enabled++;
      return true;
    },
    disable() {
      this.disabled++;
      return true;
    },
    reset() {},
    percentile: () => 0,
  };
}

describe('system plugin', () => {
  let source: DataSource<SystemQuery>;
  before(async () => {
    source = await system.create(fakePluginContext({}));
  });
  after(async () => {
    await source.close?.();
  });
  const ask = async (query: SystemQuery): Promise<Record<string, unknown>> => rowOf(await source.query(query, fakeQueryContext()));

  it('answers every query with one row at the current time and the documented columns', async () => {
    for (const query of SYSTEM_QUERIES) {
      const before = Date.now();
      const frame = await source.query(query, fakeQueryContext());
      expect(frame.fields.map((f) => f.name), query).to.deep.equal(COLUMNS[query]);
      expect(frame.fields.every((f) => f.values.length === 1 && f.type === (f.name === 'time' ? 'time' : 'number')), query).to.equal(true);
      expect(rowOf(frame)['time'], query).to.be.within(before, Date.now());
    }
  });

  it('takes the rtdash figures from ctx.runtime.stats()', async () => {
    let calls = 0;
    const stats: RuntimeStats = { viewers: 7, connections: 4, jobs: 12, queriesPerSecond: 2.25, messagesSent: 99, bytesSent: 123_456 };
    const own = await system.create(fakePluginContext({}, { runtime: { stats: () => (calls++, stats) } }));
    const row = rowOf(await own.query('rtdash', fakeQueryContext()));
    await own.close?.();
    expect(calls).to.equal(1);
    expect(row).to.deep.include({ viewers: 7, connections: 4, jobs: 12, queries_per_second: 2.25, messages_sent: 99, bytes_sent: 123_456 });
  });

  it('reports positive CPU and memory of this process', async () => {
    await new Promise((resolve) => setTimeout(resolve, 120));
    spin(30);
    const row = await ask('process');
    expect(row['cpu_percent']).to.be.a('number').greaterThan(0);
    expect(row['rss_bytes']).to.be.a('number').greaterThan(0);
    expect(row['heap_used_bytes'] as number).to.be.greaterThan(0).and.at.most(row['heap_total_bytes'] as number);
  });

  it('measures event-loop lag since the previous query', async () => {
    await ask('event_loop');
    await new Promise((resolve) => setTimeout(resolve, 120));
    // Block the loop from inside a timer, then let the monitor sample again.
    await new Promise((resolve) => setTimeout(() => resolve(spin(80)), 0));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const row = await ask('event_loop');
    expect(row['lag_max_ms']).to.be.a('number').at.least(40);
    expect(row['lag_p50_ms'] as number).to.be.at.most(row['lag_p99_ms'] as number);
  });

  it('reports the host', async () => {
    const row = await ask('host');
    expect(row['mem_used_bytes'] as number).to.be.greaterThan(0).and.at.most(row['mem_total_bytes'] as number);
    expect(row['cpus']).to.be.at.least(1);
    expect(row['load1']).to.be.at.least(0);
    const uptime = await ask('uptime');
    expect(uptime['process_seconds']).to.be.greaterThan(0);
    expect(uptime['host_seconds'] as number).to.be.at.least(uptime['process_seconds'] as number);
  });

  it('close() stops the event-loop monitor once, and the source then refuses queries', async () => {
    const monitor = fakeMonitor();
    const own = createSystemSource(fakePluginContext({}), monitor);
    expect(monitor.enabled).to.equal(1);
    await own.close?.();
    await own.close?.();
    expect(monitor.disabled).to.equal(1);
    expect((await own.health(new AbortController().signal)).status).to.equal('down');
    await own.query('host', fakeQueryContext()).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/closed/),
    );
  });

  it('closes itself when its context signal aborts', () => {
    const monitor = fakeMonitor();
    const controller = new AbortController();
    createSystemSource(fakePluginContext({}, { signal: controller.signal }), monitor);
    controller.abort();
    expect(monitor.disabled).to.equal(1);
  });

  it('reports degraded health when the event loop lags badly', async () => {
    const monitor = { ...fakeMonitor(), count: 100, percentile: () => 2_000 * 1e6 };
    const own = createSystemSource(fakePluginContext({}), monitor);
    const health = await own.health(new AbortController().signal);
    await own.close?.();
    expect(health.status).to.equal('degraded');
  });

  it('rejects an unknown query', async () => {
    await source.query('disk' as SystemQuery, fakeQueryContext()).then(
      () => expect.fail('resolved'),
      (err: Error) => expect(err.message).to.match(/unknown query: expected one of "process", .*; got "disk"/),
    );
  });
});
