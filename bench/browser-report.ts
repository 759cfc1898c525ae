/** Turns the browser suite's measurements into the printed report: the table, the ratios, the breakdown, the goals, notes and profiles. */
import type { HeapReading, PageMeasurement } from './browser-measure.js';
import { fixed, formatTable } from './stats.js';

/** rtdash's main thread may be busy at most this share of the time. */
export const GOAL_BUSY_PERCENT = 20;
/** Long tasks are tasks over this. */
export const LONG_TASK_MS = 50;
/** The heap may grow at most this much from 30 s to the end. */
export const GOAL_GROWTH_PERCENT = 10;
/** "Well under the naive page": rtdash's busy share at most this share of naive's. */
export const GOAL_BUSY_RATIO = 1 / 3;

const MB = 2 ** 20;

/** A file of the web bundle and its sizes. */
export interface BundleFile {
  file: string;
  bytes: number;
  gzipBytes: number;
  /** Whether the rtdash page fetched it. */
  loaded?: boolean;
  note?: string;
}

/** The figures of one page that the table shows. */
export interface BrowserFigures {
  busyPercent: number;
  longTasks: number;
  longestMs: number;
  heapStartMB: number;
  heapMidMB: number;
  heapEndMB: number;
  growthPercent: number;
}

/** Derives the table's figures. */
export function browserFigures(m: PageMeasurement): BrowserFigures {
  const mid = m.heapMid?.used;
  return {
    busyPercent: (100 * m.busyMs) / m.wallMs,
    longTasks: m.longTasks.length,
    longestMs: m.longTasks.length === 0 ? 0 : Math.max(...m.longTasks.map((t) => t.duration)),
    heapStartMB: m.heapStart.used / MB,
    heapMidMB: mid === undefined ? Number.NaN : mid / MB,
    heapEndMB: m.heapEnd.used / MB,
    growthPercent: mid === undefined ? Number.NaN : (100 * (m.heapEnd.used - mid)) / mid,
  };
}

const COLUMNS = ['page', 'busy %', 'long tasks (>50 ms)', 'longest task ms', 'heap start MB', 'heap @30 s MB', 'heap end MB', 'growth after 30 s %'];

/** The main table, with the ratio rtdash / naive when both ran. */
export function browserTable(results: readonly PageMeasurement[]): string {
  const rows = results.map((m) => {
    const f = browserFigures(m);
    return [m.page, fixed(f.busyPercent, 1), String(f.longTasks), fixed(f.longestMs, 0), fixed(f.heapStartMB, 1), fixed(f.heapMidMB, 1), fixed(f.heapEndMB, 1), fixed(f.growthPercent, 1)];
  });
  const rtdash = results.find((m) => m.page === 'rtdash');
  const naive = results.find((m) => m.page === 'naive');
  if (rtdash !== undefined && naive !== undefined) {
    const r = browserFigures(rtdash);
    const n = browserFigures(naive);
    const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? fixed(a / b, 2) : '-');
    rows.push([
      'rtdash / naive',
      ratio(r.busyPercent, n.busyPercent),
      ratio(r.longTasks, n.longTasks),
      ratio(r.longestMs, n.longestMs),
      ratio(r.heapStartMB, n.heapStartMB),
      ratio(r.heapMidMB, n.heapMidMB),
      ratio(r.heapEndMB, n.heapEndMB),
      '-',
    ]);
  }
  return formatTable(COLUMNS, rows);
}

/** Main-thread time per widget update: not capped at 100% busy as the busy share is, so it compares a swamped page too. */
export function perUpdateLine(results: readonly PageMeasurement[]): string | undefined {
  const rtdash = results.find((m) => m.page === 'rtdash');
  const naive = results.find((m) => m.page === 'naive');
  if (rtdash === undefined || naive === undefined || rtdash.updates === 0 || naive.updates === 0) return undefined;
  const r = rtdash.busyMs / rtdash.updates;
  const n = naive.busyMs / naive.updates;
  return `main-thread time per widget update drawn, rtdash / naive: ${fixed(r, 1)} / ${fixed(n, 1)} ms = ${fixed(r / n, 2)} (${fixed(n / r, 1)}x less)`;
}

