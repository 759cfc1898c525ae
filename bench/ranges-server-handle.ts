/** The orchestrator's handle on one ranges server process (ranges-server.ts): start, CPU samples, stop. */
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';
import { Child } from './child.js';
import type { ServerCommand, ServerReport } from './ipc.js';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** A running rtdash serving the ranges dashboard from the database at `dbUrl`. */
export class RangesServer {
  readonly base: string;
  readonly #child: Child<ServerCommand, ServerReport>;

  private constructor(child: Child<ServerCommand, ServerReport>, port: number) {
    this.#child = child;
    this.base = `http://127.0.0.1:${port}`;
  }

  static async start(dbUrl: string): Promise<RangesServer> {
    const child = new Child<ServerCommand, ServerReport>('ranges server', './ranges-server.js', [...SERVER_NODE_FLAGS], { ...process.env, RANGES_DB_URL: dbUrl });
    try {
      const ready = await child.next('ready', START_TIMEOUT_MS);
      return new RangesServer(child, ready.port);
    } catch (err) {
      child.kill();
      await child.exited;
      throw err;
    }
  }

  get wsUrl(): string {
    return `${this.base.replace('http:', 'ws:')}/ws`;
  }

  /** User + system CPU time of the server process since it started, µs (process.cpuUsage inside it). */
  async cpuMicros(): Promise<number> {
    return (await this.#child.request({ type: 'sample', gc: false }, 'sample', 10_000)).cpuMicros;
  }

  /** Stops the server and waits for its process to exit (killed if it will not). */
  async stop(): Promise<void> {
    try {
      await this.#child.request({ type: 'stop' }, 'stopped', STOP_TIMEOUT_MS);
    } catch {
      this.#child.kill();
    }
    await this.#child.finish(STOP_TIMEOUT_MS);
  }
}
