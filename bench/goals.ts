/**
 * The fan-out goals against the socket.io rooms server, computed from the medians of the runs:
 * MET / NOT MET / not measured, one line each.
 */
import { cpuRatio, findGroup, median, spread, type Group } from './summary.js';
import { fixed } from './stats.js';
import type { Impl } from './settings.js';

/** rtdash's p50 latency at GOAL_QUIET_VIEWERS viewers may be at most this. */
export const GOAL_QUIET_P50_MS = 5;
/** The size where rtdash's p50 is held to GOAL_QUIET_P50_MS. */
export const GOAL_QUIET_VIEWERS = 100;
/** The sizes where rtdash must match socket.io's latency and halve its CPU. */
export const GOAL_COMPARE_VIEWERS: readonly number[] = [1000, 2000, 5000];
/** rtdash's server CPU per widget update may be at most this share of socket.io's. */
export const GOAL_CPU_VS_SOCKETIO = 0.5;
/** rtdash's p99 push latency at GOAL_PUSH_VIEWERS viewers may be at most this. */
export const GOAL_PUSH_P99_MS = 50;
/** The size where rtdash's p99 is held to GOAL_PUSH_P99_MS. */
export const GOAL_PUSH_VIEWERS = 1000;
/** rtdash's server memory per connection may be at most this, KiB (where it stood: 4-11; checked from 1,000 viewers up, below that RSS is noise). */
export const GOAL_RSS_KIB = 11;
/** The smallest size at which memory per connection is judged. */
const RSS_FROM_VIEWERS = 1000;

const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

/** Whether the goals are met, one line each; medians over the runs when there are several. */
export function goalLines(all: readonly Group[]): string[] {
  const runs = Math.max(0, ...all.map((g) => g.runs.length));
  const lines = runs > 1 ? [`  (medians of ${runs} interleaved runs; min/median/max in brackets)`] : [];
  const rtdash = (viewers: number) => findGroup(all, 'rtdash', viewers);
  const notMeasured = (goal: string, what: string) => `  ${goal}: not measured (no ${what}; BENCH_VIEWERS, BENCH_IMPLS)`;

  const quiet = rtdash(GOAL_QUIET_VIEWERS);
  const quietGoal = `rtdash p50 <= ${GOAL_QUIET_P50_MS} ms at ${GOAL_QUIET_VIEWERS} viewers`;
  lines.push(quiet === undefined ? notMeasured(quietGoal, `rtdash run at ${GOAL_QUIET_VIEWERS}`) : `  ${quietGoal}: ${verdict(median(quiet, 'p50') <= GOAL_QUIET_P50_MS)} (p50 ${show(quiet, 'p50', 0)} ms)`);

  for (const viewers of GOAL_COMPARE_VIEWERS) {
    const goal = `rtdash p50 and p99 no worse than socket.io at ${viewers}`;
    const r = rtdash(viewers);
    const s = findGroup(all, 'socketio', viewers);
    if (r === undefined || s === undefined) {
      lines.push(notMeasured(goal, `rtdash and socketio runs at ${viewers}`));
      continue;
    }
    const ok = median(r, 'p50') <= median(s, 'p50') && median(r, 'p99') <= median(s, 'p99');
    lines.push(`  ${goal}: ${verdict(ok)} (p50 ${show(r, 'p50', 0)} vs ${show(s, 'p50', 0)} ms, p99 ${show(r, 'p99', 0)} vs ${show(s, 'p99', 0)} ms)`);
  }

  for (const viewers of GOAL_COMPARE_VIEWERS) {
    const goal = `rtdash server CPU per widget update <= ${GOAL_CPU_VS_SOCKETIO}x socket.io at ${viewers}`;
    const ratio = cpuRatio(all, viewers, 'socketio');
    const scheduled = cpuRatio(all, viewers, 'socketio', 'cpuPer1kScheduled');
    if (ratio === undefined) {
      lines.push(notMeasured(goal, `rtdash and socketio runs at ${viewers}`));
      continue;
    }
    lines.push(
      `  ${goal}: ${verdict(ratio <= GOAL_CPU_VS_SOCKETIO)} (ratio ${ratio.toFixed(3)}; ` +
        `per scheduled update ${fixed(scheduled ?? Number.NaN, 3)}: ${verdict(scheduled !== undefined && scheduled <= GOAL_CPU_VS_SOCKETIO)})`,
    );
  }

  const push = rtdash(GOAL_PUSH_VIEWERS);
  const pushGoal = `rtdash push p99 <= ${GOAL_PUSH_P99_MS} ms at ${GOAL_PUSH_VIEWERS} viewers`;
  lines.push(push === undefined ? notMeasured(pushGoal, `rtdash run at ${GOAL_PUSH_VIEWERS}`) : `  ${pushGoal}: ${verdict(median(push, 'p99') <= GOAL_PUSH_P99_MS)} (p99 ${show(push, 'p99', 0)} ms)`);

  const sizes = [...new Set(all.map((g) => g.viewers))].filter((v) => v >= RSS_FROM_VIEWERS).sort((a, b) => a - b);
  if (sizes.length === 0) lines.push(notMeasured(`memory per connection`, `run at ${RSS_FROM_VIEWERS} viewers or more`));
  for (const viewers of sizes) {
    const r = rtdash(viewers);
    const all3 = (['rtdash', 'socketio', 'naive'] as const satisfies readonly Impl[])
      .map((impl) => [impl, findGroup(all, impl, viewers)] as const)
      .filter((pair): pair is readonly [Impl, Group] => pair[1] !== undefined)
      .map(([impl, g]) => `${impl} ${show(g, 'rssKiBPerConn', 1)}`);
    const goal = `rtdash memory <= ${GOAL_RSS_KIB} KiB/conn at ${viewers}`;
    const kib = r === undefined ? Number.NaN : median(r, 'rssKiBPerConn');
    lines.push(r === undefined ? notMeasured(goal, `rtdash run at ${viewers}`) : `  ${goal}: ${verdict(kib <= GOAL_RSS_KIB)} (KiB/conn: ${all3.join(', ')})`);
  }
  return lines;
}

/** The median, with min/median/max in brackets when there are several runs. */
function show(group: Group, key: Parameters<typeof median>[1], digits: number): string {
  const med = fixed(median(group, key), digits);
  return group.runs.length > 1 ? `${med} [${spread(group, key, digits)}]` : med;
}
