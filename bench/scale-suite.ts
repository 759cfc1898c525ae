/**
 * The scale suite: how the server's CPU per second grows with the number of widgets (one dashboard,
 * BENCH_SCALE_WIDGETS at BENCH_SCALE_WIDGET_VIEWERS viewers) and with the number of dashboards the same
 * viewers are spread over (BENCH_SCALE_DASHBOARDS of 10 widgets, BENCH_SCALE_DASHBOARD_VIEWERS viewers
 * in all), for each of BENCH_SCALE_IMPLS. With BENCH_RUNS > 1 the runs interleave: every step and implementation
 * once, then again, so that a noisy minute of the machine falls on all of them alike and not on one step's runs.
 * Each measurement waits BENCH_SCALE_WARMUP seconds after its viewers subscribed.
 */
import { measure, type Measurement } from './measure.js';
import { noteLines, profileLines } from './report.js';
import { WIDGET_COUNT, type Scenario } from './scenario.js';
import type { Settings } from './settings.js';
import { fixed, formatTable } from './stats.js';
import { findGroup, groups, median, spread, type Group } from './summary.js';

/** One point of a sweep. */
interface Step {
  sweep: 'widgets' | 'dashboards';
  scenario: Scenario;
  viewers: number;
}

/** The steps the settings ask for, widget sweep first. */
export function scaleSteps(settings: Settings): Step[] {
  const { scale } = settings;
  return [
    ...scale.widgets.map((widgets): Step => ({ sweep: 'widgets', scenario: { widgets, dashboards: 1 }, viewers: scale.widgetViewers })),
    ...scale.dashboards.map((dashboards): Step => ({ sweep: 'dashboards', scenario: { widgets: WIDGET_COUNT, dashboards }, viewers: scale.dashboardViewers })),
  ];
}

