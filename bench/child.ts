/**
 * The orchestrator's side of a child process: fork a compiled bench script, send it commands, wait
 * for its reports with a time-out, and make sure it is gone at the end (killed if it must be).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Every child not yet exited, for `killAll`. */
const live = new Set<ChildProcess>();

/** How long a child gets after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 2000;

/** A forked bench process that takes `Command`s and sends `Report`s. */
export class Child<Command extends { type: string }, Report extends { type: string }> {
  readonly name: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** True when the process had to be killed rather than exiting by itself. */
  killed = false;
  readonly #proc: ChildProcess;
  readonly #inbox: Report[] = [];
  #waiters: (() => void)[] = [];
  #gone: string | undefined;

  /** Forks `script` (relative to this compiled file, e.g. `./load.js`) with node flags `execArgv` and environment `env` (ours by default). */
  constructor(name: string, script: string, execArgv: string[] = [], env: NodeJS.ProcessEnv = process.env) {
    this.name = name;
    // The child's stdout goes to our stderr: our stdout carries only the results.
    this.#proc = fork(fileURLToPath(new URL(script, import.meta.url)), [], { execArgv, env, stdio: ['ignore', 2, 2, 'ipc'] });
    live.add(this.#proc);
    this.#proc.on('message', (message) => {
      this.#inbox.push(message as Report);
      this.#notify();
    });
    this.#proc.on('error', (err) => {
      this.#gone ??= `failed: ${err.message}`;
      this.#notify();
    });
    this.exited = new Promise((resolve) => {
      this.#proc.once('exit', (code, signal) => {
        live.delete(this.#proc);
        this.#gone ??= `exited (code ${code}, signal ${signal})`;
        this.#notify();
        resolve();
      });
    });
  }

  /** The process id (undefined if it could not start). */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Sends a command if the child is still listening. */
  send(command: Command): void {
    if (this.#proc.connected) this.#proc.send(command);
  }

  /** The next report of type `type` (earlier ones are kept for later calls); throws on time-out or exit. */
  async next<T extends Report['type']>(type: T, timeoutMs: number): Promise<Extract<Report, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failed = this.#inbox.findIndex((m) => m.type === 'failed');
      if (failed >= 0) throw new Error(`${this.name}: ${(this.#inbox[failed] as { error?: string }).error ?? 'failed'}`);
      const i = this.#inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.#inbox.splice(i, 1)[0] as Extract<Report, { type: T }>;
      if (this.#gone !== undefined) throw new Error(`${this.name} ${this.#gone} while waiting for "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no "${type}" within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends `command` and waits for the report of type `type`. */
  request<T extends Report['type']>(command: Command, type: T, timeoutMs: number): Promise<Extract<Report, { type: T }>> {
    this.send(command);
    return this.next(type, timeoutMs);
  }

  /** Waits up to `graceMs` for the child to exit by itself, then kills it. */
  async finish(graceMs: number): Promise<void> {
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGTERM now, SIGKILL if it is still there after a grace period. */
  kill(): void {
    if (!live.has(this.#proc)) return;
    this.killed = true;
    terminate(this.#proc);
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Terminates every child still running (on an error or Ctrl-C). */
export function killAll(): void {
  for (const proc of live) terminate(proc);
}

function terminate(proc: ChildProcess): void {
  proc.kill('SIGTERM');
  setTimeout(() => {
    if (live.has(proc)) proc.kill('SIGKILL');
  }, TERM_GRACE_MS).unref();
}
