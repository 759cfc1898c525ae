/**
 * The soak's misbehaving clients, one function per kind. Each runs until `stop()`: whenever the server
 * closes or refuses it, it comes back (after a short pause), as a determined attacker would.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { AttackMix, AttackStats } from './soak-ipc.js';

/** Where to attack, and the shared counters. */
export interface Target {
  host: string;
  port: number;
  dashboard: string;
  subscribeEveryMs: number;
  stats: AttackStats;
  /** True once the attack is over: no client reconnects after that. */
  stopped(): boolean;
  /** Keeps a socket or timer so that `stop` can end it. */
  track(handle: { destroy(): void }): void;
  untrack(handle: { destroy(): void }): void;
}

/** The variable values a looping subscriber cycles through: each one is a view (and jobs) of its own. */
const REGIONS = ['all', 'eu', 'us', 'apac'];
/** A client does not queue more than this on its own side; past it, it skips a send. */
const MAX_OWN_QUEUE = 64 * 1024;
/** How long a closed client waits before it comes back. */
const COMEBACK_MS = 200;
/** How often a slowloris client sends its next header byte. */
const SLOWLORIS_BYTE_MS = 1000;

/** The `subscribe` message with the `i`th region. */
function subscribeText(t: Target, i: number): string {
  return JSON.stringify({ type: 'subscribe', dashboard: t.dashboard, vars: { region: REGIONS[i % REGIONS.length] } });
}

/** One client frame with a text payload, masked as a client must send it. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length < 126 ? Buffer.from([0x80 | payload.length]) : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const mask = randomBytes(4);
  for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return Buffer.concat([Buffer.from([0x81]), length, mask, payload]);
}

function upgradeRequest(t: Target): string {
  const key = randomBytes(16).toString('base64');
  return `GET /ws HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
}

/** Runs `session` again and again, `COMEBACK_MS` apart (or `pauseMs`), until the attack stops. */
function loop(t: Target, session: (done: () => void) => void, pauseMs = COMEBACK_MS): void {
  const again = () => {
    if (t.stopped()) return;
    const timer = setTimeout(() => session(again), pauseMs);
    const handle = { destroy: () => clearTimeout(timer) };
    t.track(handle);
    timer.unref();
  };
  session(again);
}

/** A raw socket that ends the session (once) when it closes. */
function rawSocket(t: Target, kind: keyof AttackMix, done: () => void): Socket {
  const socket = connect({ host: t.host, port: t.port });
  t.stats.opened[kind]++;
  t.track(socket);
  socket.on('error', () => t.stats.errors++);
  socket.once('close', () => {
    t.untrack(socket);
    done();
  });
  return socket;
}

/** Upgrades, subscribes, then never reads: sends `subscribe` every interval while the server's replies pile up. */
export function neverReading(t: Target): void {
  loop(t, (done) => {
    const socket = rawSocket(t, 'neverReading', () => {
      clearInterval(timer);
      done();
    });
    socket.pause();
    socket.write(`${upgradeRequest(t)}\r\n`);
    let i = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || socket.writableLength > MAX_OWN_QUEUE) return;
      socket.write(textFrame(subscribeText(t, i++)));
      t.stats.subscribes++;
    }, t.subscribeEveryMs);
  });
}

/** A WebSocket that counts what it reads and how it was closed, and ends the session when it closes. */
function countedSocket(t: Target, kind: keyof AttackMix, done: () => void): WebSocket {
  const ws = new WebSocket(`ws://${t.host}:${t.port}/ws`, { perMessageDeflate: false });
  t.stats.opened[kind]++;
  const handle = { destroy: () => ws.terminate() };
  t.track(handle);
  ws.on('message', (data: Buffer) => (t.stats.bytesRead += data.length));
  ws.on('unexpected-response', (_req, res) => {
    const key = `http ${res.statusCode}`;
    t.stats.closes[key] = (t.stats.closes[key] ?? 0) + 1;
    res.resume();
    ws.terminate();
  });
  ws.on('error', () => t.stats.errors++);
  ws.once('close', (code) => {
    t.untrack(handle);
    // 1005/1006: no close frame (we or the server dropped the socket); the others are the server's codes.
    if (code !== 1005 && code !== 1006) t.stats.closes[String(code)] = (t.stats.closes[String(code)] ?? 0) + 1;
    done();
  });
  return ws;
}

/** Reads everything, but sends `subscribe` with another region every interval, replacing its subscription each time. */
export function subscribeLoop(t: Target): void {
  loop(t, (done) => {
    let timer: NodeJS.Timeout | undefined;
    const ws = countedSocket(t, 'subscribeLoop', () => {
      clearInterval(timer);
      done();
    });
    ws.once('open', () => {
      let i = 0;
      timer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > MAX_OWN_QUEUE) return;
        ws.send(subscribeText(t, i++));
        t.stats.subscribes++;
      }, t.subscribeEveryMs);
    });
  });
}

/** Sends an HTTP request's (or an upgrade's) headers one byte a second and never ends them. */
export function slowloris(t: Target, upgrade: boolean): void {
  loop(t, (done) => {
    const socket = rawSocket(t, 'slowloris', () => {
      clearInterval(timer);
      done();
    });
    socket.on('data', (chunk: Buffer) => (t.stats.bytesRead += chunk.length));
    socket.write(upgrade ? upgradeRequest(t) : `GET /api/dashboards HTTP/1.1\r\nHost: ${t.host}:${t.port}\r\n`);
    const header = 'X-Slow: keep-waiting\r\n';
    let i = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed) socket.write(header[i++ % header.length]!);
    }, SLOWLORIS_BYTE_MS);
  });
}

/**
 * Connects, subscribes, and 100 ms after connecting drops the connection (a close, or a reset every other
 * time) and connects again at once, without waiting for the close handshake.
 */
export function reconnecting(t: Target): void {
  let n = 0;
  loop(
    t,
    (done) => {
      let next: (() => void) | undefined = done;
      const once = () => {
        next?.();
        next = undefined;
      };
      const ws = countedSocket(t, 'reconnecting', once);
      const abrupt = n++ % 2 === 1;
      ws.once('open', () => {
        ws.send(subscribeText(t, n));
        t.stats.subscribes++;
        setTimeout(() => {
          if (abrupt) ws.terminate();
          else ws.close(1000);
          once();
        }, 100).unref();
      });
    },
    0,
  );
}
