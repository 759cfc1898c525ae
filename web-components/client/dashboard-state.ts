/**
 * One watched dashboard as the client knows it: its definition, its variable values and each widget's state,
 * kept up to date by applying the stream's messages as docs/protocol.md says: whole states from snapshots,
 * then each update's change (rows taken back, added and dropped; values; a new frame; an error that keeps the
 * data; a good run that changed nothing). The server says which rows go, so a page holds what the server does.
 */
import { encodeCursor, isFullEntry, type AlertsMessage, type DeltaEntry, type FullEntry, type SnapshotMessage, type UpdateEntry, type UpdateMessage } from './protocol.js';
import type { AlertItem, DashboardDefinition, DashboardRange, Frame, WidgetState } from './types.js';

export type { SnapshotMessage, UpdateEntry, UpdateMessage } from './protocol.js';

/** The state of one dashboard on this page. */
export class DashboardState {
  definition: DashboardDefinition | undefined;
  version: string | undefined;
  vars: Record<string, string> = {};
  /** The time range in force, on a dashboard with a time range. */
  range: DashboardRange | undefined;
  readonly widgets = new Map<string, WidgetState>();
  /** The dashboard's alerts that are not ok, as the last `alerts` message listed them. */
  alerts: AlertItem[] = [];
  #ids = new Set<string>();

  /** Takes a snapshot: the definition and every widget's whole state. Returns the ids of the widgets it set. */
  applySnapshot(msg: SnapshotMessage): string[] {
    this.definition = msg.definition;
    this.version = msg.version;
    this.vars = msg.vars;
    this.range = msg.range;
    this.#ids = new Set(msg.definition.widgets.map((w) => w.id));
    this.widgets.clear();
    for (const entry of msg.widgets) this.#apply(entry, 0);
    return [...this.widgets.keys()];
  }

  /** Applies an update's entries in order. Returns the ids of the widgets that changed. */
  applyUpdate(msg: UpdateMessage): string[] {
    const changed = new Set<string>();
    for (const entry of msg.updates) if (this.#apply(entry, msg.at)) changed.add(entry.w);
    return [...changed];
  }

  /** Takes an `alerts` message: the dashboard's alerts as they are now. */
  applyAlerts(msg: AlertsMessage): void {
    this.alerts = Array.isArray(msg.alerts) ? msg.alerts : [];
  }

  /** The last sequence number seen of each widget, for a resume. */
  positions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, s] of this.widgets) if (s.seq > 0) out[id] = s.seq;
    return out;
  }

  /** The resume cursor of the SSE and poll endpoints (`VERSION|w1:12,w2:13`), or undefined before a snapshot. */
  cursor(): string | undefined {
    if (this.version === undefined) return undefined;
    return encodeCursor(this.version, this.positions());
  }

  #apply(entry: UpdateEntry, messageAt: number): boolean {
    if (!this.#ids.has(entry.w)) return false; // a widget this definition does not have (a reload is on its way)
    const next = nextState(this.widgets.get(entry.w), entry, messageAt);
    if (next === undefined) return false;
    this.widgets.set(entry.w, next);
    return true;
  }
}

/**
 * A widget's state after one entry of a message built at `messageAt`; undefined for a change to a widget
 * this page has no state of (it cannot be applied: the next snapshot brings the whole state).
 */
export function nextState(before: WidgetState | undefined, entry: UpdateEntry, messageAt: number): WidgetState | undefined {
  if (isFullEntry(entry)) return fullState(entry);
  if (before === undefined) return undefined;
  const at = messageAt - (entry.dt ?? 0);
  const seq = before.seq + 1;
  if (entry.e !== undefined) return { ...before, status: 'error', error: entry.e, at, seq };
  return { frame: applyChange(before.frame, entry), status: 'ok', at, lastGoodAt: at, seq };
}

function fullState(entry: FullEntry): WidgetState {
  const state: WidgetState = { frame: entry.frame, status: entry.status, at: entry.at, lastGoodAt: entry.lastGoodAt, seq: entry.seq };
  if (entry.status === 'error' && entry.error !== undefined) state.error = entry.error;
  return state;
}

/** A frame after an update's data: `p` rows taken back, `a` added, `x` dropped from the head; or `v`; or `f`. */
export function applyChange(frame: Frame, entry: DeltaEntry): Frame {
  let next: Frame;
  if (entry.f !== undefined) next = { fields: entry.f.fields };
  else if (entry.v !== undefined) next = { fields: frame.fields.map((f, i) => ({ ...f, values: entry.v![i] ?? [] })) };
  else if (entry.a !== undefined) {
    const { a, p = 0, x = 0 } = entry;
    next = {
      fields: frame.fields.map((f, i) => {
        const values = p > 0 ? f.values.slice(0, Math.max(0, f.values.length - p)) : f.values.slice();
        for (const v of a[i] ?? []) values.push(v);
        return { ...f, values: x > 0 ? values.slice(x) : values };
      }),
    };
  } else return frame;
  if (entry.meta !== undefined) next.meta = entry.meta;
  return next;
}
