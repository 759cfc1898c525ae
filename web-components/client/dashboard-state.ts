/**
 * One watched dashboard as the client knows it: its definition, its variable values and each widget's state,
 * kept up to date by applying the stream's messages as docs/protocol.md says (replace, append with a
 * still-filling last bucket, frameless confirmations, errors that keep the data), and trimmed to the history
 * each widget keeps, so a long-lived page holds no more than the server does.
 */
import { widgetTraits } from '../../core/widget-types.js';
import { encodeCursor, type AlertsMessage, type SnapshotMessage, type UpdateEntry, type UpdateMessage } from './protocol.js';
import type { AlertItem, DashboardDefinition, DashboardRange, Frame, WidgetDefinition, WidgetState } from './types.js';

export type { SnapshotMessage, UpdateEntry, UpdateMessage } from './protocol.js';

const EMPTY: Frame = { fields: [] };

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
  #defs = new Map<string, WidgetDefinition>();

  /** Takes a snapshot: the definition and every widget's whole state. Returns the ids of the widgets it set. */
  applySnapshot(msg: SnapshotMessage): string[] {
    this.definition = msg.definition;
    this.version = msg.version;
    this.vars = msg.vars;
    this.range = msg.range;
    this.#defs = new Map(msg.definition.widgets.map((w) => [w.id, w]));
    this.widgets.clear();
    for (const entry of msg.widgets) this.#apply(entry);
    return [...this.widgets.keys()];
  }

  /** Applies an update's entries in order. Returns the ids of the widgets that changed. */
  applyUpdate(msg: UpdateMessage): string[] {
    const changed = new Set<string>();
    for (const entry of msg.updates) if (this.#apply(entry)) changed.add(entry.w);
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

  #apply(entry: UpdateEntry): boolean {
    const def = this.#defs.get(entry.w);
    if (def === undefined) return false; // a widget this definition does not have (a reload is on its way)
    const before = this.widgets.get(entry.w);
    if (before !== undefined && entry.seq <= before.seq && entry.op !== 'replace') return false; // already applied
    let frame = before?.frame ?? EMPTY;
    if (entry.frame !== undefined) frame = entry.op === 'append' ? appendRows(frame, entry.frame) : entry.frame;
    // A range widget's frame is the whole window the viewer asked for: `keep` does not cut it.
    if (def.range !== true) frame = trim(frame, def);
    const next: WidgetState = { frame, status: entry.status, at: entry.at, lastGoodAt: entry.lastGoodAt, seq: entry.seq };
    if (entry.status === 'error' && entry.error !== undefined) next.error = entry.error;
    this.widgets.set(entry.w, next);
    return true;
  }
}

/**
 * Appends the rows of `more` to `frame`: a first row at the same time as the last row replaces it (a bucket
 * still filling), later rows are added. Frames of different shapes cannot be joined: `more` then wins.
 */
export function appendRows(frame: Frame, more: Frame): Frame {
  if (frame.fields.length === 0 || frame.fields.length !== more.fields.length) return more;
  if (frame.fields.some((f, i) => f.name !== more.fields[i]!.name)) return more;
  const t = frame.fields.findIndex((f) => f.type === 'time');
  const rows = frame.fields[0]!.values.length;
  const firstNew = more.fields[t]?.values[0];
  const overlap = t >= 0 && rows > 0 && firstNew !== undefined && frame.fields[t]!.values[rows - 1] === firstNew ? 1 : 0;
  return {
    ...frame,
    fields: frame.fields.map((f, i) => ({ ...f, values: f.values.slice(0, rows - overlap).concat(more.fields[i]!.values) })),
  };
}

/**
 * Cuts a time series to the history its widget keeps: the last N points, or the rows within the window before
 * the latest time. As on the server, `keep` bounds only a series: a table, or a frame without time (a bar per
 * region), is a whole state and stays as it came.
 */
export function trim(frame: Frame, def: WidgetDefinition): Frame {
  const keep = def.keep;
  const rows = frame.fields[0]?.values.length ?? 0;
  const time = frame.fields.find((f) => f.type === 'time');
  if (keep === undefined || rows === 0 || time === undefined || widgetTraits(def.type).merge === 'replace') return frame;
  let from = 0;
  if ('points' in keep) from = Math.max(0, rows - keep.points);
  else {
    const latest = time.values[rows - 1];
    if (typeof latest !== 'number') return frame;
    while (from < rows && typeof time.values[from] === 'number' && (time.values[from] as number) < latest - keep.ms) from++;
  }
  if (from === 0) return frame;
  return { ...frame, fields: frame.fields.map((f) => ({ ...f, values: f.values.slice(from) })) };
}
