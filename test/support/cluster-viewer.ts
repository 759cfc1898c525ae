/**
 * A viewer of a cluster: one dashboard watched through successive connections, to one instance then another,
 * resuming with the version and the last seq of each widget it holds, as the bundled elements do. It keeps one
 * wire decoder across connections (its state is what the page shows) and records each widget state it reached:
 * the seq, whether it came whole (snapshot, or an update entry with `seq`) or as a change, and the data.
 * A ledger over many viewers then says whether any two saw different data under one seq (a duplicate, a gap or
 * two holders writing), and each viewer's record whether its seqs ever went backwards or repeated.
 */
import { isFullEntry, type FullEntry, type UpdateEntry } from '../../web-components/client/protocol.js';
import type { Frame } from '../../web-components/client/types.js';
import { until } from './served-cli.js';
import { WireDecoder, type SpeltEntry } from './wire-decoder.js';
import { TestClient, type Message } from './ws-client.js';

/** One widget state a viewer reached. */
export interface Seen {
  w: string;
  seq: number;
  /** Came whole (a snapshot's entry, or an update entry with `seq`), not as a change to the one before. */
  whole: boolean;
  /** Came in the answer to a resuming subscribe. */
  resumed: boolean;
  status: string;
  /** The widget's data after it, as text; equal across viewers for one seq. */
  data: string;
  /** The instance's WebSocket URL it came from. */
  from: string;
  /** When it was received (this process's clock). */
  receivedAt: number;
}

/** How a (re)subscription was answered. */
export type Answer = 'snapshot' | 'resumed';

/** The data of a frame as text: columns and values, nothing about when it was sent. */
export function frameText(frame: Frame): string {
  return JSON.stringify({ fields: frame.fields.map((f) => [f.name, f.type, f.values]), meta: frame.meta ?? null });
}

/** A dashboard watched across instances. */
export class ClusterViewer {
  readonly seen: Seen[] = [];
  readonly #decoder = new WireDecoder();
  #client: TestClient | undefined;
  #url = '';
  #version: string | undefined;

  constructor(
    readonly name: string,
    readonly dashboard: string,
    readonly vars: Record<string, string> = {},
  ) {}

