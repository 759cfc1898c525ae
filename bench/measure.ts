/**
 * One measurement: one server implementation at one number of viewers, in one scenario (dashboards and
 * widgets, scenario.ts). Starts the server process,
 * samples its memory, opens the viewers from load processes, warms up, measures a window that starts
 * half-way between two ticks (so no tick's fan-out straddles its edges), and shuts everything down.
 */
import { readFileSync } from 'node:fs';
import type { Profiler } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';
import { Child } from './child.js';
import type { LoadCommand, LoadReport, LoadWindow, ServerCommand, ServerReport } from './ipc.js';
import { topSelfTime, type ProfileLine } from './profiler.js';
import { DEFAULT_SCENARIO, INTERVAL_MS, dashboardIds, scenarioEnv, type Scenario } from './scenario.js';
import type { Impl, Settings } from './settings.js';
import { Histogram } from './stats.js';

/** Viewers connecting at once per load process. */
const CONNECT_CONCURRENCY = 100;
/** How long one viewer may take from connect to snapshot. */
const VIEWER_TIMEOUT_MS = 20_000;
/** How long all of a load process's viewers may take to subscribe. */
const OPEN_TIMEOUT_MS = 120_000;
/** Functions listed from a profile. */
const PROFILE_TOP = 15;

/** Each implementation's server script, load script, and the URL its viewers connect to. */
const PROCESSES: Record<Impl, { server: string; load: string; url: (port: number) => string }> = {
  rtdash: { server: './rtdash-peer.js', load: './load.js', url: (port) => `ws://127.0.0.1:${port}/ws` },
  naive: { server: './naive-peer.js', load: './load.js', url: (port) => `ws://127.0.0.1:${port}/ws` },
  socketio: { server: './socketio-peer.js', load: './socketio-load.js', url: (port) => `http://127.0.0.1:${port}` },
};

/** Everything measured for one (implementation, viewers). */
export interface Measurement {
  impl: Impl;
  viewers: number;
  scenario: Scenario;
  /** Which of the interleaved runs (BENCH_RUNS) this is, from 1. */
  run: number;
  /** Viewers per load process. */
  split: number[];
  subscribed: number;
  failedToSubscribe: number;
  firstError?: string;
  connectMs: number;
  /** Server RSS before any viewer and after all subscribed, bytes, each after a GC. */
  rssBefore: number;
  rssAfter: number;
  /** The measured window as the server saw it. */
  serverWallMs: number;
  serverCpuMicros: number;
  /** Duration of each fan-out pass in the window (one tick's sends to every viewer), ms. */
  fanoutMs: number[];
  /** The measured window as each load process saw it. */
  windows: LoadWindow[];
  latency: Histogram;
  profile?: { file: string; top: ProfileLine[] };
  /** Child processes that did not exit by themselves and were killed. */
  killed: string[];
}

/**
 * Runs one implementation at one size in `scenario`; every child process it starts is gone when it
 * returns or throws.
 */
