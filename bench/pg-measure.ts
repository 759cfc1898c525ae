/**
 * The PostgreSQL benchmark's measurements, each with a server process of its own:
 *
 * - `measureQueries`: viewers watch the bench-pg dashboard; the database counts the scans of the bench
 *   table over the whole life of the server (exact: a backend flushes its statistics when it exits),
 *   against rtdash's own count and what the schedule calls for, while the viewers measure a window.
 * - `measurePush`: with the viewers subscribed, the orchestrator inserts orders at a known time; each
 *   viewer records when the listening widget first shows each new id.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';
import { Child } from './child.js';
import type { BenchDatabase, Notification } from './pg-db.js';
import type { PgLoadCommand, PgLoadReport, PgLoadWindow, PgServerCommand, PgServerReport, ServerTrace } from './pg-ipc.js';
import { PG_DASHBOARD_ID, PG_WIDGETS, clockMs } from './pg-scenario.js';
import type { Settings } from './settings.js';

/** Viewers connecting at once per load process. */
export const CONNECT_CONCURRENCY = 100;
/** How long one viewer may take from connect to snapshot. */
export const VIEWER_TIMEOUT_MS = 20_000;
/** How long all of a load process's viewers may take to subscribe. */
export const OPEN_TIMEOUT_MS = 120_000;
/** How long the server's connections may take to leave PostgreSQL after it stopped. */
const GONE_TIMEOUT_MS = 10_000;
/** How long the source's LISTEN connection may take to come up. */
const LISTEN_TIMEOUT_MS = 10_000;
/** Time between the viewers subscribing (and one unmeasured INSERT) and the measured window. */
const PUSH_WARMUP_MS = 2000;
/**
 * Time between the start of the window and the first measured INSERT: a tick's updates go through the
 * viewers' in-window code first, which is otherwise cold for the first notification (it added ~12 ms there).
 */
const PUSH_LEAD_MS = 1000;
/** Time after the last NOTIFY for its updates to arrive. */
const PUSH_DRAIN_MS = 1000;
/**
 * Least time between one INSERT's acknowledgement and the next INSERT, as a share of the spacing: after
 * a slow commit the schedule slips instead of catching up with a burst, which the source would coalesce
 * (25 ms) and which would then measure coalescing rather than one NOTIFY's trip.
 */
const MIN_GAP_SHARE = 0.5;

/** What the servers and viewers of one measurement did, whichever kind. */
interface Run {
  viewers: number;
  split: number[];
  subscribed: number;
  failedToSubscribe: number;
  firstError?: string;
  connectMs: number;
  windows: PgLoadWindow[];
  /** Server CPU over the window, and the window as the server saw it. */
  serverCpuMicros: number;
  serverWallMs: number;
  fanoutMs: number[];
  trace: ServerTrace;
  killed: string[];
}

/** Everything measured for one number of viewers, counting queries. */
export interface QueryMeasurement extends Run {
  /** Scans of the bench table the database counted over the server's life. */
  dbScans: number;
  /** From the first query to the last viewer leaving, ms. */
  activeMs: number;
  /** Whether the server's connections left PostgreSQL in time (if not, dbScans may be short). */
  flushed: boolean;
}

/** Everything measured for one number of viewers, timing push. */
export interface PushMeasurement extends Run {
  coalesceMs: number;
  notifications: Notification[];
  spacingMs: number;
}

/** Counts the database's queries with `viewers` viewers for `settings.pg.seconds`. */
export async function measureQueries(db: BenchDatabase, viewers: number, settings: Settings, coalesceMs: number, log: (line: string) => void): Promise<QueryMeasurement> {
  const applicationName = `rtdash-bench-q${viewers}-${process.pid}`;
  const before = await db.scans();
  const run = await withServer(db, applicationName, coalesceMs, viewers, settings, log, async ({ server, loads }) => {
    await sleep(settings.warmupSeconds * 1000);
    await sleep(msUntilMidTick());
    return measureWindow(server, loads, settings.pg.seconds * 1000);
  });
  const flushed = await db.waitGone(applicationName, GONE_TIMEOUT_MS);
  const dbScans = (await db.scans()) - before;
  const first = run.trace.queries[0]?.start ?? Number.NaN;
  return { ...run, dbScans, activeMs: (run.trace.idleSince ?? Number.NaN) - first, flushed };
}

/** Inserts `settings.pg.notifications` orders `settings.pg.spacingMs` apart with `viewers` viewers watching. */
export async function measurePush(db: BenchDatabase, viewers: number, settings: Settings, coalesceMs: number, log: (line: string) => void): Promise<PushMeasurement> {
  const applicationName = `rtdash-bench-p${viewers}-${process.pid}`;
  const { spacingMs, notifications: count } = settings.pg;
  const notifications: Notification[] = [];
  const run = await withServer(db, applicationName, coalesceMs, viewers, settings, log, async ({ server, loads }) => {
    const deadline = Date.now() + LISTEN_TIMEOUT_MS;
    while (!(await server.request({ type: 'status' }, 'status', 10_000)).listening) {
      if (Date.now() > deadline) throw new Error(`the source's LISTEN connection was not up within ${LISTEN_TIMEOUT_MS} ms`);
      await sleep(50);
    }
    await db.synchronousCommit(settings.pg.syncCommit);
    await db.insert(); // one push through the whole chain before measuring
    await sleep(PUSH_WARMUP_MS);
    return measureWindow(server, loads, async () => {
      await sleep(PUSH_LEAD_MS);
      const t0 = clockMs();
      for (let k = 0; k < count; k++) {
        const previous = notifications[notifications.length - 1];
        const due = Math.max(t0 + k * spacingMs, previous === undefined ? 0 : previous.acked + MIN_GAP_SHARE * spacingMs);
        const wait = due - clockMs();
        if (wait > 0) await sleep(wait);
        notifications.push(await db.insert());
      }
      await sleep(PUSH_DRAIN_MS);
    });
  });
  await db.waitGone(applicationName, GONE_TIMEOUT_MS);
  return { ...run, coalesceMs, notifications, spacingMs };
}

