/**
 * What a load process (load.ts for `ws` viewers, socketio-load.ts for socket.io ones) counts in the measured
 * window, and the IPC steps both answer the same way: open viewers, start and stop the window with its result.
 */
import type { LoadCommand, LoadReport } from './ipc.js';
import { dashboardOf } from './scenario.js';
import { Histogram } from './stats.js';
import { openAll } from './viewer-pool.js';

/** Sends a report to the orchestrator. */
export const report = (message: LoadReport): void => void process.send?.(message);

/** The wall time and this process's CPU since the window started. */
export class WindowClock {
  #wall = Date.now();
  #cpu = process.cpuUsage();

  restart(): void {
    this.#wall = Date.now();
    this.#cpu = process.cpuUsage();
  }

  /** Wall ms and user + system CPU µs since `restart`. */
  read(): { wallMs: number; cpuMicros: number } {
    const cpu = process.cpuUsage(this.#cpu);
    return { wallMs: Date.now() - this.#wall, cpuMicros: cpu.user + cpu.system };
  }
}

/** The counts of one measured window. */
export class LoadWindow {
  readonly latency = new Histogram();
  /** Close codes (or reasons) of viewers the server closed, and how often. */
  readonly closes = new Map<string | number, number>();
  counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
  /** Updates where the byte scan and JSON.parse disagreed (should stay 0). */
  scanMismatches = 0;
  measuring = false;
  /** Set when the orchestrator closes the viewers: closes after that are not the server's doing. */
  closing = false;
  readonly #clock = new WindowClock();

  /** A viewer's connection ended with `code`, counted unless the load process is closing them itself. */
  closed(code: string | number): void {
    if (!this.closing) this.closes.set(code, (this.closes.get(code) ?? 0) + 1);
  }

  /** Starts the window and says so. */
  start(): void {
    this.counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
    this.latency.clear();
    this.#clock.restart();
    this.measuring = true;
    report({ type: 'started' });
  }

  /** Ends the window and reports what it counted. */
  stop(): void {
    this.measuring = false;
    report({
      type: 'result',
      ...this.counts,
      ...this.#clock.read(),
      latency: this.latency.toPairs(),
      closes: Object.fromEntries(this.closes),
      scanMismatches: this.scanMismatches,
    });
  }
}

/** Opens the viewers an `open` command asks for, each on its dashboard, into `viewers`, and reports how it went. */
export async function openViewers<V>(viewers: V[], command: Extract<LoadCommand, { type: 'open' }>, openOne: (url: string, dashboard: string, timeoutMs: number) => Promise<V>): Promise<void> {
  let next = command.first;
  const { viewers: opened, failed, ms, firstError } = await openAll(command.viewers, command.concurrency, () => openOne(command.url, dashboardOf(next++, command.dashboards), command.timeoutMs));
  viewers.push(...opened);
  report({ type: 'opened', subscribed: viewers.length, failed, ms, ...(firstError !== undefined && { firstError }) });
}

/** Answers the orchestrator's commands (open, start, stop, close) and exits with it. */
export function serveCommands(window: LoadWindow, open: (command: Extract<LoadCommand, { type: 'open' }>) => Promise<void>, closeAll: () => Promise<void>): void {
  process.on('message', (raw) => {
    const command = raw as LoadCommand;
    if (command.type === 'open') void open(command);
    else if (command.type === 'start') window.start();
    else if (command.type === 'stop') window.stop();
    else void closeAll();
  });
  // Never outlive the orchestrator.
  process.on('disconnect', () => {
    if (!window.closing) process.exit(0);
  });
}
