/**
 * The viewers of the PostgreSQL benchmark: a process of its own, like load.ts, that opens WebSocket
 * viewers of the bench-pg dashboard. In the measured window it counts each widget update and its
 * latency from the update's `at` (as load.ts does), and records, per viewer, when the listening
 * widget first showed each newer order id. The receipt time is taken before the message is looked
 * at, and the id is read straight from the bytes (checked against JSON.parse outside the window).
 */
import { closeSockets, openAll, subscribeViewer } from './viewer-pool.js';
import WebSocket from 'ws';
import type { PgLoadCommand, PgLoadReport } from './pg-ipc.js';
import { parsedLiveId, scanLiveId, clockMs } from './pg-scenario.js';
import { WindowClock } from './load-window.js';
import { Histogram } from './stats.js';
import { entryTimes, isResumed, isUpdate, scanAts } from './update-scan.js';

/** How long the viewers get to finish their close handshakes before their sockets are destroyed. */
const CLOSE_WAIT_MS = 5000;

/** One viewer and what it saw of the listening widget. */
interface Viewer {
  ws: WebSocket;
  /** The newest order id it has seen. */
  lastId: number;
  receipts: number[];
}

const viewers: Viewer[] = [];
const latency = new Histogram();
const closes = new Map<number, number>();
let measuring = false;
let closing = false;
let counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
let scanMismatches = 0;
let liveMismatches = 0;
const ats: number[] = [];
const clock = new WindowClock();

const report = (message: PgLoadReport) => process.send?.(message);

/** Opens one viewer; resolves once its snapshot has arrived. */
async function openViewer(url: string, dashboard: string, timeoutMs: number): Promise<Viewer> {
  const viewer: Viewer = { ws: undefined as unknown as WebSocket, lastId: 0, receipts: [] };
  viewer.ws = await subscribeViewer(url, dashboard, timeoutMs, {
    message(bytes) {
      const received = clockMs();
      if (measuring && isUpdate(bytes)) return record(viewer, bytes, received);
      const msg = JSON.parse(bytes.toString()) as { type: string; resumed?: boolean; at?: number; updates?: { at?: number; dt?: number }[] };
      if (msg.type === 'update') check(viewer, bytes, msg);
      else if (measuring) counts.other++;
    },
    error: () => counts.errors++,
    closed: (code) => {
      if (!closing) closes.set(code, (closes.get(code) ?? 0) + 1);
    },
  });
  return viewer;
}

function record(viewer: Viewer, bytes: Buffer, received: number): void {
  const id = scanLiveId(bytes);
  if (id !== undefined && id > viewer.lastId) {
    viewer.lastId = id;
    viewer.receipts.push(id, received);
  }
  const now = Date.now();
  counts.messages++;
  if (isResumed(bytes)) counts.resumed++;
  ats.length = 0;
  counts.deliveries += scanAts(bytes, ats);
  for (const at of ats) latency.add(now - at);
}

/** Outside the window: the byte scans must find what JSON.parse finds. */
function check(viewer: Viewer, bytes: Buffer, msg: { resumed?: boolean; at?: number; updates?: { at?: number; dt?: number }[] }): void {
  ats.length = 0;
  scanAts(bytes, ats);
  const parsed = entryTimes(msg);
  if (!isUpdate(bytes) || isResumed(bytes) !== (msg.resumed === true) || ats.join() !== parsed.join()) scanMismatches++;
  const id = parsedLiveId(msg as Parameters<typeof parsedLiveId>[0]);
  if (scanLiveId(bytes) !== id) liveMismatches++;
  if (id !== undefined && id > viewer.lastId) viewer.lastId = id;
}

async function open(command: Extract<PgLoadCommand, { type: 'open' }>): Promise<void> {
  const { viewers: opened, failed, ms, firstError } = await openAll(command.viewers, command.concurrency, () => openViewer(command.url, command.dashboard, command.timeoutMs));
  viewers.push(...opened);
  report({ type: 'opened', subscribed: viewers.length, failed, ms, ...(firstError !== undefined && { firstError }) });
}

function start(): void {
  counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
  latency.clear();
  for (const viewer of viewers) viewer.receipts = [];
  clock.restart();
  measuring = true;
  report({ type: 'started' });
}

function stop(): void {
  measuring = false;
  report({
    type: 'result',
    ...clock.read(),
    ...counts,
    latency: latency.toPairs(),
    closes: Object.fromEntries(closes),
    scanMismatches,
    receipts: viewers.map((v) => v.receipts),
    liveMismatches,
  });
}

async function closeAll(): Promise<void> {
  closing = true;
  await closeSockets(viewers.map((v) => v.ws), CLOSE_WAIT_MS);
  report({ type: 'closed' });
  process.disconnect();
}

process.on('message', (raw) => {
  const command = raw as PgLoadCommand;
  if (command.type === 'open') void open(command);
  else if (command.type === 'start') start();
  else if (command.type === 'stop') stop();
  else void closeAll();
});
// Never outlive the orchestrator.
process.on('disconnect', () => {
  if (!closing) process.exit(0);
});
