/**
 * One page of the browser suite, measured in Chromium: a fresh rtdash server (its own process), a fresh browser
 * context, the page loaded until every widget has data, a settling pause, then the measured window:
 *
 * - main-thread busy: the `TaskDuration` counter of CDP `Performance.getMetrics` (the summed wall time of the
 *   renderer main thread's tasks) over the window's wall time; the forced GC at 30 s is left out of both (the window
 *   is two spans around it, BENCH_BROWSER_SECONDS in all);
 * - long tasks: a `PerformanceObserver` for `longtask` entries (> 50 ms) installed before the page's own scripts,
 *   and the Long Animation Frames API for what ran in the long frames;
 * - the JS heap (`Runtime.getHeapUsage`) after forced collections (`HeapProfiler.collectGarbage`) at the start,
 *   after 30 s and at the end (the least of three readings, see collectedHeap).
 *
 * After the window, optionally, a CPU profile (CDP `Profiler`) of the same page, so the window itself is not
 * slowed by the profiler.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Profiler } from 'node:inspector';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, CDPSession } from 'playwright-core';
import { Child } from './child.js';
import type { ServerCommand, ServerReport } from './ipc.js';
import { summariseProfile, type BrowserProfileSummary } from './browser-profile.js';
import { BROWSER_WIDGETS, PAGE_ORIGIN_ENV, VIEWPORT } from './browser-scenario.js';
import type { BrowserPage, BrowserSettings } from './settings.js';
import type { SourceMap } from './source-map.js';

/** How long after every widget has data the window starts: the first renders and the lazy chunk are done by then. */
export const SETTLE_MS = 5000;
/** When the middle heap figure is taken. */
export const MID_HEAP_MS = 30_000;
/** How long a page may take to show data in every widget. */
const READY_TIMEOUT_MS = 60_000;
/** Profiler sampling interval, µs. */
const SAMPLING_US = 250;
/** Functions listed from a profile. */
const PROFILE_TOP = 20;

/** A long task or a long animation frame, in the page's time (ms since its navigation). */
export interface LongTask {
  start: number;
  duration: number;
}

/** A long animation frame (> 50 ms) and its longest script, from the Long Animation Frames API. */
export interface LongFrame extends LongTask {
  blocking: number;
  /** How many scripts (callbacks) of over 5 ms ran in the frame (the API lists no shorter ones). */
  scripts: number;
  script?: { invoker: string; url: string; fn: string; pos: number; duration: number };
}

/** What the page was like when measured. */
export interface PageEnvironment {
  visibility: string;
  focus: boolean;
  rafPerSecond: number;
  /** Which of the rtdash elements are defined on the page. */
  defined: string[];
  /** ApexCharts charts on the page (in any shadow root). */
  apexCharts: number;
  /** The lowest panel's bottom edge, px, and the viewport's height. */
  panelsBottom: number;
  viewportHeight: number;
  /** The lazily loaded chunks the page fetched. */
  chunks: string[];
}

/** A heap checkpoint: the least of a few readings, each after forced collections. */
export interface HeapReading {
  /** V8's used JS heap, bytes. */
  used: number;
  /** Blink's own (C++) heap at the same reading, bytes, where the browser reports it. */
  embedder?: number;
  /** DOM nodes and JS event listeners at the same reading. */
  nodes: number;
  listeners: number;
  /** Every reading's used JS heap, bytes. */
  readings?: number[];
}

