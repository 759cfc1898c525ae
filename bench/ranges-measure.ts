/**
 * The ranges suite's three measurements, each on a fresh server process: the first paint of "last 7 days" in
 * Chromium and the query's share of it; viewers opening fixed ranges, with the cache's hits and misses and the
 * queries the database ran; and the server's CPU per widget API request answered from the database and from cache.
 */
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import type { RangesDatabase } from './ranges-db.js';
import { readCounters, type Counters } from './ranges-metrics.js';
import { RangesServer } from './ranges-server-handle.js';
import { RANGES_DASHBOARD_ID, RANGES_SOURCE, RANGES_WIDGET, SERVER_APPLICATION_NAME } from './ranges-scenario.js';
import { closeSockets, openAll, type Opened } from './viewer-pool.js';

/** How long the page may take to paint the chart (the 10M-row query included). */
const PAINT_TIMEOUT_MS = 180_000;
/** How long one viewer may wait for the chart's data. */
const VIEWER_TIMEOUT_MS = 120_000;

/** The first paint of the chart and what the query took of it. */
export interface PaintResult {
  /** Navigation start → first animation frame with the chart's series drawn, ms. */
  paintMs: number;
  /** Points the chart holds then. */
  points: number;
  /** Queries the server ran meanwhile (1 expected). */
  queries: number;
  /** Their duration as the server measured it (rtdash_query_duration_seconds), ms. */
  queryMs: number;
}

/** Opens the dashboard's page at `range` in a fresh browser context and times the chart's first paint. */
export async function measurePaint(browser: Browser, db: RangesDatabase, range: { from: string; to: string }): Promise<PaintResult> {
  const server = await RangesServer.start(db.url);
  try {
    const before = await readCounters(server.base, RANGES_SOURCE);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    let paint: { ms: number; points: number };
    try {
      const page = await context.newPage();
      await page.addInitScript(PAINT_PROBE);
      await page.goto(`${server.base}/d/${RANGES_DASHBOARD_ID}?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`);
      await page.bringToFront();
      await page.waitForFunction('window.__paint !== undefined', undefined, { timeout: PAINT_TIMEOUT_MS, polling: 100 });
      paint = await page.evaluate<{ ms: number; points: number }>('window.__paint');
    } finally {
      await context.close();
    }
    const after = await readCounters(server.base, RANGES_SOURCE);
    return { paintMs: paint.ms, points: paint.points, queries: after.queries - before.queries, queryMs: (after.querySeconds - before.querySeconds) * 1000 };
  } finally {
    await stopAndWait(server, db);
  }
}

/**
 * Runs in the page before its scripts: on every animation frame, looks (through shadow roots) for the chart and
 * records `performance.now()` (ms since navigation start) at the first frame in which it has drawn its series.
 */
const PAINT_PROBE = `(() => {
  const find = (root) => {
    const hit = root.querySelector('rt-chart[data-widget="${RANGES_WIDGET}"]');
    if (hit) return hit;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) { const f = find(el.shadowRoot); if (f) return f; }
    return null;
  };
  const check = () => {
    const chart = document.body ? find(document) : null;
    const drawn = chart && chart.shadowRoot ? chart.shadowRoot.querySelectorAll('.apexcharts-series path').length : 0;
    const values = chart && chart.state && chart.state.frame && chart.state.frame.fields[0] ? chart.state.frame.fields[0].values.length : 0;
    if (drawn > 0 && values > 0) window.__paint = { ms: performance.now(), points: values };
    else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})();`;

/** Viewers opening fixed ranges, and what it cost the database. */
export interface CacheResult {
  viewers: number;
  failed: number;
  firstError?: string;
  ms: number;
  /** Queries rtdash ran (rtdash_queries_total). */
  queries: number;
  /** Scans of the table in PostgreSQL's statistics over the server's life. */
  scans: number;
  /** Range cache hits and misses, when the build has a range cache. */
  hits?: number;
  misses?: number;
}

/**
 * `viewers` viewers, at most `concurrency` at a time, each opening the dashboard at one of `ranges` (in turn),
 * staying until the chart's data is there, then leaving: people opening a shared link, looking, closing it.
 */
export async function measureCache(db: RangesDatabase, viewers: number, concurrency: number, ranges: { from: string; to: string }[]): Promise<CacheResult> {
  const scansBefore = await db.scans();
  const server = await RangesServer.start(db.url);
  let before: Counters;
  let after: Counters;
  let opened: Opened<void>;
  try {
    before = await readCounters(server.base, RANGES_SOURCE);
    let next = 0;
    opened = await openAll(viewers, concurrency, () => viewChart(server.wsUrl, ranges[next++ % ranges.length]!));
    after = await readCounters(server.base, RANGES_SOURCE);
  } finally {
    await stopAndWait(server, db);
  }
  const cache = before.cacheHits !== undefined && after.cacheHits !== undefined && { hits: after.cacheHits - before.cacheHits, misses: after.cacheMisses! - before.cacheMisses! };
  return {
    viewers,
    failed: opened.failed,
    ...(opened.firstError !== undefined && { firstError: opened.firstError }),
    ms: opened.ms,
    queries: after.queries - before.queries,
    scans: (await db.scans()) - scansBefore,
    ...cache,
  };
}