/** Where the main thread's time went (from the same counters), and what the page received. */
export function breakdownTable(results: readonly PageMeasurement[]): string {
  const rows = results.map((m) => {
    const pct = (ms: number) => fixed((100 * ms) / m.wallMs, 1);
    const other = m.busyMs - m.scriptMs - m.layoutMs - m.styleMs;
    return [
      m.page,
      pct(m.busyMs),
      pct(m.threadCpuMs),
      pct(m.scriptMs),
      pct(m.styleMs),
      pct(m.layoutMs),
      pct(other),
      String(m.received.messages),
      String(m.received.entries),
      String(m.received.dataEntries),
      fixed(m.received.bytes / 1024, 0),
      String(m.updates),
      fixed(m.busyMs / m.updates, 1),
      `${m.nodes[0]} → ${m.nodes[1]}`,
      `${m.listeners[0]} → ${m.listeners[1]}`,
      fixed(m.serverCpuPercent, 1),
    ];
  });
  return formatTable(['page', 'busy %', 'main cpu %', 'script %', 'style %', 'layout %', 'other %', 'ws msgs', 'entries', 'with data', 'ws KiB', 'updates drawn', 'busy ms/update', 'DOM nodes', 'JS listeners', 'server cpu %'], rows);
}

/** The bundle's files. */
export function bundleLines(files: readonly BundleFile[]): string[] {
  const width = Math.max(...files.map((f) => f.file.length));
  return files.map(
    (f) =>
      `  ${f.file.padEnd(width)}  ${fixed(f.bytes / 1024, 1).padStart(7)} KiB  gzip ${fixed(f.gzipBytes / 1024, 1).padStart(6)} KiB` +
      `${f.loaded === undefined ? '' : f.loaded ? '  (loaded by the rtdash page)' : '  (not loaded by the rtdash page)'}${f.note ? `  ${f.note}` : ''}`,
  );
}

/** Whether the goals are met, one line each. */
export function browserGoalLines(results: readonly PageMeasurement[]): string[] {
  const rtdash = results.find((m) => m.page === 'rtdash');
  const naive = results.find((m) => m.page === 'naive');
  if (rtdash === undefined) return ['  not measured: the goals are about the rtdash page (BENCH_BROWSER_PAGES)'];
  const r = browserFigures(rtdash);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  const lines = [
    `  rtdash main thread busy <= ${GOAL_BUSY_PERCENT}%: ${verdict(r.busyPercent <= GOAL_BUSY_PERCENT)} (${fixed(r.busyPercent, 1)}%)`,
    `  no long task (> ${LONG_TASK_MS} ms) in the window: ${verdict(r.longTasks === 0)} (${r.longTasks}${r.longTasks > 0 ? `, longest ${fixed(r.longestMs, 0)} ms` : ''})`,
    Number.isFinite(r.growthPercent)
      ? `  heap flat, < ${GOAL_GROWTH_PERCENT}% growth after the first 30 s: ${verdict(r.growthPercent < GOAL_GROWTH_PERCENT)} (${fixed(r.growthPercent, 1)}%: ${fixed(r.heapMidMB, 1)} → ${fixed(r.heapEndMB, 1)} MB)`
      : `  heap flat after the first 30 s: not measured (BENCH_BROWSER_SECONDS must be over 30)`,
  ];
  if (naive !== undefined) {
    const n = browserFigures(naive);
    const ratio = r.busyPercent / n.busyPercent;
    lines.push(
      `  well under the naive page (busy <= ${fixed(GOAL_BUSY_RATIO, 2)} of naive's): ${verdict(ratio <= GOAL_BUSY_RATIO)} (ratio ${fixed(ratio, 2)}: ${fixed(r.busyPercent, 1)}% vs ${fixed(n.busyPercent, 1)}%)`,
    );
  } else {
    lines.push('  well under the naive page: not measured (no naive page in BENCH_BROWSER_PAGES)');
  }
  return lines;
}

