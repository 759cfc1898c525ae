/**
 * One cluster measurement: `n` real `rtdash serve` instances on the suite's Redis (a key prefix of the
 * measurement's own), the viewers spread round-robin over them, a wait until the jobs have settled on their
 * holders, then a measured window: widget queries counted in PostgreSQL, each instance's CPU read from /proc,
 * and what the viewers received. With `failover`, the busiest instance is then killed (cluster-failover.ts).
 * Every process it starts is gone when it returns or throws.
 */
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Child } from './child.js';
import type { ClusterDatabase } from './cluster-db.js';
import { runFailover, type Failover } from './cluster-failover.js';
import { describeHolders, Instances, pinProcesses, processCpuMicros } from './cluster-instances.js';
import type { ClusterLoadCommand, ClusterLoadReport, ClusterLoadWindow } from './cluster-ipc.js';
import { CLUSTER_DASHBOARD_ID, WIDGET_EVERY_MS, WIDGET_IDS } from './cluster-scenario.js';
import { readPublished, runTimes } from './cluster-streams.js';
import { CONNECT_CONCURRENCY, OPEN_TIMEOUT_MS, VIEWER_TIMEOUT_MS, msUntilMidTick, splitEvenly } from './pg-measure.js';
import { fetchMetrics, metricValue } from './ranges-metrics.js';
import type { Settings } from './settings.js';

/** How long the holders must stay unchanged before the window, and how long that may take. */
const SETTLE_QUIET_MS = 2000;
const SETTLE_TIMEOUT_MS = 30_000;
/** The failover's wait for the killed instance's jobs to come back, in lease ttls. */
const FAILOVER_DEADLINE_TTLS = 10;

/** Everything measured with one instance count in one run. */
export interface ClusterMeasurement {
  instances: number;
  run: number;
  viewers: number;
  subscribed: number;
  failedToSubscribe: number;
  firstError?: string;
  connectMs: number;
  /** Whether the jobs had settled on their holders before the window (see Instances.settle). */
  settled: boolean;
  /** Each widget's holder at the start of the window (WIDGET_IDS order), as an instance index. */
  holders: number[];
  /** Holders at the start and at the end of the window, when they differ (a job changed hands in it). */
  holdersMoved?: [string, string];
  windowMs: number;
  /** Widget queries PostgreSQL ran in the window, all instances together. */
  queries: number;
  /** The widgets' ticks (whole seconds) in the window: one instance runs `ticks` × 10 queries in it. */
  ticks: number;
  /** Each instance's CPU in the window, µs. */
  cpuMicros: number[];
  /**
   * The instances' `rtdash_cluster_relay_lag_seconds` over the window, all together: from the holder's result to
   * the relay on another instance, before its viewers' fan-out. Cumulative counts per bucket bound (ms).
   */
  relayLag: { ms: number; count: number }[];
  windows: ClusterLoadWindow[];
  failover?: Failover;
  failoverError?: string;
  /** Processes that had to be killed at the end. */
  killed: string[];
}

type Load = Child<ClusterLoadCommand, ClusterLoadReport>;

