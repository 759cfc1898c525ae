/** The benchmark's knobs, read from BENCH_* environment variables, and the machine limits they meet. */
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../core/config/index.js';

/** A server implementation under test: rtdash, a socket.io server with a room per dashboard, or a naive `ws` loop. */
export type Impl = 'rtdash' | 'socketio' | 'naive';

/** Every implementation, in the default order. */
export const IMPLS: readonly Impl[] = ['rtdash', 'socketio', 'naive'];

/**
 * A part of `npm run bench`: the fan-out comparison, its scale sweeps, the PostgreSQL dashboard, the elements in
 * Chromium, the alert engine, time ranges, CPU per job run, or several instances sharing work through Redis.
 */
export type Suite = 'fanout' | 'scale' | 'postgres' | 'browser' | 'alerts' | 'ranges' | 'jobs' | 'cluster';

/** Every suite, in the default order. */
const SUITES: readonly Suite[] = ['fanout', 'scale', 'postgres', 'browser', 'alerts', 'ranges', 'jobs', 'cluster'];

/** The scale suite's knobs (BENCH_SCALE_*): how server CPU grows with widgets and with dashboards. */
export interface ScaleSettings {
  /** Implementations to run (BENCH_SCALE_IMPLS=rtdash,socketio). */
  impls: Impl[];
  /** Widgets on the one dashboard, one run each (BENCH_SCALE_WIDGETS=10,50,200). */
  widgets: number[];
  /** Viewers for the widget runs (BENCH_SCALE_WIDGET_VIEWERS=100). */
  widgetViewers: number;
  /** Dashboards of 10 widgets the viewers are spread over, one run each (BENCH_SCALE_DASHBOARDS=1,20). */
  dashboards: number[];
  /** Viewers in all for the dashboard runs (BENCH_SCALE_DASHBOARD_VIEWERS=1000). */
  dashboardViewers: number;
  /**
   * Time between the last viewer subscribing and the window (BENCH_SCALE_WARMUP=15): the suite compares servers
   * that have run for a while, after V8 has compiled their hot paths (for the first ten seconds or so its
   * compiler threads still take several ms of CPU a second, more where more jobs make the code hot sooner).
   */
  warmupSeconds: number;
}

/** A page the browser suite measures: the elements, or a page written the obvious way. */
export type BrowserPage = 'rtdash' | 'naive';

/** The browser suite's knobs (BENCH_BROWSER_*). */
export interface BrowserSettings {
  /** Length of each page's measured window (BENCH_BROWSER_SECONDS=120). */
  seconds: number;
  /** The pages to measure, in order (BENCH_BROWSER_PAGES=rtdash,naive). */
  pages: BrowserPage[];
  /** Length of the CPU profile taken after each page's window; 0 for none (BENCH_BROWSER_PROFILE_SECONDS=20). */
  profileSeconds: number;
}

/** The PostgreSQL suite's knobs (BENCH_PG_*). */
export interface PgSettings {
  /** The database the bench schema goes in (BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/test). */
  url: string;
  /** Viewer counts for counting queries (BENCH_PG_VIEWERS=1,100,1000). */
  viewers: number[];
  /** Length of each query-counting window (BENCH_PG_SECONDS=30). */
  seconds: number;
  /** Viewer counts for push latency (BENCH_PG_PUSH_VIEWERS=1,1000). */
  pushViewers: number[];
  /** Orders inserted (one NOTIFY each) per push measurement (BENCH_PG_NOTIFY=50). */
  notifications: number;
  /**
   * Time between two inserts (BENCH_PG_SPACING_MS=317): about 300 ms, and prime to the widgets' 1 s tick,
   * so 50 inserts land on 50 different phases of it, about 20 ms apart, and meet the ticks' flushes as often as chance has it.
   */
  spacingMs: number;
  /** Whether the INSERTs' commits wait for the disk before their NOTIFY goes out (BENCH_PG_SYNC_COMMIT=1; off by default). */
  syncCommit: boolean;
  /**
   * The hub's coalescing window in the pg server, ms (BENCH_PG_COALESCE=15, the default limit): queries are
   * counted with the first value, push is measured once per value.
   */
  coalesce: number[];
}

/** The ranges suite's knobs (BENCH_RANGES_*); its database server is BENCH_PG_URL's. */
export interface RangesSettings {
  /** Rows in the generated table (BENCH_RANGES_ROWS=10000000). */
  rows: number;
  /** Interleaved runs of the three measurements (BENCH_RANGES_RUNS=3). */
  runs: number;
  /** Viewers opening the fixed ranges (BENCH_RANGES_VIEWERS=1000). */
  viewers: number;
  /** Distinct fixed ranges they open (BENCH_RANGES_DISTINCT=10). */
  distinct: number;
  /** Viewers connecting at once (BENCH_RANGES_CONCURRENCY=50). */
  concurrency: number;
  /** Widget API requests per CPU phase (BENCH_RANGES_REQUESTS=100). */
  requests: number;
}

