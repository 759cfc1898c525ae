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
 * Calls `tick` for each widget every INTERVAL_MS on whole seconds, one timer per widget; returns a
 * function that stops them all. Each widget's next tick is the previous one's second plus
 * INTERVAL_MS, as in rtdash's scheduler, so a late timer on a busy loop does not push the later
 * ticks off the second (a bare `setInterval` would drift, and its ticks would wander across the
 * measured window's edges).
 */
export function tickOnWholeSeconds(widgets: Iterable<PeerWidget>, tick: (widget: PeerWidget) => void): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (widget: PeerWidget, due: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      tick(widget);
      // A tick more than a whole interval late skips to the next second to come, as rtdash's scheduler does.
      let next = due + INTERVAL_MS;
      while (next <= Date.now()) next += INTERVAL_MS;
      schedule(widget, next);
    }, Math.max(0, due - Date.now()));
    timers.add(timer);
  };
  const first = Date.now() - (Date.now() % INTERVAL_MS) + INTERVAL_MS;
  for (const widget of widgets) schedule(widget, first);
  return () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  };
}
