/** Turns measurements into the printed report: the machine, the table of every run, and notes (ratios: summary.ts, goals: goals.ts). */
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { Measurement } from './measure.js';
import { INTERVAL_MS, WIDGET_COUNT, describeScenario } from './scenario.js';
import { fixed, formatTable } from './stats.js';

/** RSS changes smaller than this are within the noise of a collected heap. */
const RSS_NOISE_BYTES = 2 * 2 ** 20;

/** The figures of one measurement that the table shows. */
export interface Figures {
  deliveriesPerSec: number;
  /** Server CPU seconds per 1,000 deliveries. */
  cpuPer1k: number;
  p50: number;
  p99: number;
  rssKiBPerConn: number;
  /** CPU of each load process, percent of one core. */
  loadCpu: number[];
  serverCpuPercent: number;
  /** Deliveries as a percentage of viewers × widgets × ticks in the window. */
  deliveredPercent: number;
  /** Server CPU seconds per 1,000 scheduled updates (viewers × widgets × ticks), whatever was delivered. */
  cpuPer1kScheduled: number;
}

/** Derives the table's figures from a measurement. */
export function figures(m: Measurement): Figures {
  const deliveries = m.windows.reduce((n, w) => n + w.deliveries, 0);
  const seconds = m.windows.reduce((s, w) => s + w.wallMs, 0) / m.windows.length / 1000;
  const expected = m.viewers * m.scenario.widgets * Math.round((seconds * 1000) / INTERVAL_MS);
  return {
    deliveriesPerSec: deliveries / seconds,
    cpuPer1k: deliveries > 0 ? m.serverCpuMicros / 1e6 / (deliveries / 1000) : Number.NaN,
    p50: m.latency.percentile(0.5),
    p99: m.latency.percentile(0.99),
    rssKiBPerConn: (m.rssAfter - m.rssBefore) / 1024 / Math.max(1, m.subscribed),
    loadCpu: m.windows.map((w) => (100 * w.cpuMicros) / 1000 / w.wallMs),
    serverCpuPercent: (100 * m.serverCpuMicros) / 1000 / m.serverWallMs,
    deliveredPercent: (100 * deliveries) / expected,
    cpuPer1kScheduled: m.serverCpuMicros / 1e6 / (expected / 1000),
  };
}

/** The machine the run happened on, one line. */
export function machineLine(fdLimit: number | undefined): string {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `machine: ${availableParallelism()} CPUs (${model}), ${gib} GiB RAM, node ${process.version}, open files limit ${fdLimit ?? 'unknown'}`;
}

/** The results table (columns as in docs/benchmarks.md), one row per run; a `run` column when there are several. */
export function resultTable(results: readonly Measurement[]): string {
  const runs = results.some((m) => m.run > 1);
  const rows = results.map((m) => {
    const f = figures(m);
    return [
      m.impl,
      String(m.viewers),
      ...(runs ? [String(m.run)] : []),
      fixed(f.deliveriesPerSec, 0),
      fixed(f.cpuPer1k, 5),
      fixed(f.p50, 0),
      fixed(f.p99, 0),
      fixed(f.rssKiBPerConn, 1),
      f.loadCpu.map((c) => fixed(c, 0)).join('/'),
      fixed(f.serverCpuPercent, 0),
      fixed(f.deliveredPercent, 1),
    ];
  });
  return formatTable(['impl', 'viewers', ...(runs ? ['run'] : []), 'deliveries/s', 'cpu s/1k deliv', 'p50 ms', 'p99 ms', 'rss KiB/conn', 'load cpu %', 'srv cpu %', 'delivered %'], rows);
}

/** Anything unusual in a run: viewers that failed, server closes, catch-ups, missing deliveries, killed processes. */
export function noteLines(results: readonly Measurement[]): string[] {
  const lines: string[] = [];
  for (const m of results) {
    const f = figures(m);
    const label = `  ${m.impl} @ ${m.viewers}${m.run > 1 || results.some((r) => r.run > 1) ? ` run ${m.run}` : ''}${isDefault(m) ? '' : ` (${describeScenario(m.scenario)})`}:`;
    const sum = (key: 'resumed' | 'other' | 'errors' | 'messages') => m.windows.reduce((n, w) => n + w[key], 0);
    const closes = m.windows.flatMap((w) => Object.entries(w.closes));
    const messages = sum('messages');
    const deliveries = m.windows.reduce((n, w) => n + w.deliveries, 0);
    const fanout = [...m.fanoutMs].sort((a, b) => a - b);
    const parts = [
      `connect ${(m.connectMs / 1000).toFixed(1)} s with ${m.split.length} load process(es)`,
      `${messages > 0 ? (deliveries / messages).toFixed(2) : '-'} updates per message`,
      fanout.length === 0
        ? 'no fan-out passes timed'
        : `${fanout.length} fan-out passes, median ${fixed(fanout[Math.floor(fanout.length / 2)]!, 1)} ms, max ${fixed(fanout[fanout.length - 1]!, 1)} ms`,
    ];
    if (m.failedToSubscribe > 0) parts.push(`${m.failedToSubscribe} viewers failed to subscribe (${m.firstError ?? '?'})`);
    if (closes.length > 0) parts.push(`closed by the server: ${closes.map(([code, n]) => `${n}x ${code}`).join(', ')}`);
    if (sum('resumed') > 0) parts.push(`${sum('resumed')} catch-up messages (viewers held back as slow)`);
    if (sum('other') > 0) parts.push(`${sum('other')} other messages`);
    if (sum('errors') > 0) parts.push(`${sum('errors')} socket errors`);
    const mismatches = m.windows.reduce((n, w) => n + w.scanMismatches, 0);
    if (mismatches > 0) parts.push(`${mismatches} updates where the byte scan disagreed with JSON.parse: latencies are suspect`);
    if (Math.abs(f.deliveredPercent - 100) >= 1) parts.push(`delivered ${f.deliveredPercent.toFixed(1)}% of the expected updates`);
    const rssDelta = m.rssAfter - m.rssBefore;
    if (Math.abs(rssDelta) < RSS_NOISE_BYTES) parts.push(`RSS grew ${(rssDelta / 2 ** 20).toFixed(1)} MiB in all, within GC noise: rss KiB/conn is not meaningful`);
    if (m.profile !== undefined) parts.push('profiled: its CPU figures include the profiler');
    if (m.killed.length > 0) parts.push(`had to kill: ${m.killed.join(', ')}`);
    lines.push(`${label} ${parts.join('; ')}`);
  }
  return lines;
}

/** The profile summaries of rtdash's measured windows, when BENCH_PROFILE=1. */
export function profileLines(results: readonly Measurement[]): string[] {
  const lines: string[] = [];
  for (const m of results) {
    if (m.profile === undefined) continue;
    const where = `${m.viewers} viewers${m.run > 1 ? `, run ${m.run}` : ''}${isDefault(m) ? '' : `, ${describeScenario(m.scenario)}`}`;
    lines.push(`CPU profile, ${m.impl} @ ${where}, measured window (${m.profile.file}), top self time:`);
    for (const p of m.profile.top) lines.push(`  ${p.percent.toFixed(1).padStart(5)}%  ${p.selfMs.toFixed(0).padStart(6)} ms  ${p.where}`);
  }
  return lines;
}

function isDefault(m: Measurement): boolean {
  return m.scenario.widgets === WIDGET_COUNT && m.scenario.dashboards === 1;
}
