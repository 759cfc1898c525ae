/**
 * The socket.io peer: what most people would pick for this job. A socket.io server (websocket
 * transport, no compression), a room per dashboard, and on each widget's tick one
 * `io.to(dashboard).emit('update', …)` with the same message the naive peer sends each viewer: the
 * adapter encodes it once, frames it once, and writes the same bytes to every socket of the room.
 * Viewers get a `hello` event on connect, answer with a `subscribe` event, join the room and get a
 * `snapshot` event, as in rtdash's protocol.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { peerSnapshot, peerWidgets, tickOnWholeSeconds, tickWidget, type PeerWidget } from './peer-widgets.js';
import { scenarioFromEnv } from './scenario.js';
import { serveOverIpc } from './server-child.js';

const widgets = peerWidgets(scenarioFromEnv());
const fanoutMs: number[] = [];

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false, pingInterval: 25_000, pingTimeout: 20_000 });
io.on('connection', (socket) => {
  socket.emit('hello', { type: 'hello', protocol: 1, server: 'socketio/4', heartbeatMs: 25_000 });
  socket.on('subscribe', (msg: { dashboard?: unknown } | undefined) => {
    const dashboard = typeof msg?.dashboard === 'string' ? msg.dashboard : '';
    const of = widgets.get(dashboard);
    if (of === undefined) return;
    void socket.join(dashboard);
    socket.emit('snapshot', peerSnapshot(dashboard, of));
  });
  socket.on('unsubscribe', (msg: { dashboard?: unknown } | undefined) => {
    if (typeof msg?.dashboard === 'string') void socket.leave(msg.dashboard);
  });
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));

const stopTicking = tickOnWholeSeconds([...widgets.values()].flat(), tick);

function tick(widget: PeerWidget): void {
  const message = tickWidget(widget);
  const started = performance.now();
  io.to(widget.dashboard).emit('update', message);
  fanoutMs.push(performance.now() - started);
}

serveOverIpc({
  port: (http.address() as AddressInfo).port,
  connections: () => io.engine.clientsCount,
  takeFanoutMs: () => fanoutMs.splice(0),
  close: () =>
    new Promise<void>((resolve) => {
      stopTicking();
      io.disconnectSockets(true);
      void io.close(() => resolve());
    }),
});
