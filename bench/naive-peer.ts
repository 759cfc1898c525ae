/**
 * The naive peer: what a straightforward server looks like. A plain `ws` WebSocketServer speaking the
 * same hello/subscribe/snapshot/update messages, ten `setInterval(1000)` widgets, and on each tick,
 * for each viewer, one `JSON.stringify` of that widget's update and one `ws.send`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { DASHBOARD_ID, INTERVAL_MS, KEEP_POINTS, WIDGET_IDS } from './scenario.js';
import { serveOverIpc } from './server-child.js';

/** One widget's history and sequence. */
interface NaiveWidget {
  id: string;
  seq: number;
  at: number;
  time: number[];
  value: number[];
}

const started = Date.now();
const widgets: NaiveWidget[] = WIDGET_IDS.map((id) => ({ id, seq: started, at: started, time: [], value: [] }));
const viewers = new Set<WebSocket>();
const timers: NodeJS.Timeout[] = [];
let fanoutMs: number[] = [];
let n = 0;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, server: 'naive/0', heartbeatMs: 30_000 }));
  ws.on('message', (data) => {
    let msg: { type?: unknown; dashboard?: unknown };
    try {
      msg = JSON.parse(String(data)) as typeof msg;
    } catch {
      return;
    }
    if (msg.type === 'subscribe' && msg.dashboard === DASHBOARD_ID) {
      ws.send(snapshot());
      viewers.add(ws);
    } else if (msg.type === 'unsubscribe') viewers.delete(ws);
  });
  ws.on('error', () => undefined);
  ws.on('close', () => viewers.delete(ws));
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));

// Tick on whole seconds like rtdash's scheduler does, so both put their updates at the same phase.
timers.push(
  setTimeout(() => {
    for (const widget of widgets) {
      tick(widget);
      timers.push(setInterval(() => tick(widget), INTERVAL_MS));
    }
  }, INTERVAL_MS - (Date.now() % INTERVAL_MS)),
);

function tick(widget: NaiveWidget): void {
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
  const started = performance.now();
  for (const ws of viewers) {
    const update = {
      w: widget.id,
      seq: widget.seq,
      at: widget.at,
      lastGoodAt: widget.at,
      status: 'ok',
      op: 'append',
      frame: { fields: [{ name: 'time', type: 'time', values: [time] }, { name: 'value', type: 'number', values: [value] }] },
    };
    ws.send(JSON.stringify({ type: 'update', dashboard: DASHBOARD_ID, updates: [update] }));
  }
  fanoutMs.push(performance.now() - started);
}

function snapshot(): string {
  return JSON.stringify({
    type: 'snapshot',
    dashboard: DASHBOARD_ID,
    version: 'naive',
    reason: 'subscribe',
    vars: {},
    definition: { id: DASHBOARD_ID, title: 'Fan-out benchmark', widgets: WIDGET_IDS.map((id) => ({ id, type: 'line' })) },
    widgets: widgets.map((w) => ({
      w: w.id,
      seq: w.seq,
      at: w.at,
      lastGoodAt: w.at,
      status: 'ok',
      op: 'replace',
      frame: { fields: [{ name: 'time', type: 'time', values: w.time }, { name: 'value', type: 'number', values: w.value }] },
    })),
  });
}

serveOverIpc({
  port: (wss.address() as AddressInfo).port,
  connections: () => wss.clients.size,
  takeFanoutMs: () => fanoutMs.splice(0),
  close: () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
});
