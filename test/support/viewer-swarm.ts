/**
 * Many viewers of a cluster in one child process of their own (viewer-swarm-child.ts), so that a thousand
 * connections cost the test process nothing and the figures they report are a viewer's: how long the longest
 * wait for an update was, whether a seq went back or carried two states, how many came back on another instance.
 * @example const swarm = await ViewerSwarm.start({ urls, count: 1000, dashboard: 'load', shards: ['a', 'b'] });
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { onExit } from './private-process.js';

/** What the swarm is asked. */
export type SwarmRequest =
  | { type: 'start'; urls: string[]; count: number; dashboard: string; shards: string[] }
  | { type: 'urls'; urls: string[] }
  | { type: 'move'; count: number; url: string }
  | { type: 'mark' }
  | { type: 'report' }
  | { type: 'stop' };

/** What the swarm saw since it started (or since the last `mark`, for the silence). */
export interface SwarmReport {
  viewers: number;
  /** Viewers connected now. */
  open: number;
  /** The longest time a viewer went without an update (ongoing silences count up to now). */
  longestSilenceMs: number;
  /** The instance the viewer with the longest silence is on now. */
  longestSilenceAt: string;
  /** Connections made again after one ended. */
  reconnects: number;
  /** Whole states received in answer to a resume (a resume that could not be exact). */
  wholeOnResume: number;
  /** How the connections the viewers did not leave themselves ended: close code -> count. */
  closeCodes: Record<number, number>;
  /** Viewers connected per instance (WebSocket URL). */
  perUrl: Record<string, number>;
  /** Seqs gone back or repeated, seqs with two states (at most 20). */
  problems: string[];
}

/** The swarm's process. */
export class ViewerSwarm {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (value: unknown) => void>();
  readonly #forget: () => void;
  #next = 0;

  private constructor() {
    this.#child = fork(new URL('./viewer-swarm-child.js', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#forget = onExit(() => void this.#child.kill('SIGKILL'));
    this.#child.on('message', (m: { id: number; value: unknown }) => {
      this.#pending.get(m.id)?.(m.value);
      this.#pending.delete(m.id);
    });
  }

  /** Starts the child and connects `count` viewers: viewer i on `urls[i % n]`, watching shard `shards[⌊i / n⌋ % s]`. */
  static async start(request: Omit<Extract<SwarmRequest, { type: 'start' }>, 'type'>): Promise<ViewerSwarm> {
    const swarm = new ViewerSwarm();
    await swarm.#ask({ type: 'start', ...request });
    return swarm;
  }

  /** The instances a viewer may come back on from now on. */
  async setUrls(urls: string[]): Promise<void> {
    await this.#ask({ type: 'urls', urls });
  }

  /** Moves `count` viewers to `url`: they drop their connection and resume there. */
  async move(count: number, url: string): Promise<void> {
    await this.#ask({ type: 'move', count, url });
  }

  /** Starts measuring silences afresh. */
  async mark(): Promise<void> {
    await this.#ask({ type: 'mark' });
  }

  report(): Promise<SwarmReport> {
    return this.#ask({ type: 'report' }) as Promise<SwarmReport>;
  }

  /** Closes every connection and ends the child. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null) {
      const exited = once(this.#child, 'exit');
      await this.#ask({ type: 'stop' }).catch(() => undefined);
      await exited;
    }
    this.#forget();
  }

  #ask(request: SwarmRequest, timeoutMs = 60_000): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the viewer swarm did not answer "${request.type}" within ${timeoutMs} ms`)), timeoutMs);
      this.#pending.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      this.#child.send({ ...request, id });
    });
  }
}
