/**
 * Reads protocol 2's compact update entries the way the elements do (web-components/client/dashboard-state.ts)
 * and spells out each entry of an update (snapshots are whole states, and are left as they are) for assertions: its seq, time, status, last good time, what it did (`op`: `append`
 * with the rows it added, `replace` with the whole frame) and the widget's whole frame after it (`state`).
 * Tests then say what a viewer saw without re-deriving the wire's shorthand.
 */
import { isFullEntry, type DeltaEntry, type FullEntry, type UpdateEntry } from '../../web-components/client/protocol.js';
import { nextState } from '../../web-components/client/dashboard-state.js';
import type { Frame, WidgetState } from '../../web-components/client/types.js';

/** A widget entry spelt out: the fields of a whole state, and what the entry did. */
export interface SpeltEntry extends Omit<FullEntry, 'frame'> {
  /** `append`: `frame` holds the rows added (after `pop` rows taken back); `replace`: `frame` is the whole frame. Absent: no data changed. */
  op?: 'append' | 'replace';
  frame?: Frame;
  /** Rows dropped at the head, and taken back at the tail, by an append. */
  drop?: number;
  pop?: number;
  /** The widget's whole frame after this entry. */
  state: Frame;
  /** The entry as it came over the wire. */
  wire: UpdateEntry;
}

type Message = { type: string; [key: string]: unknown };

/** One connection's view of each dashboard's widgets, fed every message in order. */
export class WireDecoder {
  readonly #states = new Map<string, Map<string, WidgetState>>();

  /**
   * What a client that resumes knows (the positions it sends in `resume`, or in an SSE/poll cursor): each widget's
   * seq. Its data is not known here, so frames start empty.
   */
  resume(dashboard: string, positions: Readonly<Record<string, number>>): void {
    const states = new Map<string, WidgetState>();
    for (const [w, seq] of Object.entries(positions)) states.set(w, { frame: { fields: [] }, status: 'ok', at: 0, lastGoodAt: null, seq });
    this.#states.set(dashboard, states);
  }

  /** The message with its entries spelt out (other messages as they are). */
  decode(msg: Message): Message {
    const dashboard = String(msg.dashboard);
    if (msg.type === 'snapshot' && Array.isArray(msg.widgets)) {
      const states = new Map<string, WidgetState>();
      this.#states.set(dashboard, states);
      // A snapshot's entries are whole states, already spelt out: they are taken as they are.
      for (const e of msg.widgets as FullEntry[]) this.#spell(states, e, 0);
      return msg;
    }
    if (msg.type === 'update' && Array.isArray(msg.updates)) {
      let states = this.#states.get(dashboard);
      if (states === undefined) this.#states.set(dashboard, (states = new Map()));
      const at = typeof msg.at === 'number' ? msg.at : 0;
      return { ...msg, updates: (msg.updates as UpdateEntry[]).map((e) => this.#spell(states, e, at)) };
    }
    return msg;
  }

  #spell(states: Map<string, WidgetState>, entry: UpdateEntry, messageAt: number): SpeltEntry {
    // A client resuming from positions it was given (not from a snapshot of its own) has no state: it starts empty.
    const before = states.get(entry.w) ?? { frame: { fields: [] }, status: 'pending', at: 0, lastGoodAt: null, seq: 0 };
    const after = nextState(before, entry, messageAt)!;
    states.set(entry.w, after);
    const spelt: SpeltEntry = { w: entry.w, seq: after.seq, at: after.at, lastGoodAt: after.lastGoodAt, status: after.status, state: after.frame, wire: entry };
    if (after.error !== undefined && after.status === 'error') spelt.error = after.error;
    if (isFullEntry(entry)) return { ...spelt, op: 'replace', frame: entry.frame };
    const delta = entry as DeltaEntry;
    if (delta.a !== undefined) {
      const rows = { fields: after.frame.fields.map((f, i) => ({ ...f, values: delta.a![i] ?? [] })) };
      return { ...spelt, op: 'append', frame: rows, ...(delta.x !== undefined && { drop: delta.x }), ...(delta.p !== undefined && { pop: delta.p }) };
    }
    if (delta.v !== undefined || delta.f !== undefined) return { ...spelt, op: 'replace', frame: after.frame };
    return spelt;
  }
}
