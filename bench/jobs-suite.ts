/**
 * The jobs suite of `npm run bench` (BENCH_SUITES=jobs), also runnable alone: `node dist/bench/jobs-suite.js`.
 * CPU per job run on a trivial source through the real Scheduler, Job, WidgetHistory and Metrics: 1, 5 and 20
 * dashboards of 10 line widgets at 1 Hz (10, 50 and 200 job runs a second), each job held by one listener, no
 * viewers. Each size runs in a fresh process (bench/jobs-child.ts), the sizes interleaved, BENCH_JOBS_RUNS times;
 * the table gives each figure's min, median and max.
 *
 * Knobs: BENCH_JOBS_DASHBOARDS (1,5,20), BENCH_JOBS_RUNS (3), BENCH_JOBS_SECONDS (10), BENCH_JOBS_WARMUP (20: the
 * optimising compiler takes some seconds at 200 runs a second to settle, and a server runs for hours),
 * BENCH_JOBS_IDLE (3), BENCH_JOBS_EVERY_MS (1000), BENCH_JOBS_PROFILE (0; 1: profile one more window at the largest
 * size and print the top functions), BENCH_JOBS_PROFILE_SECONDS (30).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Profiler } from 'node:inspector';
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';
import { Child, killAll } from './child.js';
import { WIDGETS_PER_DASHBOARD, type JobsCommand, type JobsReport, type JobsWindow } from './jobs-child.js';
import { topSelfTime } from './profiler.js';
import { machineLine } from './report.js';
import { fixed, formatTable, medianOf as median, spreadOf as spread } from './stats.js';

/** Goal: one job run on a trivial source costs at most this much CPU. */
export const GOAL_MS_PER_RUN = 0.04;

/** The suite's knobs. */
export interface JobsSettings {
  dashboards: number[];
  runs: number;
  seconds: number;
  warmupSeconds: number;
  idleSeconds: number;
  everyMs: number;
  profile: boolean;
  profileSeconds: number;
}