type Entry = { w?: string; status?: string; frame?: { fields?: { values?: unknown[] }[] }; f?: { fields?: { values?: unknown[] }[] }; e?: { message?: string }; error?: { message?: string } };

/** One viewer: subscribes at `range`, resolves once the chart's data has arrived, then closes. */
function viewChart(url: string, range: { from: string; to: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void closeSockets([ws], 1000).then(() => (err === undefined ? resolve() : reject(err)));
    };
    const timer = setTimeout(() => finish(new Error(`no chart data within ${VIEWER_TIMEOUT_MS} ms`)), VIEWER_TIMEOUT_MS);
    ws.on('error', (err) => finish(err));
    ws.on('close', (code) => finish(new Error(`closed with ${code} before the chart's data`)));
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as { type: string; widgets?: Entry[]; updates?: Entry[]; message?: string };
      if (msg.type === 'hello') return ws.send(JSON.stringify({ type: 'subscribe', dashboard: RANGES_DASHBOARD_ID, range }));
      if (msg.type === 'error') return finish(new Error(msg.message ?? 'error message'));
      const entry = (msg.widgets ?? msg.updates ?? []).find((e) => e.w === RANGES_WIDGET);
      if (entry?.status === 'error' || entry?.e !== undefined) return finish(new Error((entry.error ?? entry.e)?.message ?? 'the chart failed'));
      if (((entry?.frame ?? entry?.f)?.fields?.[0]?.values?.length ?? 0) > 0) finish();
    });
  });
}

/** Server CPU per widget API request, one way of serving. */
export interface CpuPhase {
  requests: number;
  /** Server CPU (user + system) per request, µs. */
  cpuMicros: number;
  /** Wall time per request as the client saw it, ms. */
  wallMs: number;
  /** Queries the server ran over the phase. */
  queries: number;
}

/** Requests answered from the database (each range distinct) and answered again for one range (cacheable). */
export interface CpuResult {
  database: CpuPhase;
  repeated: CpuPhase;
}

/**
 * `requests` widget API requests for distinct fixed ranges of `hours` hours (a minute apart: each a new query),
 * then `requests` for one fixed range asked once before (what a range cache answers). One at a time.
 */
export async function measureCpu(db: RangesDatabase, requests: number, hours: number): Promise<CpuResult> {
  const server = await RangesServer.start(db.url);
  try {
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3_600_000;
    const range = (i: number) => ({ from: String(end - i * 60_000 - hours * 3_600_000), to: String(end - i * 60_000) });
    const ask = async (r: { from: string; to: string }) => {
      const res = await fetch(`${server.base}/api/dashboards/${RANGES_DASHBOARD_ID}/widgets/${RANGES_WIDGET}?from=${r.from}&to=${r.to}`);
      const body = await res.text();
      if (!res.ok) throw new Error(`widget API answered ${res.status}: ${body.slice(0, 200)}`);
      if (!body.includes('"status":"ok"')) throw new Error(`widget API answered without data: ${body.slice(0, 200)}`);
    };
    const phase = async (ranges: { from: string; to: string }[]): Promise<CpuPhase> => {
      const q0 = (await readCounters(server.base, RANGES_SOURCE)).queries;
      const cpu0 = await server.cpuMicros();
      const t0 = performance.now();
      for (const r of ranges) await ask(r);
      const wall = performance.now() - t0;
      const cpu1 = await server.cpuMicros();
      const q1 = (await readCounters(server.base, RANGES_SOURCE)).queries;
      return { requests: ranges.length, cpuMicros: (cpu1 - cpu0) / ranges.length, wallMs: wall / ranges.length, queries: q1 - q0 };
    };
    // Untimed: the code paths compiled, the pool's connections open.
    for (let i = 0; i < 5; i++) await ask(range(10_000 + i));
    const database = await phase(Array.from({ length: requests }, (_, i) => range(i)));
    const fixed = range(20_000);
    await ask(fixed);
    const repeated = await phase(Array.from({ length: requests }, () => fixed));
    return { database, repeated };
  } finally {
    await stopAndWait(server, db);
  }
}

/** Stops the server and waits for its database connections to be gone, so their scans are counted. */
async function stopAndWait(server: RangesServer, db: RangesDatabase): Promise<void> {
  await server.stop();
  if (!(await db.waitGone(SERVER_APPLICATION_NAME, 10_000))) throw new Error("the server's database connections did not go away");
}
