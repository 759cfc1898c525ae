/**
 * The soak's well-behaved viewers: WebSocket clients that subscribe to the demo dashboard and read
 * everything. Each update entry is put in the phase its server stamp (`at`) falls in; per phase the
 * viewers give the delivery latency (receipt − `at`, one clock: loopback) and how many of the
 * updates the jobs produced in it reached them.
 */
import type WebSocket from 'ws';
import { Histogram } from './stats.js';
import { closeSockets, openAll, subscribeViewer } from './viewer-pool.js';

/** Viewers connecting at once. */
const CONCURRENCY = 50;
/** How long one viewer may take to get its snapshot. */
const SUBSCRIBE_TIMEOUT_MS = 30_000;

type Entry = { w?: unknown; seq?: unknown; at?: unknown };

/** One measured window: updates the server stamped from `start` (inclusive) to `end`. */
export class Phase {
  readonly latency = new Histogram();
  /** Entries received (each seq once per viewer). */
  received = 0;
  /** Viewers subscribed when the window started. */
  viewers = 0;
  end = Number.POSITIVE_INFINITY;
  /** Widget → the lowest and highest seq stamped in the window that any viewer got. */
  readonly #range = new Map<string, [number, number]>();

  constructor(
    readonly name: string,
    readonly start: number,
  ) {}

  /** Counts one entry stamped in this window, received `latencyMs` after its stamp. */
  add(widget: string, seq: number, latencyMs: number): void {
    this.latency.add(latencyMs);
    this.received++;
    const range = this.#range.get(widget);
    if (range === undefined) this.#range.set(widget, [seq, seq]);
    else {
      range[0] = Math.min(range[0], seq);
      range[1] = Math.max(range[1], seq);
    }
  }

  /**
   * The updates the jobs produced in the window: a widget's seq grows by one per update, so it is the span
   * of seqs seen. An update no viewer got at either end of the span is not counted (it cannot be known).
   */
  produced(): number {
    let n = 0;
    for (const [lo, hi] of this.#range.values()) n += hi - lo + 1;
    return n;
  }

  /** Received as a percentage of (viewers at the start × updates produced). */
  deliveredPercent(): number {
    return (100 * this.received) / (this.viewers * this.produced());
  }
}

/** The well-behaved viewers and what they measured. */
export class Viewers {
  readonly phases: Phase[] = [];
  /** Updates a viewer got twice or out of order. */
  duplicates = 0;
  /** Close codes the server sent to viewers, with counts. */
  readonly closes: Record<string, number> = {};
  errors = 0;
  failedToSubscribe = 0;
  firstError: string | undefined;
  #sockets: WebSocket[] = [];
  #open = 0;
  /**
   * The last message parsed and its entries. The server writes one flush's message as the same bytes to
   * every viewer, so 500 viewers cost one JSON.parse, not 500 in a row that would delay the last ones' clocks.
   */
  #parsed: { bytes: Buffer; entries: Entry[] } | undefined;

  /** Viewers currently connected. */
  get open(): number {
    return this.#open;
  }

  /** Connects and subscribes `count` viewers to `dashboard`. */
  async connect(url: string, dashboard: string, count: number): Promise<void> {
    const wsUrl = url.replace(/^http/, 'ws') + '/ws';
    const opened = await openAll(count, CONCURRENCY, () => {
      const last = new Map<string, number>();
      return subscribeViewer(wsUrl, dashboard, SUBSCRIBE_TIMEOUT_MS, {
        message: (bytes) => this.#message(bytes, last),
        error: () => this.errors++,
        closed: (code) => {
          this.#open--;
          this.closes[code] = (this.closes[code] ?? 0) + 1;
        },
      }).then((ws) => {
        this.#open++;
        return ws;
      });
    });
    this.#sockets = opened.viewers;
    this.failedToSubscribe = opened.failed;
    this.firstError = opened.firstError;
  }

  /** Starts a measured window now (ending the one before). */
  begin(name: string): Phase {
    const now = Date.now();
    this.end();
    const phase = new Phase(name, now);
    phase.viewers = this.#open;
    this.phases.push(phase);
    return phase;
  }

  /** Ends the current window now. */
  end(): void {
    const current = this.phases.at(-1);
    if (current !== undefined && current.end === Number.POSITIVE_INFINITY) current.end = Date.now();
  }

  /** Closes every viewer. */
  async close(): Promise<void> {
    this.end();
    await closeSockets(this.#sockets, 5000);
  }

  #message(bytes: Buffer, last: Map<string, number>): void {
    const now = Date.now();
    for (const entry of this.#entriesOf(bytes)) {
      if (typeof entry.w !== 'string' || typeof entry.seq !== 'number' || typeof entry.at !== 'number') continue;
      if (entry.seq <= (last.get(entry.w) ?? Number.NEGATIVE_INFINITY)) {
        this.duplicates++;
        continue;
      }
      last.set(entry.w, entry.seq);
      const at = entry.at;
      const phase = this.phases.find((p) => at >= p.start && at < p.end);
      phase?.add(entry.w, entry.seq, now - at);
    }
  }

  /** The entries of an `update` message (none for other messages). */
  #entriesOf(bytes: Buffer): Entry[] {
    if (this.#parsed?.bytes.equals(bytes)) return this.#parsed.entries;
    const msg = JSON.parse(bytes.toString()) as { type?: unknown; updates?: unknown };
    const entries = msg.type === 'update' && Array.isArray(msg.updates) ? (msg.updates as Entry[]) : [];
    this.#parsed = { bytes: Buffer.from(bytes), entries };
    return entries;
  }
}