/** Runs the sweeps and prints their table; returns the number of measurements that failed. */
export async function runScaleSuite(settings: Settings, log: (line: string) => void): Promise<number> {
  const steps = scaleSteps(settings);
  console.log(`scale: server CPU as widgets and dashboards grow, ${settings.seconds} s windows after ${settings.scale.warmupSeconds} s of warm-up, ${settings.runs} interleaved run(s) of each`);
  const results: Measurement[] = [];
  const warmed = { ...settings, warmupSeconds: settings.scale.warmupSeconds };
  let failures = 0;
  for (let run = 1; run <= settings.runs; run++) {
    for (const step of steps) {
      for (const impl of settings.scale.impls) {
        const what = `${impl} with ${step.viewers} viewers on ${step.scenario.dashboards} dashboard(s) of ${step.scenario.widgets} widgets`;
        log(`bench: scale: ${what}${settings.runs > 1 ? `, run ${run}` : ''}`);
        try {
          results.push(await measure(impl, step.viewers, warmed, log, step.scenario, run));
        } catch (err) {
          failures++;
          console.log(`FAILED: scale: ${what}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }
  console.log('');
  const all = groups(results);
  console.log(scaleTable(steps, all));
  console.log(['goals:', ...scaleGoalLines(steps, all)].join('\n'));
  console.log(['notes:', ...noteLines(results)].join('\n'));
  const profiles = profileLines(results);
  if (profiles.length > 0) console.log(['', ...profiles].join('\n'));
  return failures;
}

/**
 * One row per (step, implementation): server CPU in ms per second of wall time and how many times the
 * sweep's first step's that is, with the updates it delivered and their latency.
 */
export function scaleTable(steps: readonly Step[], all: readonly Group[]): string {
  const rows: string[][] = [];
  for (const step of steps) {
    for (const g of all.filter((g) => g.viewers === step.viewers && same(g.scenario, step.scenario))) {
      const first = steps.find((s) => s.sweep === step.sweep)!;
      const base = findGroup(all, g.impl, first.viewers, first.scenario);
      const growth = base === undefined ? Number.NaN : median(g, 'serverCpuPercent') / median(base, 'serverCpuPercent');
      rows.push([
        step.sweep,
        g.impl,
        String(g.scenario.dashboards),
        String(g.scenario.widgets),
        String(g.viewers),
        spread(g, 'deliveriesPerSec', 0),
        msPerSecond(g),
        `${fixed(growth, 2)}x`,
        spread(g, 'cpuPer1k', 5),
        spread(g, 'p50', 0),
        spread(g, 'p99', 0),
        spread(g, 'deliveredPercent', 1),
      ]);
    }
  }
  const headers = ['sweep', 'impl', 'dashboards', 'widgets each', 'viewers', 'deliveries/s', 'srv cpu ms/s', 'x first', 'cpu s/1k deliv', 'p50 ms', 'p99 ms', 'delivered %'];
  return formatTable(headers, rows);
}

/** rtdash's CPU with the most dashboards may be at most this many times its CPU with one, for the same viewers. */
export const GOAL_DASHBOARDS_GROWTH = 1.3;

/**
 * The scale goals, one line each (medians over the runs): with the most widgets, rtdash's server CPU is no more
 * than socket.io's; with the most dashboards, at most GOAL_DASHBOARDS_GROWTH times its own with the fewest.
 */
export function scaleGoalLines(steps: readonly Step[], all: readonly Group[]): string[] {
  const lines: string[] = [];
  const widgetSteps = steps.filter((s) => s.sweep === 'widgets');
  const most = widgetSteps.at(-1);
  const goal = most && `rtdash server CPU with ${most.scenario.widgets} widgets at ${most.viewers} viewers <= socket.io's`;
  const ours = most && findGroup(all, 'rtdash', most.viewers, most.scenario);
  const theirs = most && findGroup(all, 'socketio', most.viewers, most.scenario);
  if (goal === undefined) lines.push('  widgets: not measured (BENCH_SCALE_WIDGETS)');
  else if (ours === undefined || theirs === undefined) lines.push(`  ${goal}: not measured (needs rtdash and socketio runs; BENCH_SCALE_IMPLS)`);
  else {
    const [a, b] = [median(ours, 'serverCpuPercent') * 10, median(theirs, 'serverCpuPercent') * 10];
    lines.push(`  ${goal}: ${a <= b ? 'MET' : 'NOT MET'} (${fixed(a, 0)} vs ${fixed(b, 0)} ms/s)`);
  }
  const dashboardSteps = steps.filter((s) => s.sweep === 'dashboards');
  const [fewest, most2] = [dashboardSteps[0], dashboardSteps.at(-1)];
  if (fewest === undefined || most2 === undefined || fewest === most2) lines.push('  dashboards: not measured (BENCH_SCALE_DASHBOARDS needs two counts)');
  else {
    const goal2 = `rtdash server CPU with ${most2.scenario.dashboards} dashboards <= ${GOAL_DASHBOARDS_GROWTH}x with ${fewest.scenario.dashboards}, ${most2.viewers} viewers`;
    const [one, many] = [findGroup(all, 'rtdash', fewest.viewers, fewest.scenario), findGroup(all, 'rtdash', most2.viewers, most2.scenario)];
    if (one === undefined || many === undefined) lines.push(`  ${goal2}: not measured (needs rtdash runs)`);
    else {
      const growth = median(many, 'serverCpuPercent') / median(one, 'serverCpuPercent');
      lines.push(`  ${goal2}: ${growth <= GOAL_DASHBOARDS_GROWTH ? 'MET' : 'NOT MET'} (x${fixed(growth, 2)})`);
    }
  }
  return lines;
}

/** Server CPU ms per second of wall time (10 × srv cpu %), min/median/max over the runs. */
function msPerSecond(g: Group): string {
  const scaled: Group = { ...g, runs: g.runs.map((f) => ({ ...f, serverCpuPercent: f.serverCpuPercent * 10 })) };
  return spread(scaled, 'serverCpuPercent', 0);
}

function same(a: Scenario, b: Scenario): boolean {
  return a.widgets === b.widgets && a.dashboards === b.dashboards;
}
