/**
 * The viewers of the socket.io peer: load.ts's counterpart with socket.io-client in websocket-only
 * mode. Each viewer waits for `hello`, emits `subscribe`, and is subscribed when its `snapshot` event
 * arrives. From then on the viewer reads the engine's raw `message` strings (`2["update",{…}]`) and
 * the client's own decoder is taken off: in the window each update's `at` is read with the same byte
 * scan as load.ts (update-scan.ts) and not JSON.parsed, so the latencies of all three servers carry the
 * same cost on the viewers' side. Outside the window the scan is checked against JSON.parse.
 */
import { io, type Socket } from 'socket.io-client';
import { LoadWindow, openViewers, report, serveCommands } from './load-window.js';
import { entryTimes, scanAts } from './update-scan.js';

/** How long the viewers get to disconnect before the process exits anyway. */
const CLOSE_WAIT_MS = 5000;
/** How a socket.io `update` event starts on the wire: an EVENT packet of the main namespace. */
const UPDATE_EVENT = '2["update",';

const win = new LoadWindow();
const viewers: Socket[] = [];
const ats: number[] = [];

/** Opens one viewer; resolves once its snapshot has arrived. */
function openViewer(url: string, dashboard: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs });
    let subscribed = false;
    const fail = (why: string) => {
      if (subscribed) return;
      clearTimeout(timer);
      socket.disconnect();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no snapshot within ${timeoutMs} ms`), timeoutMs);
    socket.on('connect_error', (err) => fail(err.message));
    socket.on('hello', () => socket.emit('subscribe', { type: 'subscribe', dashboard }));
    socket.once('snapshot', () => {
      subscribed = true;
      clearTimeout(timer);
      readRaw(socket);
      resolve(socket);
    });
    socket.on('disconnect', (reason) => {
      if (!subscribed) return fail(`disconnected (${reason}) before the snapshot`);
      win.closed(reason);
    });
  });
}

/**
 * Takes the client's decoder off the engine (its `data` listener) and reads the engine's `message`
 * strings instead; the engine still answers pings and reports its close to the socket.
 */
function readRaw(socket: Socket): void {
  const engine = socket.io.engine;
  engine.off('data');
  engine.on('message', (data) => {
    if (typeof data !== 'string') return void win.counts.other++;
    if (win.measuring && data.startsWith(UPDATE_EVENT)) return record(data);
    check(data);
  });
  engine.on('error', () => win.counts.errors++);
}

function record(data: string): void {
  const now = Date.now();
  win.counts.messages++;
  ats.length = 0;
  win.counts.deliveries += scanAts(Buffer.from(data.slice(UPDATE_EVENT.length), 'latin1'), ats);
  for (const at of ats) win.latency.add(now - at);
}

/** Outside the window: the byte scan must find what JSON.parse finds. */
function check(data: string): void {
  if (!data.startsWith(UPDATE_EVENT)) {
    if (win.measuring) win.counts.other++;
    return;
  }
  ats.length = 0;
  scanAts(Buffer.from(data.slice(UPDATE_EVENT.length), 'latin1'), ats);
  const [, msg] = JSON.parse(data.slice(1)) as [string, Parameters<typeof entryTimes>[0]];
  if (ats.join() !== entryTimes(msg).join()) win.scanMismatches++;
}

async function closeAll(): Promise<void> {
  win.closing = true;
  const closed = viewers.map((socket) => new Promise<void>((resolve) => (socket.io.engine.readyState === 'closed' ? resolve() : socket.io.engine.once('close', () => resolve()))));
  for (const socket of viewers) socket.disconnect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
  report({ type: 'closed' });
  process.disconnect();
}

serveCommands(win, (command) => openViewers(viewers, command, openViewer), closeAll);