type Server = Child<PgServerCommand, PgServerReport>;
type Load = Child<PgLoadCommand, PgLoadReport>;
type Window = Pick<Run, 'windows' | 'serverCpuMicros' | 'serverWallMs' | 'fanoutMs'>;

/**
 * Starts the server, opens the viewers, runs `body`, then closes the viewers and stops the server; every
 * child process it starts is gone when it returns or throws.
 */
async function withServer(
  db: BenchDatabase,
  applicationName: string,
  coalesceMs: number,
  viewers: number,
  settings: Settings,
  log: (line: string) => void,
  body: (children: { server: Server; loads: Load[] }) => Promise<Window>,
): Promise<Run> {
  const server: Server = new Child('rtdash pg server', './pg-peer.js', [...SERVER_NODE_FLAGS]);
  const split = splitEvenly(viewers, Math.ceil(viewers / settings.viewersPerLoad));
  const loads: Load[] = split.map((_, i) => new Child(`pg load ${i + 1}`, './pg-load.js'));
  try {
    const { port } = await server.request({ type: 'configure', url: db.url, applicationName, coalesceMs }, 'ready', 30_000);
    const url = `ws://127.0.0.1:${port}/ws`;
    const opened = await Promise.all(
      loads.map((load, i) =>
        load.request(
          { type: 'open', url, dashboard: PG_DASHBOARD_ID, viewers: split[i]!, concurrency: CONNECT_CONCURRENCY, timeoutMs: VIEWER_TIMEOUT_MS },
          'opened',
          OPEN_TIMEOUT_MS,
        ),
      ),
    );
    const subscribed = opened.reduce((n, o) => n + o.subscribed, 0);
    const connectMs = Math.max(...opened.map((o) => o.ms));
    log(`  ${subscribed}/${viewers} viewers subscribed in ${connectMs} ms`);

    const window = await body({ server, loads });

    await Promise.all(loads.map((load) => load.request({ type: 'close' }, 'closed', 15_000)));
    await Promise.all(loads.map((load) => load.finish(5000)));
    const { trace } = await server.request({ type: 'trace' }, 'trace', 10_000);
    await server.request({ type: 'stop' }, 'stopped', 15_000);
    await server.finish(5000);
    const failed = opened.find((o) => o.firstError !== undefined);
    return {
      viewers,
      split,
      subscribed,
      failedToSubscribe: opened.reduce((n, o) => n + o.failed, 0),
      ...(failed?.firstError !== undefined && { firstError: failed.firstError }),
      connectMs,
      ...window,
      trace,
      killed: [server, ...loads].filter((c) => c.killed).map((c) => c.name),
    };
  } finally {
    for (const child of [server, ...loads]) child.kill();
  }
}

/** A measured window: `during` milliseconds, or as long as `during()` takes. */
async function measureWindow(server: Server, loads: Load[], during: number | (() => Promise<void>)): Promise<Window> {
  const first = server.request({ type: 'sample', gc: false }, 'sample', 10_000);
  await Promise.all(loads.map((load) => load.request({ type: 'start' }, 'started', 10_000)));
  const s0 = await first;
  const t0 = Date.now();
  if (typeof during === 'number') await sleep(during);
  else await during();
  const last = server.request({ type: 'sample', gc: false }, 'sample', 10_000);
  const windows = await Promise.all(loads.map((load) => load.request({ type: 'stop' }, 'result', 30_000)));
  const s1 = await last;
  return { windows, serverCpuMicros: s1.cpuMicros - s0.cpuMicros, serverWallMs: Date.now() - t0, fanoutMs: s1.fanoutMs };
}

/**
 * The runs rtdash should make between the first query and the last viewer leaving: each job's first run
 * (when the first viewer subscribes) plus one per clock-aligned tick after it (the scheduler aligns a
 * job's ticks to multiples of its interval, give or take a few ms of jitter).
 */
export function expectedRuns(m: QueryMeasurement): number {
  if (m.trace.idleSince === undefined) return Number.NaN;
  const end = m.trace.idleSince + m.trace.wallMinusClock;
  let runs = 0;
  for (const widget of PG_WIDGETS) {
    const started = m.trace.queries.find((q) => q.widget === widget.id)?.start;
    if (started === undefined) return Number.NaN;
    const first = started + m.trace.wallMinusClock;
    runs += 1 + Math.floor(end / widget.everyMs) - Math.floor(first / widget.everyMs);
  }
  return runs;
}

/** Milliseconds until the middle of the next second: the widgets tick on whole seconds. */
export function msUntilMidTick(): number {
  return (1500 - (Date.now() % 1000)) % 1000;
}

/** `total` split into `parts` near-equal whole numbers. */
export function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