/** Everything measured for one page. */
export interface PageMeasurement {
  page: BrowserPage;
  /** The window's wall time, less the forced GC in its middle, ms. */
  wallMs: number;
  /** Main-thread task time in that time, ms. */
  busyMs: number;
  /** Parts of busyMs: JS, layout, style recalculation. */
  scriptMs: number;
  layoutMs: number;
  styleMs: number;
  /** CPU time of the main thread in the window (`ThreadTime`), ms. */
  threadCpuMs: number;
  /** Long tasks that started in the window. */
  longTasks: LongTask[];
  /** Long tasks that started during the heap checkpoint at 30 s, left out. */
  excludedLongTasks: number;
  /** How long the heap checkpoint at 30 s took (its forced GCs and readings; 0 when there was none), ms. */
  midGcMs: number;
  longFrames: LongFrame[];
  heapStart: HeapReading;
  heapMid?: HeapReading;
  heapEnd: HeapReading;
  /** DOM nodes and JS event listeners at the start and the end, at the least heap reading. */
  nodes: [number, number];
  listeners: [number, number];
  /** The longest series of a line or area chart the page holds, in points, at the start and the end of the window. */
  longestSeries: [number, number];
  /** From navigation to data in every widget, ms. */
  readyMs: number;
  /** Long tasks between navigation and the window. */
  loadLongTasks: LongTask[];
  env: PageEnvironment;
  /**
   * What the page received over its WebSocket in the window: messages, bytes, widget entries, entries with data,
   * catch-up messages (the server held the page back as slow); and how often its WebSocket closed while the suite had
   * the page open (any close is one the page did not ask for).
   */
  received: { messages: number; bytes: number; entries: number; dataEntries: number; resumed: number; closes: number };
  /** Widget updates with data the page took in during the window (see measurePage). */
  updates: number;
  /** The server process's CPU in the window, percent of one core. */
  serverCpuPercent: number;
  /** The whole machine in the window: the 1-minute load average at its start and end, and how busy all its CPUs were (every process, ours and others'). */
  machine: { load: [number, number]; busyPercent?: number };
  errors: string[];
  /** The profile after the window, and where its `.cpuprofile` is (open it in Chrome DevTools). */
  profile?: BrowserProfileSummary & { file: string };
  killed: string[];
}

/** Installed before any script of the page: collects long tasks and long animation frames. */
const PROBE = `(() => {
  const bench = { longTasks: [], frames: [] };
  Object.defineProperty(window, '__bench', { value: bench });
  const observe = (type, push) => {
    try { new PerformanceObserver((list) => { for (const e of list.getEntries()) push(e); }).observe({ type, buffered: true }); } catch {}
  };
  observe('longtask', (e) => bench.longTasks.push({ start: e.startTime, duration: e.duration }));
  observe('long-animation-frame', (e) => {
    let script;
    for (const s of e.scripts || []) if (!script || s.duration > script.duration) script = s;
    bench.frames.push({ start: e.startTime, duration: e.duration, blocking: e.blockingDuration, scripts: (e.scripts || []).length,
      script: script && { invoker: script.invoker, url: script.sourceURL, fn: script.sourceFunctionName, pos: script.sourceCharPosition, duration: script.duration } });
  });
})();`;

/** True once every widget of the page has data. */
const READY: Record<BrowserPage, string> = {
  rtdash: `(() => {
    const d = document.querySelector('rt-dashboard');
    const els = d && d.shadowRoot ? [...d.shadowRoot.querySelectorAll('[data-widget]')] : [];
    return els.length === ${BROWSER_WIDGETS.length} && els.every((e) => e.state && e.state.status === 'ok' && e.state.frame.fields.length > 0);
  })()`,
  naive: `window.__naive !== undefined && window.__naive.withData.size === ${BROWSER_WIDGETS.length}`,
};

/** Visibility, focus, the rate of animation frames over one second, and what is on the page. */
const ENVIRONMENT = `(async () => {
  let frames = 0;
  const t0 = performance.now();
  await new Promise((resolve) => {
    const f = () => { frames++; if (performance.now() - t0 < 1000) requestAnimationFrame(f); else resolve(); };
    requestAnimationFrame(f);
  });
  const seconds = (performance.now() - t0) / 1000;
  let apexCharts = 0;
  let panelsBottom = 0;
  const walk = (root) => {
    apexCharts += root.querySelectorAll('.apexcharts-canvas').length;
    for (const s of root.querySelectorAll('section')) panelsBottom = Math.max(panelsBottom, s.getBoundingClientRect().bottom);
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return {
    visibility: document.visibilityState, focus: document.hasFocus(), rafPerSecond: frames / seconds,
    defined: ['rt-dashboard', 'rt-chart', 'rt-stat', 'rt-gauge', 'rt-table'].filter((n) => customElements.get(n) !== undefined),
    apexCharts, panelsBottom: Math.round(panelsBottom), viewportHeight: innerHeight,
  };
})()`;

