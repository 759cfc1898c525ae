/**
 * One widget as one viewer sees it over a real WebSocket: every entry the server sent for it (the snapshot's and
 * each update's), the data those entries add up to, and waiting for a state. Fault tests assert on these: what the
 * viewer saw during the fault, and that afterwards nothing is missing or repeated.
 */
import { expect } from 'chai';
import { until } from './served-cli.js';
import { TestClient } from './ws-client.js';

/** One widget entry of a snapshot or update (docs/protocol.md). */
export interface WidgetEntry {
  w: string;
  seq: number;
  at: number;
  lastGoodAt: number | null;
  status: 'ok' | 'error' | 'pending';
  op?: 'append' | 'replace';
  frame?: { fields: { name: string; type: string; values: unknown[] }[] };
  error?: { code: string; message: string };
}

/** A viewer subscribed to one dashboard, watching one of its widgets. */
export class WidgetViewer {
  readonly client: TestClient;
  readonly #widget: string;

  private constructor(client: TestClient, widget: string) {
    this.client = client;
    this.#widget = widget;
  }

  /** Connects to `wsUrl`, subscribes to `dashboard` and waits for its snapshot. */
  static async open(wsUrl: string, dashboard: string, widget: string): Promise<WidgetViewer> {
    const client = new TestClient(wsUrl);
    await client.opened;
    client.send({ type: 'subscribe', dashboard });
    await client.nextOf('snapshot');
    return new WidgetViewer(client, widget);
  }

  /** Another widget of the same dashboard, seen through the same connection. */
  widget(id: string): WidgetViewer {
    return new WidgetViewer(this.client, id);
  }

  /** Every entry received for the widget, in order. */
  entries(): WidgetEntry[] {
    return this.client.messages.flatMap((m) => {
      const list = (m.type === 'snapshot' ? m['widgets'] : m.type === 'update' ? m['updates'] : []) as WidgetEntry[];
      return list.filter((e) => e.w === this.#widget);
    });
  }

  /** The widget's data as the entries so far build it (the client's state after the last one), row by row. */
  rows(): Record<string, unknown>[] {
    const last = this.last() as (WidgetEntry & { state?: WidgetEntry['frame'] }) | undefined;
    const columns = (last?.state ?? last?.frame)?.fields ?? [];
    const length = columns[0]?.values.length ?? 0;
    return Array.from({ length }, (_, i) => Object.fromEntries(columns.map((c) => [c.name, c.values[i]])));
  }

  /** The latest entry, if any. */
  last(): WidgetEntry | undefined {
    return this.entries().at(-1);
  }

  /** Waits until the latest entry satisfies `check`, and returns it. */
  async until(what: string, check: (entry: WidgetEntry) => boolean, timeoutMs = 15_000): Promise<WidgetEntry> {
    await until(`the viewer to see ${what} (last entry: ${JSON.stringify(this.last())?.slice(0, 300)})`, () => {
      const entry = this.last();
      return entry !== undefined && check(entry);
    }, timeoutMs);
    return this.last()!;
  }

  /**
   * Asserts what a viewer must be able to rely on through a fault: sequence numbers only grow (nothing repeated or
   * replayed), an error entry still says when the data was last good, and every error names a catalogue code.
   */
  expectConsistent(): void {
    const entries = this.entries();
    for (let i = 1; i < entries.length; i++) {
      expect(entries[i]!.seq, `entry ${i} of ${this.#widget} repeats or goes back`).to.be.above(entries[i - 1]!.seq);
    }
    let lastGood: number | null = null;
    for (const entry of entries) {
      if (entry.status === 'ok') lastGood = entry.lastGoodAt;
      if (entry.status === 'error') {
        expect(entry.error?.code, JSON.stringify(entry)).to.match(/^RTDASH_[A-Z_]+$/);
        // Runs that found the data unchanged send nothing but still count as good: the time may have moved on.
        const seen = JSON.stringify(entries.map((e) => [e.seq, e.status, e.at, e.lastGoodAt]));
        if (lastGood === null) expect(entry.lastGoodAt, `an error before any data has no last good time: ${seen}`).to.equal(null);
        else expect(entry.lastGoodAt, `an error keeps the time of the last good data: ${seen}`).to.be.a('number').and.at.least(lastGood).and.below(entry.at);
      }
    }
  }

  /** Closes the connection. */
  close(): Promise<void> {
    return this.client.close();
  }
}
