/**
 * The viewers of the socket.io peer: load.ts's counterpart with socket.io-client in websocket-only
 * mode. Each viewer waits for `hello`, emits `subscribe`, and is subscribed when its `snapshot` event
 * arrives. From then on the viewer reads the engine's raw `message` strings (`2["update",{…}]`) and
 * the client's own decoder is taken off: in the window each update's `at` is read with the same byte
 * scan as load.ts (update-scan.ts) and not JSON.parsed, so the latencies of all three servers carry the
 * same cost on the viewers' side. Outside the window the scan is checked against JSON.parse.
 */
import { io, type Socket } from 'socket.io-client';
import type { LoadCommand, LoadReport } from './ipc.js';
import { dashboardOf } from './scenario.js';
import { Histogram } from './stats.js';
import { entryTimes, scanAts } from './update-scan.js';
import { openAll } from './viewer-pool.js';

/** How long the viewers get to disconnect before the process exits anyway. */
const CLOSE_WAIT_MS = 5000;
/** How a socket.io `update` event starts on the wire: an EVENT packet of the main namespace. */
const UPDATE_EVENT = '2["update",';

const viewers: Socket[] = [];
const latency = new Histogram();
const closes = new Map<string, number>();
let measuring = false;
let closing = false;
let counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
let scanMismatches = 0;
const ats: number[] = [];
let windowStart = { wall: 0, cpu: process.cpuUsage() };

const report = (message: LoadReport) => process.send?.(message);

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
      if (!closing) closes.set(reason, (closes.get(reason) ?? 0) + 1);
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
    if (typeof data !== 'string') return void counts.other++;
    if (measuring && data.startsWith(UPDATE_EVENT)) return record(data);
    check(data);
  });
  engine.on('error', () => counts.errors++);
}

function record(data: string): void {
  const now = Date.now();
  counts.messages++;
  ats.length = 0;
  counts.deliveries += scanAts(Buffer.from(data.slice(UPDATE_EVENT.length), 'latin1'), ats);
  for (const at of ats) latency.add(now - at);
}

/** Outside the window: the byte scan must find what JSON.parse finds. */
function check(data: string): void {
  if (!data.startsWith(UPDATE_EVENT)) {
    if (measuring) counts.other++;
    return;
  }
  ats.length = 0;
  scanAts(Buffer.from(data.slice(UPDATE_EVENT.length), 'latin1'), ats);
  const [, msg] = JSON.parse(data.slice(1)) as [string, Parameters<typeof entryTimes>[0]];
  if (ats.join() !== entryTimes(msg).join()) scanMismatches++;
}

async function open(command: Extract<LoadCommand, { type: 'open' }>): Promise<void> {
  let next = command.first;
  const { viewers: opened, failed, ms, firstError } = await openAll(command.viewers, command.concurrency, () =>
    openViewer(command.url, dashboardOf(next++, command.dashboards), command.timeoutMs),
  );
  viewers.push(...opened);
  report({ type: 'opened', subscribed: viewers.length, failed, ms, ...(firstError !== undefined && { firstError }) });
}

function start(): void {
  counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
  latency.clear();
  windowStart = { wall: Date.now(), cpu: process.cpuUsage() };
  measuring = true;
  report({ type: 'started' });
}

function stop(): void {
  measuring = false;
  const cpu = process.cpuUsage(windowStart.cpu);
  report({
    type: 'result',
    ...counts,
    wallMs: Date.now() - windowStart.wall,
    cpuMicros: cpu.user + cpu.system,
    latency: latency.toPairs(),
    closes: Object.fromEntries(closes),
    scanMismatches,
  });
}

async function closeAll(): Promise<void> {
  closing = true;
  const closed = viewers.map((socket) => new Promise<void>((resolve) => (socket.io.engine.readyState === 'closed' ? resolve() : socket.io.engine.once('close', () => resolve()))));
  for (const socket of viewers) socket.disconnect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
  clearTimeout(timer);
  report({ type: 'closed' });
  process.disconnect();
}

process.on('message', (raw) => {
  const command = raw as LoadCommand;
  if (command.type === 'open') void open(command);
  else if (command.type === 'start') start();
  else if (command.type === 'stop') stop();
  else void closeAll();
});
// Never outlive the orchestrator.
process.on('disconnect', () => {
  if (!closing) process.exit(0);
});
