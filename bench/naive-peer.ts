/**
 * The naive peer: what a straightforward server looks like. A plain `ws` WebSocketServer speaking the
 * same hello/subscribe/snapshot/update messages, one timer per widget ticking on whole seconds, and
 * on each tick, for each viewer of that widget's dashboard, one `JSON.stringify` of the widget's
 * update and one `ws.send`.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { peerSnapshot, peerWidgets, tickOnWholeSeconds, tickWidget, type PeerWidget } from './peer-widgets.js';
import { scenarioFromEnv } from './scenario.js';
import { serveOverIpc } from './server-child.js';

const widgets = peerWidgets(scenarioFromEnv());
const viewers = new Map<string, Set<WebSocket>>([...widgets.keys()].map((dashboard) => [dashboard, new Set<WebSocket>()]));
let fanoutMs: number[] = [];

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
    const dashboard = typeof msg.dashboard === 'string' ? msg.dashboard : '';
    if (msg.type === 'subscribe' && widgets.has(dashboard)) {
      ws.send(JSON.stringify(peerSnapshot(dashboard, widgets.get(dashboard)!)));
      viewers.get(dashboard)!.add(ws);
    } else if (msg.type === 'unsubscribe') viewers.get(dashboard)?.delete(ws);
  });
  ws.on('error', () => undefined);
  ws.on('close', () => {
    for (const set of viewers.values()) set.delete(ws);
  });
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));

const stopTicking = tickOnWholeSeconds([...widgets.values()].flat(), tick);

function tick(widget: PeerWidget): void {
  const message = tickWidget(widget);
  const started = performance.now();
  for (const ws of viewers.get(widget.dashboard)!) ws.send(JSON.stringify(message));
  fanoutMs.push(performance.now() - started);
}

serveOverIpc({
  port: (wss.address() as AddressInfo).port,
  connections: () => wss.clients.size,
  takeFanoutMs: () => fanoutMs.splice(0),
  close: () =>
    new Promise<void>((resolve) => {
      stopTicking();
      for (const ws of wss.clients) ws.terminate();
      wss.close(() => resolve());
    }),
});
