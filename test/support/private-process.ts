/**
 * The processes and folders behind the tests' private database servers: a scratch folder that is always removed,
 * a server process or a tool that is never left running (not even when the run dies half-way), and the rule for a
 * missing binary (skip in one line, fail under CI). Tests that stop, kill or restart a server use private ones
 * (private-server.ts), never the machine's own servers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, chownSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { until } from './served-cli.js';

/** Cleanups still owed, run synchronously when the process exits however it exits. */
const owed = new Set<() => void>();

function settle(): void {
  for (const cleanup of [...owed].reverse()) {
    try {
      cleanup();
    } catch {
      // Exiting anyway: whatever cannot be cleaned now cannot be cleaned later either.
    }
  }
}

process.once('exit', settle);
// A signal ends Node without an 'exit' event: clean up, then die of the same signal as before.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    settle();
    process.kill(process.pid, signal);
  });
}

/**
 * Registers a synchronous cleanup for process exit; returns a function that runs it now (once) and forgets it.
 * @example const release = onExit(() => rmSync(dir, { recursive: true, force: true })); … release();
 */
export function onExit(cleanup: () => void): () => void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    owed.delete(run);
    cleanup();
  };
  owed.add(run);
  return run;
}

/** Whether this process runs as root (database servers then run as their own OS user, or refuse to start). */
export const AS_ROOT = process.getuid?.() === 0;

/** The numeric id of an OS user, or undefined when there is none. */
export function userId(name: string): number | undefined {
  try {
    return Number(execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

/**
 * A fresh folder under the system's temp folder (owned by `owner` when given), removed at process exit at the
 * latest; call the returned `remove` to remove it sooner.
 */
export function scratchDir(prefix: string, owner?: number): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `rtdash-${prefix}-`));
  if (owner !== undefined) chownSync(path, owner, owner);
  return { path, remove: onExit(() => rmSync(path, { recursive: true, force: true })) };
}

/** The first of `candidates` (absolute paths, or names looked up on PATH) that exists and is executable. */
export function findBinary(...candidates: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const candidate of candidates) {
    for (const path of candidate.includes('/') ? [candidate] : dirs.map((dir) => join(dir, candidate))) {
      try {
        accessSync(path, constants.X_OK);
        return path;
      } catch {
        // not this one
      }
    }
  }
  return undefined;
}

/**
 * Use in a mocha `before`: skips the suite with a one-line reason when `missing` names something this machine
 * lacks (undefined when nothing is missing), or fails it when `CI` is set.
 * @example before(function () { needBinaries(this, findBinary('redis-server') ? undefined : 'redis-server'); });
 */
export function needBinaries(ctx: Mocha.Context, missing: string | undefined): void {
  if (missing === undefined) return;
  if (process.env.CI) throw new Error(`${missing} is not installed, and CI is set: install it (see .ci/run)`);
  console.log(`      (skipped: ${missing} is not installed)`);
  ctx.skip();
}

/**
 * Runs a tool to its end (initdb, pg_ctl, mariadb-install-db) in a process group of its own, so that a run that
 * dies meanwhile takes the tool and whatever it started along; rejects with its output when it fails.
 */
export function runTool(command: string, args: readonly string[], timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const killGroup = (): void => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const cleanup = onExit(killGroup);
    const timer = setTimeout(killGroup, timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      owedRemove(cleanup);
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${output.trim()}`));
    });
  });
}

/** Forgets a cleanup without running it (what it would clean is gone by itself). */
function owedRemove(cleanup: () => void): void {
  owed.delete(cleanup);
}

/** A server process the test started: it is killed at process exit if the test did not end it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything it printed, for failure messages. */
  output(): string;
  /** Resolves once it has exited. */
  readonly exited: Promise<unknown>;
}

/** Starts `command` as a server process in the foreground of this one (no daemon: its end is observable). */
export function startProcess(command: string, args: readonly string[]): ServerProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const forget = onExit(() => void child.kill('SIGKILL'));
  const exited = child.exitCode !== null ? Promise.resolve() : once(child, 'exit');
  void exited.then(forget);
  return { child, output: () => output, exited };
}

/** Whether the process has exited. */
export function hasExited(server: ServerProcess): boolean {
  return server.child.exitCode !== null || server.child.signalCode !== null;
}

/** Sends `signal` and waits for the process to exit (at most `timeoutMs`). */
export async function endProcess(server: ServerProcess, signal: NodeJS.Signals, timeoutMs = 20_000): Promise<void> {
  if (hasExited(server)) return;
  server.child.kill(signal);
  await until(`the server process to exit after ${signal}`, () => hasExited(server), timeoutMs);
}