/** The cluster suite's knobs (BENCH_CLUSTER_*); its database server is BENCH_PG_URL's. */
export interface ClusterSettings {
  /** Instance counts, measured in this order in every run (BENCH_CLUSTER_INSTANCES=1,2,3). */
  instances: number[];
  /** Viewers in all, spread round-robin over the instances (BENCH_CLUSTER_VIEWERS=3000). */
  viewers: number;
  /** Length of each measured window (BENCH_CLUSTER_SECONDS=20). */
  seconds: number;
  /** Interleaved runs of every instance count (BENCH_RUNS, 3 for this suite when not set). */
  runs: number;
  /** The instances' `cluster.lease_ttl`, ms (BENCH_CLUSTER_LEASE_TTL_MS=1000). */
  leaseTtlMs: number;
  /** Kill the busiest instance after the window at the largest instance count (BENCH_CLUSTER_FAILOVER=1; 0 for none). */
  failover: boolean;
  /**
   * Keep the load processes and the instances on CPUs of their own (BENCH_CLUSTER_PIN=1; 0 for none), so that
   * every instance count gets the same CPUs for its servers and the load never competes with them.
   */
  pin: boolean;
}

/** What one `npm run bench` does. */
export interface Settings {
  /** Viewer counts to run, in order (BENCH_VIEWERS=100,1000,2000,5000,10000). */
  viewers: number[];
  /** Implementations, in order, one after the other at each size (BENCH_IMPLS=rtdash,socketio,naive). */
  impls: Impl[];
  /** Interleaved runs of every (size, implementation) in the fan-out and scale suites (BENCH_RUNS=1); the report gives min/median/max. */
  runs: number;
  /** Length of the measured window (BENCH_SECONDS=10). */
  seconds: number;
  /** Time between the last viewer subscribing and the window (BENCH_WARMUP=3). */
  warmupSeconds: number;
  /** Viewers per load process; more viewers are split over more processes (BENCH_VIEWERS_PER_LOAD=5000). */
  viewersPerLoad: number;
  /** Profile rtdash's measured window at each size and print the top functions (BENCH_PROFILE=1). */
  profile: boolean;
  /** The parts to run, in order (BENCH_SUITES=fanout,scale,postgres,browser,alerts,ranges,jobs,cluster). */
  suites: Suite[];
  scale: ScaleSettings;
  pg: PgSettings;
  ranges: RangesSettings;
  browser: BrowserSettings;
  cluster: ClusterSettings;
}

