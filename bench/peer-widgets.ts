/**
 * What the two hand-written peers (naive-peer.ts, socketio-peer.ts) share: the widgets' state, one
 * point per tick, the update and snapshot messages they send (the same objects, so the same sizes),
 * and intervals that start on a whole second, the same phase as rtdash's scheduler.
 */
import { INTERVAL_MS, KEEP_POINTS, dashboardIds, widgetIds, type Scenario } from './scenario.js';

/** One widget's history and sequence. */
export interface PeerWidget {
  dashboard: string;
  id: string;
  seq: number;
  at: number;
  time: number[];
  value: number[];
}

/** Every dashboard's widgets, by dashboard id. */
export function peerWidgets(scenario: Scenario): Map<string, PeerWidget[]> {
  const started = Date.now();
  return new Map(
    dashboardIds(scenario.dashboards).map((dashboard) => [dashboard, widgetIds(scenario.widgets).map((id) => ({ dashboard, id, seq: started, at: started, time: [], value: [] }))]),
  );
}

let n = 0;

/**
 * Adds one point to the widget and returns the `update` message that carries it, with the shape of
 * rtdash's protocol 1 update: one entry with the widget's `seq`, `at` and the new row.
 */
export function tickWidget(widget: PeerWidget): object {
  const time = Date.now();
  const value = ++n;
  widget.time.push(time);
  widget.value.push(value);
  if (widget.time.length > KEEP_POINTS) {
    widget.time.shift();
    widget.value.shift();
  }
  widget.seq++;
  widget.at = Date.now();
  const update = {
    w: widget.id,
    seq: widget.seq,
    at: widget.at,
    lastGoodAt: widget.at,
    status: 'ok',
    op: 'append',
    frame: { fields: [{ name: 'time', type: 'time', values: [time] }, { name: 'value', type: 'number', values: [value] }] },
  };
  return { type: 'update', dashboard: widget.dashboard, updates: [update] };
}

/** The `snapshot` a new viewer of `dashboard` gets: every widget's whole history. */
export function peerSnapshot(dashboard: string, widgets: readonly PeerWidget[]): object {
  return {
    type: 'snapshot',
    dashboard,
    version: 'peer',
    reason: 'subscribe',
    vars: {},
    definition: { id: dashboard, title: 'Fan-out benchmark', widgets: widgets.map((w) => ({ id: w.id, type: 'line' })) },
    widgets: widgets.map((w) => ({
      w: w.id,
      seq: w.seq,
      at: w.at,
      lastGoodAt: w.at,
      status: 'ok',
      op: 'replace',
      frame: { fields: [{ name: 'time', type: 'time', values: w.time }, { name: 'value', type: 'number', values: w.value }] },
    })),
  };
}

/**
 * Calls `tick` for each widget every INTERVAL_MS, starting on the next whole second, one
 * `setInterval` per widget; returns a function that stops them all.
 */
export function tickOnWholeSeconds(widgets: Iterable<PeerWidget>, tick: (widget: PeerWidget) => void): () => void {
  const timers: NodeJS.Timeout[] = [];
  const all = [...widgets];
  timers.push(
    setTimeout(() => {
      for (const widget of all) {
        tick(widget);
        timers.push(setInterval(() => tick(widget), INTERVAL_MS));
      }
    }, INTERVAL_MS - (Date.now() % INTERVAL_MS)),
  );
  return () => {
    for (const timer of timers) clearTimeout(timer);
  };
}