  /** The current connection. */
  get client(): TestClient {
    if (this.#client === undefined) throw new Error(`${this.name}: not connected`);
    return this.#client;
  }

  /** The instance it is connected to (its WebSocket URL). */
  get url(): string {
    return this.#url;
  }

  /** Connects to `wsUrl` and subscribes afresh; resolves on the snapshot. */
  async watch(wsUrl: string): Promise<void> {
    const client = await this.#connect(wsUrl);
    client.send({ type: 'subscribe', dashboard: this.dashboard, vars: this.vars });
    await client.nextOf('snapshot', 10_000);
  }

  /**
   * Leaves the current connection without a goodbye (as a dropped network does) and subscribes on `wsUrl` with
   * the version and the last seq of each widget (or afresh, with `resume: false`; or from other `positions`, a
   * cursor kept from long ago); resolves with the answer.
   */
  async moveTo(wsUrl: string, options: { resume?: boolean; positions?: Record<string, number> } = {}): Promise<Answer> {
    this.drop();
    const client = await this.#connect(wsUrl);
    const resume = options.resume !== false && this.#version !== undefined;
    const positions = options.positions ?? this.positions();
    client.send({ type: 'subscribe', dashboard: this.dashboard, vars: this.vars, ...(resume && { version: this.#version, resume: positions }) });
    const answer = await client.next((m) => m.type === 'snapshot' || (m.type === 'update' && m.resumed === true), 10_000);
    return answer.type === 'snapshot' ? 'snapshot' : 'resumed';
  }

  /** Cuts the connection at once (no close handshake). */
  drop(): void {
    this.#client?.ws.terminate();
    this.#client = undefined;
  }

  async close(): Promise<void> {
    await this.#client?.close();
    this.#client = undefined;
  }

  /** The last seq held of each widget. */
  positions(): Record<string, number> {
    const last: Record<string, number> = {};
    for (const s of this.seen) last[s.w] = s.seq;
    return last;
  }

  /** The states of one widget, in order. */
  of(w: string): Seen[] {
    return this.seen.filter((s) => s.w === w);
  }

  /** Waits until `count` more states of `w` arrived than now. */
  async more(w: string, count: number, timeoutMs = 10_000): Promise<void> {
    const target = this.of(w).length + count;
    await until(`${this.name} to get ${count} more states of ${w}`, () => this.of(w).length >= target, timeoutMs);
  }

  /** The longest time between two states received (any widget) at or after `since` (this process's clock). */
  longestSilence(since: number, until = Date.now()): number {
    const times = [since, ...this.seen.filter((s) => s.receivedAt >= since).map((s) => s.receivedAt), until];
    let longest = 0;
    for (let i = 1; i < times.length; i++) longest = Math.max(longest, times[i]! - times[i - 1]!);
    return longest;
  }

  async #connect(wsUrl: string): Promise<TestClient> {
    const client = new TestClient(wsUrl);
    // Registered before any message can arrive: every message reaches this decoder, in order.
    client.ws.on('message', (data) => this.#record(JSON.parse(data.toString()) as Message, wsUrl));
    await client.opened;
    await client.nextOf('hello');
    this.#client = client;
    this.#url = wsUrl;
    return client;
  }

  #record(message: Message, from: string): void {
    if (message.dashboard !== this.dashboard) return;
    const receivedAt = Date.now();
    if (message.type === 'snapshot') {
      this.#version = message.version as string;
      this.#decoder.decode(message);
      for (const e of message.widgets as FullEntry[]) {
        this.seen.push({ w: e.w, seq: e.seq, whole: true, resumed: false, status: e.status, data: frameText(e.frame), from, receivedAt });
      }
      return;
    }
    if (message.type !== 'update') return;
    const decoded = this.#decoder.decode(message);
    const resumed = message.resumed === true;
    for (const e of decoded.updates as SpeltEntry[]) {
      const whole = isFullEntry(e.wire as UpdateEntry);
      this.seen.push({ w: e.w, seq: e.seq, whole, resumed, status: e.status, data: frameText(e.state), from, receivedAt });
    }
  }
}

/**
 * Each state of one viewer with the one before it of the same widget, leaving out the pairs after a `pending`
 * state (a job not run yet has no place in the order: its first state counts from a seq of its own).
 */
function steps(viewer: ClusterViewer, from = 0): { before: Seen; after: Seen }[] {
  const last = new Map<string, Seen>();
  const found: { before: Seen; after: Seen }[] = [];
  for (const s of viewer.seen.slice(from)) {
    const before = last.get(s.w);
    if (before !== undefined && before.status !== 'pending') found.push({ before, after: s });
    last.set(s.w, s);
  }
  return found;
}

/**
 * What is wrong with one viewer's seqs, per widget: a seq that went backwards or repeated. (A change entry is one
 * more than the state before by construction; a whole state may jump forward, which `jumps` lists.) `from`: the
 * index in `seen` to look from (after a resume from a cursor the viewer made up, say).
 */
export function seqProblems(viewer: ClusterViewer, from = 0): string[] {
  return steps(viewer, from)
    .filter(({ before, after }) => after.seq <= before.seq)
    .map(({ before, after }) => {
      const how = [after.whole ? 'whole' : 'change', after.resumed ? 'resumed' : '', after.seq === before.seq ? (after.data === before.data ? 'same data' : 'other data') : ''];
      return `${viewer.name} ${after.w}: seq ${after.seq} after ${before.seq} (${how.filter(Boolean).join(', ')}; from ${after.from})`;
    });
}

/** The forward jumps in one viewer's seqs (whole states whose seq is more than one past the one before). */
export function jumps(viewer: ClusterViewer): string[] {
  return steps(viewer)
    .filter(({ before, after }) => after.seq > before.seq + 1)
    .map(({ before, after }) => `${viewer.name} ${after.w}: ${before.seq} -> ${after.seq}${after.resumed ? ' (resumed)' : ''}`);
}

/**
 * Seqs under which viewers saw different data: `w@seq: <viewer> saw X, <viewer> saw Y`. Pending states carry no
 * data and are left out, and so are states `compared` rejects; viewers must watch the same dashboard with the same
 * variable values.
 */
export function conflicts(viewers: readonly ClusterViewer[], compared: (s: Seen) => boolean = () => true): string[] {
  const first = new Map<string, { viewer: string; data: string; from: string }>();
  const found: string[] = [];
  for (const v of viewers) {
    for (const s of v.seen) {
      if (s.status === 'pending' || !compared(s)) continue;
      const key = `${s.w}@${s.seq}`;
      const known = first.get(key);
      if (known === undefined) first.set(key, { viewer: v.name, data: s.data, from: s.from });
      else if (known.data !== s.data) found.push(`${key}: ${known.viewer} (${known.from}) saw ${known.data.slice(-80)}, ${v.name} (${s.from}) saw ${s.data.slice(-80)}`);
    }
  }
  return found;
}
