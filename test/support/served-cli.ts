/**
 * Alert tests on the real `rtdash serve` process: start it on a config file, wait until it is ready, read its
 * JSON log lines, kill it (SIGKILL) or stop it (SIGTERM); an `http` data source whose level a test sets; and the
 * project files (config.yaml and one dashboard with rules on that level) such a test runs on.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { sleep } from './test-server.js';

const BIN = join(packageRoot, 'dist', 'bin', 'rtdash.js');

/** A running `rtdash serve` child and everything it printed. */
export interface ServedCli {
  process: ChildProcess;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** The JSON log lines printed so far. */
  logs(): { level: number; msg?: string; time: number; [key: string]: unknown }[];
  exited: Promise<unknown>;
}

/** Polls `check` every 25 ms until it is true; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Runs the CLI to its end in `cwd` with extra environment variables, logging JSON; a `serve` is cut off after 10 s. */
export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 10_000, env: { ...process.env, LOG_FORMAT: 'json', ...env } });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** How a served child is started besides its arguments: options for node itself, and more environment. */
export interface ServeOptions {
  /** Put before the script, e.g. `['--import', file]` to patch the clock the server sees. */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

/** Starts `rtdash serve --config FILE [ARGS…]` in `cwd`, logging JSON. */
export function serveCli(config: string, cwd: string, args: string[] = [], options: ServeOptions = {}): ServedCli {
  return spawnServer(process.execPath, [...(options.nodeArgs ?? []), BIN, 'serve', '--config', config, ...args], cwd, options.env);
}

/** Starts a server however it is launched (the CLI, `npx rtdash`, a container's entrypoint), logging JSON, its output kept. */
export function spawnServer(command: string, args: readonly string[], cwd?: string, env: Record<string, string> = {}): ServedCli {
  const child = spawn(command, args, { cwd, env: { ...process.env, LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const logs = () =>
    output.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as ReturnType<ServedCli['logs']>[number]];
      } catch {
        return [];
      }
    });
  return { process: child, output: () => output, logs, exited: once(child, 'exit') };
}

/** Polls /readyz until it answers 200; fails early, with what the child printed, when it exits. */
export async function waitReady(child: ServedCli, url: string, timeoutMs = 30_000): Promise<void> {
  await until(
    `${url}/readyz to answer 200`,
    async () => {
      if (child.process.exitCode !== null) throw new Error(`rtdash exited with ${child.process.exitCode}: ${child.output()}`);
      try {
        return (await fetch(`${url}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    timeoutMs,
  );
}

/** Kills the child with SIGKILL (a crash) and waits for it to exit; nothing when it has exited. */
export function killCli(child: ServedCli | undefined): Promise<unknown> {
  if (child === undefined || child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  child.process.kill('SIGKILL');
  return child.exited;
}

/** Stops the child with SIGTERM (a graceful shutdown) and waits for it to exit. */
export function stopCli(child: ServedCli): Promise<unknown> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return Promise.resolve();
  child.process.kill('SIGTERM');
  return child.exited;
}

/** An HTTP endpoint answering `{"time": now, "value": level}`, for an `http` data source. */
export interface LevelSource {
  port: number;
  set(level: number): void;
  close(): Promise<void>;
}

/** Starts a LevelSource on 127.0.0.1 at `level`. */
export async function levelSource(level: number): Promise<LevelSource> {
  let current = level;
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ time: Date.now(), value: current }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    set: (l) => void (current = l),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** What an alert project is made of. */
export interface AlertProject {
  /** The folder the config and dashboards are written in. */
  dir: string;
  port: number;
  sourcePort: number;
  /** The webhook receiver's URL: the notifier `hook`. */
  hook: string;
  /** `storage.dir`. */
  data: string;
  /** Rule names: each `NAME` fires on `last() > 5` of the level and notifies `hook`. */
  rules: string[];
  /** The rules' `repeat` (`1s`); none when left out. */
  repeat?: string;
  /** Extra top-level config (a `cluster:` section), as YAML text. */
  extra?: string;
  /** The webhook's time limit per try (`2s`). */
  timeout?: string;
}

/**
 * Writes `config.yaml` (named `config-<port>.yaml`, so instances may share a folder) and `dashboards/levels.yaml`
 * into `dir`; returns the config file.
 */
export function writeAlertProject(p: AlertProject): string {
  mkdirSync(join(p.dir, 'dashboards'), { recursive: true });
  const repeat = p.repeat === undefined ? '' : `    repeat: ${p.repeat}\n`;
  const rules = p.rules.map((name) => `  - name: ${name}\n    widget: level\n    when: "last() > 5"\n${repeat}    notify: [hook]\n`).join('');
  writeFileSync(
    join(p.dir, 'dashboards', 'levels.yaml'),
    `id: levels
title: Levels
widgets:
  - id: level
    title: Level
    type: line
    source: api
    query:
      path: /level
      fields:
        - { name: time, path: $.time, type: time }
        - { name: value, path: $.value, type: number }
    every: 200ms
    keep: 100
alerts:
${rules}`,
  );
  const config = join(p.dir, `config-${p.port}.yaml`);
  writeFileSync(
    config,
    `server:
  host: 127.0.0.1
  port: ${p.port}
datasources:
  api:
    type: http
    url: http://127.0.0.1:${p.sourcePort}
dashboards:
  dir: dashboards
  watch: false
notifiers:
  hook:
    type: webhook
    url: ${p.hook}
    timeout: ${p.timeout ?? '2s'}
storage:
  dir: ${p.data}
log:
  level: info
${p.extra ?? ''}`,
  );
  return config;
}