/** A widget entry: whole (`frame`), or a change with data (`a`, `v`, `f`) or without. */
type DataEntry = { frame?: unknown; a?: unknown; v?: unknown; f?: unknown };

/** Whether an entry brings data: a whole state, or a change of the rows. */
const hasData = (e: DataEntry): boolean => e.frame !== undefined || e.a !== undefined || e.v !== undefined || e.f !== undefined;

/** The widget entries of an `update` or `snapshot` message, and whether it is a catch-up after the server held the page back as slow. */
function updateEntries(payload: string | Buffer): { entries: DataEntry[]; resumed: boolean } {
  try {
    const msg = JSON.parse(String(payload)) as { updates?: unknown; widgets?: unknown; resumed?: unknown };
    const list = msg.updates ?? msg.widgets;
    return { entries: Array.isArray(list) ? (list as DataEntry[]) : [], resumed: msg.resumed === true };
  } catch {
    return { entries: [], resumed: false };
  }
}

/** The longest series the page holds for its line and area charts, in points. */
const LONGEST_SERIES: Record<BrowserPage, string> = {
  rtdash: `(() => {
    const d = document.querySelector('rt-dashboard');
    const els = d && d.shadowRoot ? [...d.shadowRoot.querySelectorAll('rt-chart')] : [];
    return Math.max(0, ...els.filter((e) => e.definition && e.definition.type !== 'bar').map((e) => e.state ? e.state.frame.fields[0].values.length : 0));
  })()`,
  naive: 'window.__naive.longestSeries()',
};

/** The machine's CPU time so far, busy and in all, in clock ticks (Linux; undefined elsewhere). */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    const ticks = line?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
    if (ticks.length < 8 || ticks.some((t) => !Number.isFinite(t))) return undefined;
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - ticks[3]! - ticks[4]!, total };
  } catch {
    return undefined;
  }
}

/** The page's clock (`performance.now()`, ms since navigation) at a getMetrics reading. */
function pageTime(m: Record<string, number>): number {
  return (m.Timestamp! - m.NavigationStart!) * 1000;
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

/** Heap readings per checkpoint: the least of them is the figure. */
const HEAP_READINGS = 3;
/** How long a checkpoint goes on taking readings. */
const HEAP_BUDGET_MS = 10_000;
/** Where in the second the heap is read: the server's ticks fall on whole seconds, and a page has drawn a tick by then. */
const HEAP_PHASE_MS = 600;

/**
 * The heap at one checkpoint: HEAP_READINGS readings a second apart, each half-way between two ticks and after two
 * forced full collections; the least is the figure. A reading now and then catches the garbage of a redraw still
 * reachable from work in flight (several MB on the rtdash page, gone a second later), which is not what a leak looks
 * like; a leak raises the least reading too.
 */
async function collectedHeap(cdp: CDPSession, budgetMs: number): Promise<HeapReading> {
  const readings: HeapReading[] = [];
  const deadline = Date.now() + budgetMs;
  // On a swamped page each command waits its turn on the main thread: then fewer readings (at least one).
  for (let i = 0; i < HEAP_READINGS && (i === 0 || Date.now() < deadline); i++) {
    await sleep((1000 + HEAP_PHASE_MS - (Date.now() % 1000)) % 1000);
    await cdp.send('HeapProfiler.collectGarbage');
    await sleep(50);
    await cdp.send('HeapProfiler.collectGarbage');
    const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; embedderHeapUsedSize?: number };
    const m = await metrics(cdp);
    readings.push({
      used: usage.usedSize,
      ...(usage.embedderHeapUsedSize !== undefined && { embedder: usage.embedderHeapUsedSize }),
      nodes: m.Nodes!,
      listeners: m.JSEventListeners!,
    });
    await sleep(100);
  }
  const least = readings.reduce((a, b) => (b.used < a.used ? b : a));
  return { ...least, readings: readings.map((r) => r.used) };
}

/** Where the suite serves the pages, and how it names the scripts in a profile. */
export interface PageAssets {
  /** The origin of the page server (browser-pages.ts). */
  pageOrigin: string;
  /** The source maps of the scripts a page loaded from the rtdash server at `server` or from the page server. */
  sourceMaps(server: string): (url: string) => SourceMap | undefined;
}