/** What each page was like, and anything unusual. */
export function browserNoteLines(results: readonly PageMeasurement[]): string[] {
  const lines: string[] = [];
  for (const m of results) {
    const e = m.env;
    const loadLongest = m.loadLongTasks.length === 0 ? 0 : Math.max(...m.loadLongTasks.map((t) => t.duration));
    const machine = `machine: load ${fixed(m.machine.load[0], 1)} → ${fixed(m.machine.load[1], 1)}${m.machine.busyPercent === undefined ? '' : `, all CPUs ${fixed(m.machine.busyPercent, 0)}% busy`} in the window`;
    const parts = [
      machine,
      `${e.visibility}, focus ${e.focus}, ${fixed(e.rafPerSecond, 0)} animation frames a second`,
      `data in every widget ${fixed(m.readyMs / 1000, 1)} s after navigation; before the window ${m.loadLongTasks.length} long tasks, longest ${fixed(loadLongest, 0)} ms`,
      `${e.apexCharts} ApexCharts charts on the page`,
      `longest line/area series ${m.longestSeries[0]} → ${m.longestSeries[1]} points`,
      `panels end at ${e.panelsBottom} px of a ${e.viewportHeight} px viewport`,
    ];
    if (m.page === 'rtdash') {
      const missing = ['rt-chart', 'rt-stat', 'rt-gauge', 'rt-table'].filter((n) => !e.defined.includes(n));
      parts.push(`elements defined: ${e.defined.join(', ') || 'none'}${missing.length > 0 ? `; NOT DEFINED: ${missing.join(', ')} (those panels are empty, so this page does less than the real one)` : ''}`);
      parts.push(e.chunks.length > 0 ? `lazily loaded: ${e.chunks.join(', ')}` : 'no lazily loaded chunk fetched');
    }
    if (m.longTasks.length > 0) {
      const total = m.longTasks.reduce((sum, t) => sum + t.duration, 0);
      parts.push(`long tasks took ${fixed(total, 0)} ms in all (${fixed((100 * total) / m.wallMs, 1)}% of the window), median ${fixed(median(m.longTasks.map((t) => t.duration)), 0)} ms`);
    }
    if (m.longFrames.length > 0) {
      const worst = m.longFrames.reduce((a, b) => (b.duration > a.duration ? b : a));
      const s = worst.script;
      parts.push(
        `${m.longFrames.length} long animation frames (> 50 ms), median ${fixed(median(m.longFrames.map((f) => f.duration)), 0)} ms with ${fixed(median(m.longFrames.map((f) => f.scripts)), 0)} scripts of over 5 ms, longest ${fixed(worst.duration, 0)} ms with ${worst.scripts}` +
          (s ? ` (its longest script ${fixed(s.duration, 0)} ms: ${s.invoker}${s.fn ? ` ${s.fn}` : ''} ${s.url.replace(/^https?:\/\/[^/]+\//, '')}@${s.pos})` : ''),
      );
    }
    if (m.midGcMs > 0) parts.push(`the heap checkpoint at 30 s took ${fixed(m.midGcMs, 0)} ms (left out of the window)${m.excludedLongTasks > 0 ? `, with ${m.excludedLongTasks} long task(s) in it` : ''}`);
    if (m.received.resumed > 0) parts.push(`${m.received.resumed} catch-up messages: the server held the page back as a slow client`);
    if (m.received.closes > 0) parts.push(`its WebSocket CLOSED ${m.received.closes} time(s) before the suite closed the page`);
    const spread = (h: HeapReading | undefined) => (h?.readings === undefined ? '-' : h.readings.map((r) => fixed(r / MB, 1)).join('/'));
    parts.push(`heap readings MB (least counts) start ${spread(m.heapStart)}, 30 s ${spread(m.heapMid)}, end ${spread(m.heapEnd)}`);
    if (m.heapStart.embedder !== undefined && m.heapEnd.embedder !== undefined) {
      parts.push(`Blink heap ${fixed(m.heapStart.embedder / MB, 1)} → ${fixed(m.heapEnd.embedder / MB, 1)} MB`);
    }
    if (m.errors.length > 0) parts.push(`${m.errors.length} page errors, first: ${m.errors[0]}`);
    if (m.killed.length > 0) parts.push(`had to kill: ${m.killed.join(', ')}`);
    lines.push(`  ${m.page}: ${parts.join('; ')}`);
  }
  return lines;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
}

/** The profiles, when taken. */
export function browserProfileLines(results: readonly PageMeasurement[], seconds: number): string[] {
  const lines: string[] = [];
  for (const m of results) {
    const p = m.profile;
    if (p === undefined) continue;
    lines.push(
      '',
      `CPU profile of the ${m.page} page's main thread, ${seconds} s after the window (busy ${fixed((100 * p.busyMs) / p.totalMs, 1)}% of the sampled time; ${p.file}); self time by origin:`,
    );
    for (const g of p.groups) lines.push(`  ${fixed(g.percent, 1).padStart(5)}%  ${fixed(g.selfMs, 0).padStart(6)} ms  ${g.where}`);
    lines.push('  top functions by self time (source-mapped, the minified name in brackets; a DOM call ← the JS that made it):');
    for (const t of p.top) lines.push(`  ${fixed(t.percent, 1).padStart(5)}%  ${fixed(t.selfMs, 0).padStart(6)} ms  ${t.where}`);
    lines.push('  top functions of the page\'s scripts by total time (with what they call):');
    for (const t of p.inclusive) lines.push(`  ${fixed(t.percent, 1).padStart(5)}%  ${fixed(t.selfMs, 0).padStart(6)} ms  ${t.where}`);
  }
  return lines;
}
