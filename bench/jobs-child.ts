/**
 * One measurement of the jobs suite (bench/jobs-suite.ts), in a process of its own: the real Scheduler and
 * Metrics with `dashboards` dashboards of 10 `line` widgets on the bench source (one row per query, at once),
 * every widget's job held by one listener. After a warm-up it measures the process's CPU with nothing acquired
 * (the idle baseline), then, after another warm-up, over a window with every job running (optionally profiled);
 * then for 2 s with every job run back-to-back (ticked again as soon as its run ends).
 */
import { createSource } from '../core/registry.js';
import { parseDashboard } from '../core/config/dashboard-config.js';
import { silentLogger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import { Scheduler } from '../core/scheduler.js';
import type { Dashboard } from '../core/model.js';
import { benchPlugin } from './bench-plugin.js';
import { WindowProfiler } from './profiler.js';

/** The wait between start-up and the idle baseline. */
const SETTLE_MS = 2000;
/** How long the jobs run back-to-back after the window. */
const BACK_TO_BACK_MS = 2000;

/** Widgets per dashboard, as in the fan-out scenario. */
export const WIDGETS_PER_DASHBOARD = 10;

/** Orchestrator → child. */
export interface JobsCommand {
  type: 'run';
  dashboards: number;
  everyMs: number;
  idleSeconds: number;
  warmupSeconds: number;
  seconds: number;
  /** Where to write a profile of the window; none: no profiler. */
  profileFile?: string | undefined;
}

/** What one window measured. */
export interface JobsWindow {
  dashboards: number;
  jobs: number;
  /** Job runs that started in the window. */
  runs: number;
  /** Updates the listeners got in the window. */
  updates: number;
  /** Process CPU (user + system) in the window, µs. */
  cpuMicros: number;
  wallMs: number;
  /** Process CPU per second with the scheduler and metrics made but no job, µs. */
  idleMicrosPerSecond: number;
  /** Ticks skipped in the window (overlap or back-off): should be 0 on a trivial source. */
  skipped: number;
  failures: number;
  /** After the window, every job ticked again as soon as its run ended: the job path's own cost, no timer wake-ups. */
  backToBack: { runs: number; cpuMicros: number };
}

/** Child → orchestrator. */
export type JobsReport = { type: 'result'; window: JobsWindow } | { type: 'failed'; error: string };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** The dashboard `d<i>` of 10 line widgets, each on the bench source every `everyMs`, keeping 60 points. */
function dashboard(i: number, everyMs: number): Dashboard {
  const lines = [`id: d${i}`, `title: Dashboard ${i}`, 'widgets:'];
  for (let w = 0; w < WIDGETS_PER_DASHBOARD; w++) {
    lines.push(`  - { id: w${w}, title: W${w}, type: line, source: b, query: { series: d${i}w${w} }, every: ${everyMs}ms, keep: 60 }`);
  }
  return parseDashboard(lines.join('\n') + '\n', `d${i}.yaml`, { sources: (name) => (name === 'b' ? { type: 'bench' } : undefined) });
}

async function measure(command: JobsCommand): Promise<JobsWindow> {
  const logger = silentLogger();
  const source = await createSource({ name: 'b', type: 'bench', options: {} }, benchPlugin, logger, () => ({ viewers: 0, connections: 0, jobs: 0, queriesPerSecond: 0, messagesSent: 0, bytesSent: 0 }));
  let scheduler: Scheduler | undefined;
  const metrics = new Metrics({ viewers: () => 0, connections: () => 0, jobs: () => scheduler?.size ?? 0 });
  scheduler = new Scheduler({ source: (name) => (name === 'b' ? source : undefined), metrics, logger });
  const dashboards = Array.from({ length: command.dashboards }, (_, i) => dashboard(i, command.everyMs));

  // Start-up work (module loading, compilation, the first collections) settles before the idle baseline.
  await sleep(SETTLE_MS);
  const idleStart = cpuMicros();
  const idleT0 = performance.now();
  await sleep(command.idleSeconds * 1000);
  const idleMicrosPerSecond = ((cpuMicros() - idleStart) * 1000) / (performance.now() - idleT0);

  let updates = 0;
  const listener = () => {
    updates++;
  };
  for (const d of dashboards) for (const w of d.widgets) scheduler.acquire(d, w, {}, listener);
  const jobs = scheduler.jobs();
  await sleep(command.warmupSeconds * 1000);

  const profiler = command.profileFile === undefined ? undefined : new WindowProfiler();
  await profiler?.start();
  const sum = (pick: (j: (typeof jobs)[number]) => number) => jobs.reduce((n, j) => n + pick(j), 0);
  const before = { runs: sum((j) => j.runs), skipped: sum((j) => j.skipped), failures: sum((j) => j.failures), updates };
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await sleep(command.seconds * 1000);
  const cpu = cpuMicros() - cpu0;
  const wallMs = performance.now() - t0;
  const runs = sum((j) => j.runs) - before.runs;
  const window: JobsWindow = {
    dashboards: command.dashboards,
    jobs: jobs.length,
    runs,
    updates: updates - before.updates,
    cpuMicros: cpu,
    wallMs,
    idleMicrosPerSecond,
    skipped: sum((j) => j.skipped) - before.skipped,
    failures: sum((j) => j.failures) - before.failures,
    backToBack: { runs: 0, cpuMicros: 0 },
  };
  if (profiler !== undefined && command.profileFile !== undefined) await profiler.stop(command.profileFile);
  const runs0 = sum((j) => j.runs);
  const cpu1 = cpuMicros();
  const t1 = performance.now();
  while (performance.now() - t1 < BACK_TO_BACK_MS) {
    for (const job of jobs) job.tick();
    await Promise.all(jobs.map((job) => job.inflight));
  }
  window.backToBack = { runs: sum((j) => j.runs) - runs0, cpuMicros: cpuMicros() - cpu1 };
  await scheduler.stop();
  await source.close();
  return window;
}

process.on('message', (raw) => {
  const command = raw as JobsCommand;
  if (command.type !== 'run') return;
  const done = (report: JobsReport) => process.send?.(report, undefined, undefined, () => process.disconnect());
  measure(command).then(
    (window) => done({ type: 'result', window }),
    (err: unknown) => done({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
// This process does not outlive the orchestrator.
process.on('disconnect', () => process.exit(0));