export async function measure(
  impl: Impl,
  viewers: number,
  settings: Settings,
  log: (line: string) => void,
  scenario: Scenario = DEFAULT_SCENARIO,
  run = 1,
): Promise<Measurement> {
  const processes = PROCESSES[impl];
  // rtdash runs with the flags it is started with everywhere (core/runtime-flags.ts); the peers with node's defaults, as their users run them.
  const flags = impl === 'rtdash' ? ['--expose-gc', ...SERVER_NODE_FLAGS] : ['--expose-gc'];
  const server = new Child<ServerCommand, ServerReport>(`${impl} server`, processes.server, flags, scenarioEnv(scenario));
  const split = splitEvenly(viewers, Math.ceil(viewers / settings.viewersPerLoad));
  const loads = split.map((_, i) => new Child<LoadCommand, LoadReport>(`load ${i + 1}`, processes.load));
  const dashboards = dashboardIds(scenario.dashboards);
  try {
    const { port } = await server.next('ready', 30_000);
    const before = await server.request({ type: 'sample', gc: true }, 'sample', 10_000);
    const url = processes.url(port);
    const opened = await Promise.all(
      loads.map((load, i) =>
        load.request(
          {
            type: 'open',
            url,
            dashboards,
            first: split.slice(0, i).reduce((a, b) => a + b, 0),
            viewers: split[i]!,
            concurrency: CONNECT_CONCURRENCY,
            timeoutMs: VIEWER_TIMEOUT_MS,
          },
          'opened',
          OPEN_TIMEOUT_MS,
        ),
      ),
    );
    const subscribed = opened.reduce((n, o) => n + o.subscribed, 0);
    const connectMs = Math.max(...opened.map((o) => o.ms));
    log(`  ${subscribed}/${viewers} viewers subscribed in ${connectMs} ms`);
    const after = await server.request({ type: 'sample', gc: true }, 'sample', 10_000);

    await sleep(settings.warmupSeconds * 1000);
    await sleep(msUntilMidTick());
    // One file per step and run: the steps of a sweep have the same viewers and must not overwrite each other's.
    const profileFile = join(tmpdir(), `rtdash-bench-${impl}-${viewers}-${scenario.dashboards}x${scenario.widgets}-run${run}-${process.pid}.cpuprofile`);
    const profiling = settings.profile && impl === 'rtdash';
    if (profiling) await server.request({ type: 'profile-start' }, 'profiling', 10_000);
    const first = server.request({ type: 'sample', gc: false }, 'sample', 10_000);
    await Promise.all(loads.map((load) => load.request({ type: 'start' }, 'started', 10_000)));
    const s0 = await first;
    const t0 = Date.now();
    await sleep(settings.seconds * 1000);
    const last = server.request({ type: 'sample', gc: false }, 'sample', 10_000);
    const windows = await Promise.all(loads.map((load) => load.request({ type: 'stop' }, 'result', 10_000)));
    const s1 = await last;
    const serverWallMs = Date.now() - t0;
    let profile: Measurement['profile'];
    if (profiling) {
      await server.request({ type: 'profile-stop', file: profileFile }, 'profiled', 30_000);
      profile = { file: profileFile, top: topSelfTime(JSON.parse(readFileSync(profileFile, 'utf8')) as Profiler.Profile, PROFILE_TOP) };
    }

    await Promise.all(loads.map((load) => load.request({ type: 'close' }, 'closed', 15_000)));
    await Promise.all(loads.map((load) => load.finish(5000)));
    await server.request({ type: 'stop' }, 'stopped', 15_000);
    await server.finish(5000);

    const latency = new Histogram();
    for (const w of windows) latency.addPairs(w.latency);
    const failed = opened.find((o) => o.firstError !== undefined);
    return {
      impl,
      viewers,
      scenario,
      run,
      split,
      subscribed,
      failedToSubscribe: opened.reduce((n, o) => n + o.failed, 0),
      ...(failed?.firstError !== undefined && { firstError: failed.firstError }),
      connectMs,
      rssBefore: before.rss,
      rssAfter: after.rss,
      serverWallMs,
      serverCpuMicros: s1.cpuMicros - s0.cpuMicros,
      fanoutMs: s1.fanoutMs,
      windows,
      latency,
      ...(profile !== undefined && { profile }),
      killed: [server, ...loads].filter((c) => c.killed).map((c) => c.name),
    };
  } finally {
    for (const child of [server, ...loads]) child.kill();
  }
}

/** Milliseconds until the middle of the next interval: ticks fall on whole seconds. */
function msUntilMidTick(): number {
  return (INTERVAL_MS * 1.5 - (Date.now() % INTERVAL_MS)) % INTERVAL_MS;
}

/** `total` split into `parts` near-equal whole numbers. */
function splitEvenly(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