/** The bucket bounds of rtdash_cluster_relay_lag_seconds, in seconds as /metrics writes them. */
const LAG_BUCKETS = ['0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** The relay lag histogram of the instances at `urls`, summed: cumulative counts per bucket bound (ms). */
async function relayLag(urls: string[]): Promise<{ ms: number; count: number }[]> {
  const texts = await Promise.all(urls.map(fetchMetrics));
  return LAG_BUCKETS.map((le) => ({ ms: Number(le) * 1000, count: texts.reduce((n, t) => n + (metricValue(t, 'rtdash_cluster_relay_lag_seconds_bucket', { le }) ?? 0), 0) }));
}

/** Runs one measurement with `count` instances; `failover` adds the kill after the window. */
export async function measureCluster(
  count: number,
  run: number,
  failover: boolean,
  ctx: { db: ClusterDatabase; redisUrl: string; settings: Settings },
  log: (line: string) => void,
): Promise<ClusterMeasurement> {
  const { cluster } = ctx.settings;
  const prefix = `cbench-${process.pid}-${run}-${count}`;
  const instances = await Instances.start(count, { redisUrl: ctx.redisUrl, prefix, pgUrl: ctx.db.url, leaseTtlMs: cluster.leaseTtlMs });
  const split = splitEvenly(cluster.viewers, Math.ceil(cluster.viewers / ctx.settings.viewersPerLoad));
  const loads: Load[] = split.map((_, i) => new Child(`cluster load ${i + 1}`, './cluster-load.js'));
  const admin = new Redis(ctx.redisUrl);
  try {
    if (cluster.pin) {
      const loadPids = loads.map((l) => l.pid).filter((pid): pid is number => pid !== undefined);
      log(`  ${pinProcesses(instances.all.map((i) => i.pid), loadPids, cpus().length)}`);
    }
    const urls = instances.all.map((i) => i.url);
    const opened = await Promise.all(
      loads.map((load, i) =>
        load.request(
          { type: 'open', urls, dashboard: CLUSTER_DASHBOARD_ID, first: split.slice(0, i).reduce((a, b) => a + b, 0), viewers: split[i]!, concurrency: CONNECT_CONCURRENCY, timeoutMs: VIEWER_TIMEOUT_MS },
          'opened',
          OPEN_TIMEOUT_MS,
        ),
      ),
    );
    const subscribed = opened.reduce((n, o) => n + o.subscribed, 0);
    const connectMs = Math.max(...opened.map((o) => o.ms));
    log(`  ${subscribed}/${cluster.viewers} viewers subscribed in ${connectMs} ms`);
    const { holders, settled } = await instances.settle(SETTLE_QUIET_MS, SETTLE_TIMEOUT_MS);
    log(`  holders ${settled ? 'settled' : 'NOT settled'}: ${describeHolders(holders)}`);
    await sleep(ctx.settings.warmupSeconds * 1000);
    await sleep(msUntilMidTick());

    const atStart = await instances.holders();
    const lag0 = await relayLag(instances.all.map((i) => i.url));
    const cpu0 = instances.all.map((i) => processCpuMicros(i.pid));
    const q0 = await ctx.db.runs();
    const tq0 = Date.now();
    await Promise.all(loads.map((load) => load.request({ type: 'start' }, 'started', 10_000)));
    const t0 = Date.now();
    await sleep(cluster.seconds * 1000);
    const stopped = await Promise.all(loads.map((load) => load.request({ type: 'stop' }, 'result', 30_000)));
    const q1 = await ctx.db.runs();
    const tq1 = Date.now();
    const times = runTimes(await readPublished(admin, prefix, atStart));
    const windows = await Promise.all(
      stopped.map(async ({ type: _type, ...window }, i) => {
        const { latency, unmatched } = await loads[i]!.request({ type: 'latency', runTimes: times }, 'latencies', 30_000);
        return { ...window, latency, unmatched };
      }),
    );
    const windowMs = Date.now() - t0;
    const cpu1 = instances.all.map((i) => processCpuMicros(i.pid));
    const atEnd = await instances.holders();
    const lag1 = await relayLag(instances.all.map((i) => i.url));
    const [before, after] = [describeHolders(atStart), describeHolders(atEnd)];

    let failoverResult: Failover | undefined;
    let failoverError: string | undefined;
    if (failover) {
      log(`  failover: killing the instance holding the most jobs`);
      try {
        failoverResult = await runFailover(instances, loads, admin, ctx.redisUrl, prefix, FAILOVER_DEADLINE_TTLS * cluster.leaseTtlMs);
      } catch (err) {
        failoverError = err instanceof Error ? err.message : String(err);
      }
    }

    await Promise.all(loads.map((load) => load.request({ type: 'close' }, 'closed', 15_000)));
    await Promise.all(loads.map((load) => load.finish(5000)));
    const failed = opened.find((o) => o.firstError !== undefined);
    return {
      instances: count,
      run,
      viewers: cluster.viewers,
      subscribed,
      failedToSubscribe: opened.reduce((n, o) => n + o.failed, 0),
      ...(failed?.firstError !== undefined && { firstError: failed.firstError }),
      connectMs,
      settled,
      holders: WIDGET_IDS.map((w) => atStart.get(w)?.index ?? -1),
      ...(before !== after && { holdersMoved: [before, after] as [string, string] }),
      windowMs,
      queries: q1 - q0,
      // Both reads are half a second from a tick (give or take the scheduler's small offset and the IPC).
      ticks: Math.floor(tq1 / WIDGET_EVERY_MS) - Math.floor(tq0 / WIDGET_EVERY_MS),
      cpuMicros: cpu1.map((c, i) => c - cpu0[i]!),
      relayLag: lag1.map((b, i) => ({ ms: b.ms, count: b.count - lag0[i]!.count })),
      windows,
      ...(failoverResult !== undefined && { failover: failoverResult }),
      ...(failoverError !== undefined && { failoverError }),
      killed: loads.filter((l) => l.killed).map((l) => l.name),
    };
  } finally {
    admin.disconnect();
    for (const load of loads) load.kill();
    await instances.stop();
  }
}