/** Measures `kind` in `browser`; the server process and the browser context it opens are gone when it returns or throws. */
export async function measurePage(browser: Browser, kind: BrowserPage, settings: BrowserSettings, assets: PageAssets, log: (line: string) => void): Promise<PageMeasurement> {
  const server = new Child<ServerCommand, ServerReport>(`browser server (${kind})`, './browser-peer.js', ['--expose-gc'], { ...process.env, [PAGE_ORIGIN_ENV]: assets.pageOrigin });
  const context = await browser.newContext({ viewport: VIEWPORT });
  try {
    const { port } = await server.next('ready', 30_000);
    const origin = `http://127.0.0.1:${port}`;
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    const chunks: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (url.startsWith(`${origin}/chunks/`) && url.endsWith('.js')) chunks.push(url.slice(origin.length + 1));
    });
    let counting = false;
    /** Set when the suite closes the page: a WebSocket close before that is one the page did not ask for. */
    let leaving = false;
    const received = { messages: 0, bytes: 0, entries: 0, dataEntries: 0, resumed: 0, closes: 0 };
    page.on('websocket', (ws) => {
      ws.on('framereceived', (frame) => {
        if (!counting) return;
        received.messages++;
        received.bytes += typeof frame.payload === 'string' ? Buffer.byteLength(frame.payload) : frame.payload.length;
        const { entries, resumed } = updateEntries(frame.payload);
        received.entries += entries.length;
        received.dataEntries += entries.filter(hasData).length;
        if (resumed) received.resumed++;
      });
      ws.on('close', () => {
        if (!leaving) received.closes++;
      });
    });
    await page.addInitScript(PROBE);
    const url = `${assets.pageOrigin}/${kind}.html?server=${encodeURIComponent(origin)}`;
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');

    log(`  loading the ${kind} page`);
    const navigated = Date.now();
    await page.goto(url);
    await page.bringToFront();
    await page.waitForFunction(READY[kind], undefined, { timeout: READY_TIMEOUT_MS, polling: 250 });
    const readyMs = Date.now() - navigated;
    log(`  every widget has data after ${(readyMs / 1000).toFixed(1)} s; settling ${SETTLE_MS / 1000} s`);
    await sleep(SETTLE_MS);
    const env = { ...(await page.evaluate<Omit<PageEnvironment, 'chunks'>>(ENVIRONMENT)), chunks: [...new Set(chunks)] };
    // A hidden or unfocused tab would have its frames and timers throttled: then nothing here means anything.
    if (env.visibility !== 'visible' || !env.focus || env.rafPerSecond < 1) {
      log(`  WARNING: the ${kind} page is ${env.visibility}, focus ${env.focus}, ${env.rafPerSecond.toFixed(1)} animation frames a second`);
    }
    const loadLongTasks = await page.evaluate<LongTask[]>('window.__bench.longTasks.splice(0)');
    const startSeries = await page.evaluate<number>(LONGEST_SERIES[kind]);

    // The window. Its edges come from getMetrics alone, which the browser answers at once even when the page's main
    // thread is swamped; anything that needs the main thread (evaluate, GC, heap) can wait seconds behind a busy page.
    const heapStart = await collectedHeap(cdp, HEAP_BUDGET_MS);
    const m0 = await metrics(cdp);
    const s0 = await server.request({ type: 'sample', gc: false }, 'sample', 10_000);
    const cpu0 = machineCpu();
    const load0 = loadavg()[0]!;
    counting = true;
    const started = Date.now();
    log(`  measuring ${settings.seconds} s`);
    let heapMid: HeapReading | undefined;
    let gcWindow: [number, number] | undefined;
    // The window is one span, or two around the heap checkpoint at 30 s (which is left out): [start metrics, end metrics].
    const spans: [Record<string, number>, Record<string, number>][] = [];
    let measuredMs = 0;
    let open = m0;
    if (settings.seconds * 1000 > MID_HEAP_MS) {
      await sleep(started + MID_HEAP_MS - Date.now());
      const a = await metrics(cdp);
      counting = false;
      heapMid = await collectedHeap(cdp, HEAP_BUDGET_MS);
      open = await metrics(cdp);
      counting = true;
      spans.push([m0, a]);
      measuredMs = (a.Timestamp! - m0.Timestamp!) * 1000;
      gcWindow = [pageTime(a), pageTime(open)];
    }
    const resumed = Date.now();
    await sleep(resumed + settings.seconds * 1000 - measuredMs - Date.now());
    const m1 = await metrics(cdp);
    counting = false;
    spans.push([open, m1]);
    const t0 = pageTime(m0);
    const t1 = pageTime(m1);
    const s1 = await server.request({ type: 'sample', gc: false }, 'sample', 10_000);
    const cpu1 = machineCpu();
    const load1 = loadavg()[0]!;
    const serverWallMs = Date.now() - started;
    await sleep(300); // observers deliver their entries a little after the task
    const tasks = await page.evaluate<LongTask[]>('window.__bench.longTasks.splice(0)');
    const frames = await page.evaluate<LongFrame[]>('window.__bench.frames.splice(0)');
    const inWindow = (t: LongTask) => t.start >= t0 && t.start < t1;
    const inGc = (t: LongTask) => gcWindow !== undefined && t.start >= gcWindow[0] && t.start <= gcWindow[1];
    // Widget updates the page took in: rtdash applies each entry as it arrives (drawing at the next frame); the naive
    // page logs each entry it has applied and drawn, which, swamped, it does later than it receives them.
    const updates =
      kind === 'naive'
        ? (await page.evaluate<number[]>('window.__naive.applied.splice(0)')).filter((t) => inWindow({ start: t, duration: 0 }) && !inGc({ start: t, duration: 0 })).length
        : received.dataEntries;
    const longestSeries = [startSeries, await page.evaluate<number>(LONGEST_SERIES[kind])] as [number, number];
    const heapEnd = await collectedHeap(cdp, HEAP_BUDGET_MS);
    const delta = (name: string) => spans.reduce((sum, [from, to]) => sum + (to[name]! - from[name]!) * 1000, 0);

    let profile: PageMeasurement['profile'];
    if (settings.profileSeconds > 0) {
      log(`  profiling ${settings.profileSeconds} s (after the window)`);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
      await cdp.send('Profiler.start');
      await sleep(settings.profileSeconds * 1000);
      const { profile: raw } = await cdp.send('Profiler.stop');
      await cdp.send('Profiler.disable');
      const file = join(tmpdir(), `rtdash-bench-browser-${kind}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(raw));
      profile = { ...summariseProfile(raw as Profiler.Profile, assets.sourceMaps(origin), PROFILE_TOP), file };
    }

    leaving = true;
    await context.close();
    await server.request({ type: 'stop' }, 'stopped', 15_000);
    await server.finish(5000);
    return {
      page: kind,
      wallMs: delta('Timestamp'),
      busyMs: delta('TaskDuration'),
      scriptMs: delta('ScriptDuration'),
      layoutMs: delta('LayoutDuration'),
      styleMs: delta('RecalcStyleDuration'),
      threadCpuMs: delta('ThreadTime'),
      longTasks: tasks.filter((t) => inWindow(t) && !inGc(t)),
      excludedLongTasks: tasks.filter((t) => inWindow(t) && inGc(t)).length,
      midGcMs: gcWindow === undefined ? 0 : gcWindow[1] - gcWindow[0],
      longFrames: frames.filter((t) => inWindow(t) && !inGc(t)),
      heapStart,
      ...(heapMid !== undefined && { heapMid }),
      heapEnd,
      nodes: [heapStart.nodes, heapEnd.nodes],
      listeners: [heapStart.listeners, heapEnd.listeners],
      readyMs,
      loadLongTasks,
      longestSeries,
      env,
      received,
      updates,
      serverCpuPercent: (100 * (s1.cpuMicros - s0.cpuMicros)) / 1000 / serverWallMs,
      machine: {
        load: [load0, load1],
        ...(cpu0 !== undefined && cpu1 !== undefined && { busyPercent: (100 * (cpu1.busy - cpu0.busy)) / Math.max(1, cpu1.total - cpu0.total) }),
      },
      errors,
      ...(profile !== undefined && { profile }),
      killed: server.killed ? [server.name] : [],
    };
  } finally {
    await context.close().catch(() => undefined);
    server.kill();
  }
}
