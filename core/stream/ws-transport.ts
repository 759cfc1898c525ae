/**
 * The WebSocket endpoint (`/ws`): upgrades on the Koa HTTP server, origin and per-IP checks, the
 * connection's embed token (`?token=`), message size cap (1009), ping/pong heartbeats, and the
 * protocol's client messages.
 */
import { STATUS_CODES, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { RtdashError, errorBody } from '../errors.js';
import { requestToken, type EmbedAccess, type Grant } from '../embed-access.js';
import type { Logger } from '../plugin.js';
import type { Limits } from '../model.js';
import type { Hub } from './hub.js';
import { CLOSE, PONG, errorMessage, helloMessage, parseClientMessage, type ClientMessage, type Outgoing } from './protocol.js';
import type { ConnectionGate } from './connection-gate.js';
import { CLOSE_GRACE_MS } from './peer.js';
import { InboundRate } from './inbound-rate.js';
import type { Identify, Identity } from '../auth/authenticator.js';

/** What the endpoint needs. */
export interface WsDeps {
  hub: Hub;
  gate: ConnectionGate;
  access: EmbedAccess;
  limits: Limits;
  logger: Logger;
  version: string;
  path: string;
  /** Who signed in behind the upgrade request (core/auth/authenticator.ts). */
  identify: Identify;
  /** Reads the session the request's cookie names when another instance started it. */
  warm: (req: IncomingMessage) => Promise<void>;
}

/** Attaches the WebSocket endpoint to an HTTP server; returns a function that closes it. */
export function attachWebSocket(server: HttpServer, deps: WsDeps): { close(): Promise<void> } {
  const { hub, gate, limits, logger, access } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  const hello = helloMessage(deps.version, limits.heartbeatMs);

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== deps.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const refusal = gate.admit(req);
    if (refusal !== undefined) {
      const body = JSON.stringify({ error: { code: refusal.code, message: refusal.reason } });
      socket.end(`HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    // The slot is given back when the socket closes, whatever became of the handshake: `ws` answers a bad
    // one (wrong version, malformed key) with 400 itself and never calls back.
    if (socket.destroyed) gate.release(req);
    else socket.once('close', () => gate.release(req));
    // A refused token is answered after the upgrade, with an `error` and a close code: a browser never
    // sees the status of a refused upgrade, only that it failed.
    let grant: Grant | undefined;
    let refused: unknown;
    try {
      grant = access.verify(requestToken(url.searchParams));
    } catch (err) {
      refused = err;
    }
    // With cluster.redis, a session started on another instance is read first (a no-op otherwise).
    void deps.warm(req).then(() => {
      if (socket.destroyed) return; // gone while its session was read: its slot was given back on close
      const identity = deps.identify(req);
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req, grant, refused, identity));
    });
  };

  const onConnection = (ws: WebSocket, req: IncomingMessage, grant: Grant | undefined, refused: unknown, identity: Identity | undefined) => {
    const ip = gate.ipOf(req);
    let closing: NodeJS.Timeout | undefined;
    const peer = hub.addPeer({
      kind: 'ws',
      ip,
      send(message: Outgoing) {
        if (ws.readyState === ws.OPEN) ws.send(message.buffer, { binary: false });
      },
      bufferedBytes: () => ws.bufferedAmount,
      close(code, reason) {
        if (ws.readyState === ws.CLOSED) return;
        ws.close(code, reason);
        // A client that stopped reading never answers the close frame: destroy its socket.
        closing ??= setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      },
    }, grant, identity);
    let alive = true;
    const inbound = new InboundRate(limits.maxMessagesPerSecond);
    /** Charges one frame from the client before any work is done for it; false: drop it unread. */
    const admitFrame = (): boolean => {
      const verdict = inbound.charge();
      if (verdict === 'warn') peer.send(errorMessage('RTDASH_RATE_LIMITED', `too many messages: at most ${limits.maxMessagesPerSecond} a second on one connection; this one and the next ones past it are dropped unread`));
      if (verdict === 'close') {
        logger.info({ peer: peer.id, ip }, 'closing a connection that kept sending past max_messages_per_second');
        peer.transport.close(CLOSE.POLICY, 'too many messages');
        hub.removePeer(peer);
      }
      return verdict === 'ok';
    };
    // A client's pings are answered by ws itself: they count like messages.
    ws.on('ping', admitFrame);
    ws.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) {
        logger.info({ peer: peer.id, ip }, 'dropping a connection that missed a heartbeat');
        hub.metrics.hot.heartbeatMisses++;
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, limits.heartbeatMs);
    ws.on('message', (data, isBinary) => {
      alive = true;
      if (!admitFrame()) return;
      const send = (m: Outgoing) => peer.send(m);
      if (isBinary) {
        send(errorMessage('RTDASH_BAD_MESSAGE', 'binary messages are not part of the protocol; send JSON text'));
        return;
      }
      let msg: ClientMessage | undefined;
      try {
        msg = parseClientMessage(data.toString());
        if (msg.type === 'subscribe') hub.subscribe(peer, msg);
        else if (msg.type === 'unsubscribe') hub.unsubscribe(peer, msg.dashboard);
        else send(PONG);
      } catch (err) {
        if (!(err instanceof RtdashError)) logger.error({ err, peer: peer.id }, 'failed to handle a message');
        const body = errorBody(err);
        send(errorMessage(body.code, body.message, msg && 'dashboard' in msg ? msg.dashboard : undefined));
        // The server is at its snapshot rate: the client reconnects after its back-off and subscribes again.
        if (body.code === 'RTDASH_SERVER_BUSY') {
          peer.transport.close(CLOSE.TRY_AGAIN_LATER, 'server busy');
          hub.removePeer(peer);
        }
      }
    });
    ws.on('error', (err) => {
      // ws closes with 1009 itself when a message is over maxPayload; the error is only logged.
      logger.debug({ peer: peer.id, err: err.message }, 'websocket error');
    });
    ws.on('close', (code) => {
      const closes = hub.metrics.hot.closes;
      closes.set(code, (closes.get(code) ?? 0) + 1);
      clearInterval(heartbeat);
      if (closing) clearTimeout(closing);
      hub.removePeer(peer);
    });
    peer.send(hello);
    if (refused !== undefined) {
      const body = errorBody(refused);
      peer.send(errorMessage(body.code, body.message));
      peer.transport.close(CLOSE.TOKEN_INVALID, 'token invalid');
      hub.removePeer(peer);
    } else if (grant !== undefined && access.expired(grant)) hub.expire(peer);
  };

  server.on('upgrade', onUpgrade);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.off('upgrade', onUpgrade);
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  };
}