/** Reads BENCH_JOBS_*; throws with the variable's name when one is malformed. */
export function readJobsSettings(env: NodeJS.ProcessEnv = process.env): JobsSettings {
  const int = (name: string, raw: string, min: number, max: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  const one = (name: string, fallback: number, min: number, max: number) => int(name, env[name] ?? String(fallback), min, max);
  const dashboards = (env['BENCH_JOBS_DASHBOARDS'] ?? '1,5,20').split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (dashboards.length === 0) throw new Error('BENCH_JOBS_DASHBOARDS is empty');
  return {
    dashboards: dashboards.map((d) => int('BENCH_JOBS_DASHBOARDS', d, 1, 1000)),
    runs: one('BENCH_JOBS_RUNS', 3, 1, 20),
    seconds: one('BENCH_JOBS_SECONDS', 10, 1, 600),
    warmupSeconds: one('BENCH_JOBS_WARMUP', 20, 0, 600),
    idleSeconds: one('BENCH_JOBS_IDLE', 3, 1, 60),
    // The config's own floor for `every` is 100ms.
    everyMs: one('BENCH_JOBS_EVERY_MS', 1000, 100, 60_000),
    profile: env['BENCH_JOBS_PROFILE'] === '1',
    profileSeconds: one('BENCH_JOBS_PROFILE_SECONDS', 30, 1, 600),
  };
}

/** CPU per run in ms: all of the process's in the window, and that less the idle process's over the same time. */
export function perRun(w: JobsWindow): { gross: number; net: number } {
  if (w.runs === 0) return { gross: Number.NaN, net: Number.NaN };
  const idle = (w.idleMicrosPerSecond * w.wallMs) / 1000;
  return { gross: w.cpuMicros / 1000 / w.runs, net: (w.cpuMicros - idle) / 1000 / w.runs };
}


/** The table (one row per size, min / median / max over the runs) and the goal and comparison lines. */
export function jobsReport(windows: readonly JobsWindow[]): string[] {
  const sizes = [...new Set(windows.map((w) => w.dashboards))].sort((a, b) => a - b);
  const rows = sizes.map((d) => {
    const ws = windows.filter((w) => w.dashboards === d);
    return [
      String(d),
      String(ws[0]!.jobs),
      String(ws.length),
      spread(ws.map((w) => (w.runs * 1000) / w.wallMs), 1),
      spread(ws.map((w) => w.cpuMicros / w.wallMs), 2),
      spread(ws.map((w) => w.idleMicrosPerSecond / 1000), 2),
      spread(ws.map((w) => perRun(w).gross), 4),
      spread(ws.map((w) => perRun(w).net), 4),
      spread(ws.map((w) => (w.backToBack.runs === 0 ? Number.NaN : w.backToBack.cpuMicros / w.backToBack.runs / 1000)), 4),
      String(ws.reduce((n, w) => n + w.skipped + w.failures, 0)),
    ];
  });
  const table = formatTable(['dashboards', 'jobs', 'runs', 'job runs/s', 'cpu ms/s', 'idle ms/s', 'cpu ms/run', 'net ms/run', 'back-to-back ms/run', 'skipped+failed'], rows);
  const lines = [table, '', '(each cell: min / median / max over the runs; net: less the idle process\'s CPU over the same time; back-to-back: every job ticked again as soon as its run ended, for 2 s after the window)', 'goals:'];
  const largest = windows.filter((w) => w.dashboards === sizes.at(-1));
  if (largest.length > 0) {
    const worst = median(largest.map((w) => perRun(w).gross));
    lines.push(
      `  CPU per job run <= ${GOAL_MS_PER_RUN} ms at ${largest[0]!.jobs} jobs: ${worst <= GOAL_MS_PER_RUN ? 'MET' : 'NOT MET'} ` +
        `(median ${fixed(worst, 4)} ms with the idle process's CPU counted, ${fixed(median(largest.map((w) => perRun(w).net)), 4)} ms without)`,
    );
  }
  if (sizes.length > 1) {
    const cpu = (d: number) => median(windows.filter((w) => w.dashboards === d).map((w) => w.cpuMicros / w.wallMs));
    const [small, large] = [sizes[0]!, sizes.at(-1)!];
    lines.push(`  jobs' CPU, ${large} dashboards against ${small}: ${fixed(cpu(large), 2)} against ${fixed(cpu(small), 2)} ms/s (+${fixed(cpu(large) - cpu(small), 2)} ms/s; the viewers' fan-out is not in this suite)`);
  }
  return lines;
}

async function measureOnce(command: JobsCommand, log: (line: string) => void): Promise<JobsWindow> {
  log(`bench: jobs, ${command.dashboards} dashboard(s) of ${WIDGETS_PER_DASHBOARD} widgets every ${command.everyMs} ms${command.profileFile ? ', profiled' : ''}`);
  const child = new Child<JobsCommand, JobsReport>(`jobs child (${command.dashboards} dashboards)`, './jobs-child.js', [...SERVER_NODE_FLAGS]);
  try {
    const timeoutMs = (command.idleSeconds + command.warmupSeconds + command.seconds) * 1000 + 60_000;
    const { window } = await child.request(command, 'result', timeoutMs);
    return window;
  } finally {
    await child.finish(5000);
  }
}

/** Runs the suite and prints its table; returns the number of measurements that failed. */
export async function runJobsSuite(log: (line: string) => void, settings: JobsSettings = readJobsSettings()): Promise<number> {
  const s = settings;
  console.log(
    `jobs scenario: ${s.dashboards.join(', ')} dashboard(s) of ${WIDGETS_PER_DASHBOARD} line widgets every ${s.everyMs} ms on a source that answers one row at once, ` +
      `one listener per job; each size in a fresh process: ${s.idleSeconds} s idle, ${s.warmupSeconds} s warm-up, ${s.seconds} s window; ${s.runs} interleaved run(s)`,
  );
  const base = { type: 'run' as const, everyMs: s.everyMs, idleSeconds: s.idleSeconds, warmupSeconds: s.warmupSeconds, seconds: s.seconds };
  const windows: JobsWindow[] = [];
  let failures = 0;
  for (let run = 0; run < s.runs; run++) {
    for (const dashboards of s.dashboards) {
      try {
        windows.push(await measureOnce({ ...base, dashboards }, log));
      } catch (err) {
        failures++;
        console.log(`FAILED: jobs with ${dashboards} dashboards: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  console.log('');
  for (const line of jobsReport(windows)) console.log(line);
  if (s.profile) {
    const file = join(tmpdir(), `rtdash-jobs-${Date.now()}.cpuprofile`);
    try {
      const dashboards = Math.max(...s.dashboards);
      await measureOnce({ ...base, dashboards, seconds: s.profileSeconds, profileFile: file }, log);
      const profile = JSON.parse(readFileSync(file, 'utf8')) as Profiler.Profile;
      console.log(['', `top self time, ${dashboards} dashboards, ${s.profileSeconds} s window (${file}):`, ...topSelfTime(profile, 25).map((l) => `  ${l.percent.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(1).padStart(8)} ms  ${l.where}`)].join('\n'));
    } catch (err) {
      failures++;
      console.log(`FAILED: jobs profile: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(machineLine(undefined));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  runJobsSuite((line) => console.error(line)).then(
    (failures) => (process.exitCode = failures > 0 ? 1 : 0),
    (err: unknown) => {
      console.error(`jobs bench failed: ${err instanceof Error ? err.message : String(err)}`);
      killAll();
      process.exitCode = 1;
    },
  );
}
