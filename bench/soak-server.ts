/**
 * The server under soak: the real `rtdash serve` process of the built CLI, on a free loopback port, on a
 * config of its own (the demo source and the soak's own copy of the demo dashboard, per-IP cap raised for 700 clients from 127.0.0.1);
 * and what the soak reads from outside it: RSS from /proc, and the gauges of /metrics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';

/**
 * The soak's dashboard: the demo shop as it was before it had a time range (charts appending a point per run), kept
 * here so that changes to the bundled demo do not change what the soak measures from one version to the next.
 */
const SOAK_DASHBOARD = join(packageRoot, 'bench', 'soak-dashboard.yaml');

/** How long the server gets to print its URL. */
const START_TIMEOUT_MS = 30_000;
/** How long a SIGTERM'd server gets before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;
/** The server's output kept for a failure message. */
const KEEP_OUTPUT = 20_000;

/** The gauges of /metrics the soak checks for leaks. */
export interface ServerGauges {
  connections: number;
  viewers: number;
  jobs: number;
}

/** A running `rtdash serve`. */
export interface SoakServer {
  url: string;
  pid: number;
  /** The resident set size in bytes, read from /proc without asking the server. */
  rss(): number;
  /** rtdash_connections, rtdash_viewers and rtdash_jobs_running from /metrics. */
  gauges(): Promise<ServerGauges>;
  /** The tail of what the server printed. */
  output(): string;
  /** SIGTERM, wait for the exit (SIGKILL after a while); the exit code and how long it took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/** Writes the config and starts the server; `maxPerIp` must cover every client of the soak. */
export async function startSoakServer(maxPerIp: number): Promise<SoakServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rtdash-soak-'));
  mkdirSync(join(dir, 'dashboards'));
  copyFileSync(SOAK_DASHBOARD, join(dir, 'dashboards', 'demo.yaml'));
  writeFileSync(
    join(dir, 'config.yaml'),
    `server:
  host: 127.0.0.1
  port: 0
  limits:
    max_connections_per_ip: ${maxPerIp}
datasources:
  demo: { type: demo }
dashboards:
  dir: dashboards
  watch: false
storage:
  dir: data
log:
  level: warn
`,
  );
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, join(packageRoot, 'dist', 'bin', 'rtdash.js'), 'serve', '--config', 'config.yaml'], {
    cwd: dir,
    env: { ...process.env, LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-KEEP_OUTPUT));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit') as Promise<[number | null]>;
  try {
    const url = await servingUrl(child, () => output);
    return {
      url,
      pid: child.pid!,
      rss: () => rssOf(child.pid!),
      gauges: () => gauges(url),
      output: () => output,
      stop: async () => {
        const started = Date.now();
        if (child.exitCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const [code] = await exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        return { code, ms: Date.now() - started };
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Resolves with the URL the server prints once it listens; rejects if it exits or stays silent. */
function servingUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rtdash did not start within ${START_TIMEOUT_MS} ms: ${output()}`)), START_TIMEOUT_MS);
    child.stderr!.on('data', () => {
      const m = /rtdash serving on (http:\/\/[^\s,]+)/.exec(output());
      if (m === null) return;
      clearTimeout(timer);
      resolve(m[1]!);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`rtdash exited with ${code} before listening: ${output()}`));
    });
  });
}

function rssOf(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

async function gauges(url: string): Promise<ServerGauges> {
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const gauge = (name: string) => {
    const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`/metrics has no ${name}`);
    return Number(value);
  };
  return { connections: gauge('rtdash_connections'), viewers: gauge('rtdash_viewers'), jobs: gauge('rtdash_jobs_running') };
}