/** Reads the settings; throws with the variable's name when one is malformed or out of range. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  return {
    viewers: list(env.BENCH_VIEWERS, '100,1000,2000,5000,10000', 'BENCH_VIEWERS').map((v) => int(v, 'BENCH_VIEWERS', 1, 20_000)),
    impls: impls(env.BENCH_IMPLS, IMPLS.join(','), 'BENCH_IMPLS'),
    runs: int(env.BENCH_RUNS ?? '1', 'BENCH_RUNS', 1, 20),
    seconds: int(env.BENCH_SECONDS ?? '10', 'BENCH_SECONDS', 1, 120),
    warmupSeconds: int(env.BENCH_WARMUP ?? '3', 'BENCH_WARMUP', 0, 60),
    viewersPerLoad: int(env.BENCH_VIEWERS_PER_LOAD ?? '5000', 'BENCH_VIEWERS_PER_LOAD', 100, 20_000),
    profile: env.BENCH_PROFILE === '1',
    suites: list(env.BENCH_SUITES, SUITES.join(','), 'BENCH_SUITES').map((name) => {
      const suite = SUITES.find((known) => known === name);
      if (suite === undefined) throw new Error(`BENCH_SUITES: unknown suite "${name}"; expected one of ${SUITES.join(', ')}`);
      return suite;
    }),
    scale: {
      impls: impls(env.BENCH_SCALE_IMPLS, 'rtdash,socketio', 'BENCH_SCALE_IMPLS'),
      widgets: list(env.BENCH_SCALE_WIDGETS, '10,50,200', 'BENCH_SCALE_WIDGETS').map((v) => int(v, 'BENCH_SCALE_WIDGETS', 1, 1000)),
      widgetViewers: int(env.BENCH_SCALE_WIDGET_VIEWERS ?? '100', 'BENCH_SCALE_WIDGET_VIEWERS', 1, 20_000),
      dashboards: list(env.BENCH_SCALE_DASHBOARDS, '1,20', 'BENCH_SCALE_DASHBOARDS').map((v) => int(v, 'BENCH_SCALE_DASHBOARDS', 1, 1000)),
      dashboardViewers: int(env.BENCH_SCALE_DASHBOARD_VIEWERS ?? '1000', 'BENCH_SCALE_DASHBOARD_VIEWERS', 1, 20_000),
      warmupSeconds: int(env.BENCH_SCALE_WARMUP ?? '15', 'BENCH_SCALE_WARMUP', 0, 120),
    },
    pg: {
      url: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      viewers: list(env.BENCH_PG_VIEWERS, '1,100,1000', 'BENCH_PG_VIEWERS').map((v) => int(v, 'BENCH_PG_VIEWERS', 1, 20_000)),
      seconds: int(env.BENCH_PG_SECONDS ?? '30', 'BENCH_PG_SECONDS', 1, 300),
      pushViewers: list(env.BENCH_PG_PUSH_VIEWERS, '1,1000', 'BENCH_PG_PUSH_VIEWERS').map((v) => int(v, 'BENCH_PG_PUSH_VIEWERS', 1, 20_000)),
      notifications: int(env.BENCH_PG_NOTIFY ?? '50', 'BENCH_PG_NOTIFY', 1, 1000),
      spacingMs: int(env.BENCH_PG_SPACING_MS ?? '317', 'BENCH_PG_SPACING_MS', 50, 10_000),
      syncCommit: env.BENCH_PG_SYNC_COMMIT === '1',
      coalesce: list(env.BENCH_PG_COALESCE, String(DEFAULT_LIMITS.coalesceMs), 'BENCH_PG_COALESCE').map((v) => int(v, 'BENCH_PG_COALESCE', 0, 1000)),
    },
    ranges: {
      rows: int(env.BENCH_RANGES_ROWS ?? '10000000', 'BENCH_RANGES_ROWS', 1000, 200_000_000),
      runs: int(env.BENCH_RANGES_RUNS ?? '3', 'BENCH_RANGES_RUNS', 1, 20),
      viewers: int(env.BENCH_RANGES_VIEWERS ?? '1000', 'BENCH_RANGES_VIEWERS', 1, 20_000),
      distinct: int(env.BENCH_RANGES_DISTINCT ?? '10', 'BENCH_RANGES_DISTINCT', 1, 25),
      concurrency: int(env.BENCH_RANGES_CONCURRENCY ?? '50', 'BENCH_RANGES_CONCURRENCY', 1, 5000),
      requests: int(env.BENCH_RANGES_REQUESTS ?? '100', 'BENCH_RANGES_REQUESTS', 1, 100_000),
    },
    browser: {
      seconds: int(env.BENCH_BROWSER_SECONDS ?? '120', 'BENCH_BROWSER_SECONDS', 5, 3600),
      pages: list(env.BENCH_BROWSER_PAGES, 'rtdash,naive', 'BENCH_BROWSER_PAGES').map((name) => {
        if (name !== 'rtdash' && name !== 'naive') throw new Error(`BENCH_BROWSER_PAGES: unknown page "${name}"; expected rtdash or naive`);
        return name;
      }),
      profileSeconds: int(env.BENCH_BROWSER_PROFILE_SECONDS ?? '20', 'BENCH_BROWSER_PROFILE_SECONDS', 0, 600),
    },
    cluster: {
      instances: list(env.BENCH_CLUSTER_INSTANCES, '1,2,3', 'BENCH_CLUSTER_INSTANCES').map((v) => int(v, 'BENCH_CLUSTER_INSTANCES', 1, 8)),
      viewers: int(env.BENCH_CLUSTER_VIEWERS ?? '3000', 'BENCH_CLUSTER_VIEWERS', 1, 20_000),
      seconds: int(env.BENCH_CLUSTER_SECONDS ?? '20', 'BENCH_CLUSTER_SECONDS', 1, 300),
      runs: int(env.BENCH_RUNS ?? '3', 'BENCH_RUNS', 1, 20),
      leaseTtlMs: int(env.BENCH_CLUSTER_LEASE_TTL_MS ?? '1000', 'BENCH_CLUSTER_LEASE_TTL_MS', 1000, 60_000),
      failover: (env.BENCH_CLUSTER_FAILOVER ?? '1') !== '0',
      pin: (env.BENCH_CLUSTER_PIN ?? '1') !== '0',
    },
  };
}

/** The soft limit on open files of this process (children inherit it), or undefined off Linux. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function impls(value: string | undefined, fallback: string, name: string): Impl[] {
  return list(value, fallback, name).map((item) => {
    const impl = IMPLS.find((known) => known === item);
    if (impl === undefined) throw new Error(`${name}: unknown implementation "${item}"; expected one of ${IMPLS.join(', ')}`);
    return impl;
  });
}

function list(value: string | undefined, fallback: string, name: string): string[] {
  const items = (value ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${name} is empty`);
  return items;
}

function int(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected a whole number from ${min} to ${max}; got "${text}"`);
  return n;
}
