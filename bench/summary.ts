/**
 * The interleaved runs of the fan-out and scale suites (BENCH_RUNS) grouped by implementation, size
 * and scenario, with the median of each figure over the runs and its range.
 */
import { figures, type Figures } from './report.js';
import type { Measurement } from './measure.js';
import type { Scenario } from './scenario.js';
import type { Impl } from './settings.js';
import { fixed, formatTable } from './stats.js';

/** The runs of one implementation at one size in one scenario. */
export interface Group {
  impl: Impl;
  viewers: number;
  scenario: Scenario;
  runs: Figures[];
}

/** A numeric figure of a run. */
export type FigureKey = Exclude<keyof Figures, 'loadCpu'>;

/** The measurements grouped, in the order their first runs were made. */
export function groups(results: readonly Measurement[]): Group[] {
  const byKey = new Map<string, Group>();
  for (const m of results) {
    const key = `${m.impl}|${m.viewers}|${m.scenario.widgets}|${m.scenario.dashboards}`;
    let group = byKey.get(key);
    if (group === undefined) byKey.set(key, (group = { impl: m.impl, viewers: m.viewers, scenario: m.scenario, runs: [] }));
    group.runs.push(figures(m));
  }
  return [...byKey.values()];
}

/** The group of `impl` at `viewers` (the first scenario found, or the one given). */
export function findGroup(all: readonly Group[], impl: Impl, viewers: number, scenario?: Scenario): Group | undefined {
  return all.find(
    (g) => g.impl === impl && g.viewers === viewers && (scenario === undefined || (g.scenario.widgets === scenario.widgets && g.scenario.dashboards === scenario.dashboards)),
  );
}

/** The median of a figure over the group's runs (the lower middle one when even); NaN when none is finite. */
export function median(group: Group, key: FigureKey): number {
  const values = group.runs.map((f) => f[key]).filter(Number.isFinite).sort((a, b) => a - b);
  return values.length === 0 ? Number.NaN : values[Math.floor((values.length - 1) / 2)]!;
}

/** A figure as "median" for one run, or "min/median/max" for several. */
export function spread(group: Group, key: FigureKey, digits: number): string {
  if (group.runs.length === 1) return fixed(group.runs[0]![key], digits);
  const values = group.runs.map((f) => f[key]).filter(Number.isFinite);
  if (values.length === 0) return '-';
  return `${fixed(Math.min(...values), digits)}/${fixed(median(group, key), digits)}/${fixed(Math.max(...values), digits)}`;
}

/** The min/median/max table over the runs, printed when there is more than one run. */
export function summaryTable(all: readonly Group[]): string {
  const rows = all.map((g) => [
    g.impl,
    String(g.viewers),
    String(g.runs.length),
    spread(g, 'cpuPer1k', 5),
    spread(g, 'p50', 0),
    spread(g, 'p99', 0),
    spread(g, 'rssKiBPerConn', 1),
    spread(g, 'serverCpuPercent', 0),
    spread(g, 'deliveredPercent', 1),
  ]);
  return formatTable(['impl', 'viewers', 'runs', 'cpu s/1k deliv', 'p50 ms', 'p99 ms', 'rss KiB/conn', 'srv cpu %', 'delivered %'], rows);
}

/**
 * rtdash's median CPU per delivery over `other`'s at each size both ran; and the same per scheduled
 * update, which does not credit rtdash for extra updates (see the `delivered %` column).
 */
export function ratioLines(all: readonly Group[], other: Impl): string[] {
  const lines: string[] = [];
  for (const viewers of [...new Set(all.map((g) => g.viewers))]) {
    const ratio = cpuRatio(all, viewers, other);
    const scheduled = cpuRatio(all, viewers, other, 'cpuPer1kScheduled');
    if (ratio === undefined || scheduled === undefined) continue;
    lines.push(
      `  ${String(viewers).padStart(5)} viewers: ${ratio.toFixed(3)} per delivery (${(1 / ratio).toFixed(1)}x less CPU), ` +
        `${scheduled.toFixed(3)} per scheduled update (${(1 / scheduled).toFixed(1)}x less)`,
    );
  }
  return lines;
}

/** rtdash's median CPU per delivery (or per scheduled update) over `other`'s at `viewers`. */
export function cpuRatio(all: readonly Group[], viewers: number, other: Impl, per: 'cpuPer1k' | 'cpuPer1kScheduled' = 'cpuPer1k'): number | undefined {
  const rtdash = findGroup(all, 'rtdash', viewers);
  const peer = findGroup(all, other, viewers);
  if (rtdash === undefined || peer === undefined) return undefined;
  const ratio = median(rtdash, per) / median(peer, per);
  return Number.isFinite(ratio) ? ratio : undefined;
}
