/**
 * The viewers of rtdash and the naive peer: a process of its own that opens WebSocket viewers of the
 * bench dashboards (hello → subscribe → snapshot) and, in the measured window, counts each widget update received and its
 * latency: receipt time minus the update's `at` (both from this machine's clock). In the window
 * updates are read with a byte scan rather than JSON.parse (see update-scan.ts), so that this
 * process's own work adds as little as possible to the latencies it records.
 */
import { closeSockets, openAll, subscribeViewer } from './viewer-pool.js';
import WebSocket from 'ws';
import type { LoadCommand, LoadReport } from './ipc.js';
import { dashboardOf } from './scenario.js';
import { Histogram } from './stats.js';
import { entryTimes, isResumed, isUpdate, scanAts } from './update-scan.js';

/** How long the viewers get to finish their close handshakes before their sockets are destroyed. */
const CLOSE_WAIT_MS = 5000;

/** The fields of a server message that the viewers read. */
interface ServerMessage {
  type: string;
  /** Protocol 2: when the message was built; each entry's time is this minus its `dt`. */
  at?: number;
  updates?: { at?: number; dt?: number }[];
  resumed?: boolean;
}

const viewers: WebSocket[] = [];
const latency = new Histogram();
const closes = new Map<number, number>();
let measuring = false;
let closing = false;
let counts = { deliveries: 0, messages: 0, resumed: 0, other: 0, errors: 0 };
/** Updates outside the window where the byte scan and JSON.parse disagreed (should stay 0). */
let scanMismatches = 0;
const ats: number[] = [];
let windowStart = { wall: 0, cpu: process.cpuUsage() };

const report = (message: LoadReport) => process.send?.(message);

/** Opens one viewer; resolves once its snapshot has arrived. */
function openViewer(url: string, dashboard: string, timeoutMs: number): Promise<WebSocket> {
  return subscribeViewer(url, dashboard, timeoutMs, {
    message(bytes) {
      if (measuring && isUpdate(bytes)) return record(bytes);
      const msg = JSON.parse(bytes.toString()) as ServerMessage;
      if (msg.type === 'update') check(bytes, msg);
      else if (measuring) counts.other++;
    },
    error: () => counts.errors++,
    closed: (code) => {
      if (!closing) closes.set(code, (closes.get(code) ?? 0) + 1);
    },
  });
}

function record(bytes: Buffer): void {
  const now = Date.now();
  counts.messages++;
  if (isResumed(bytes)) counts.resumed++;
  ats.length = 0;
  counts.deliveries += scanAts(bytes, ats);
  for (const at of ats) latency.add(now - at);
}

/** Outside the window: the byte scan must find what JSON.parse finds. */
function check(bytes: Buffer, msg: ServerMessage): void {
  ats.length = 0;
  scanAts(bytes, ats);
  const parsed = entryTimes(msg);
  if (!isUpdate(bytes) || isResumed(bytes) !== (msg.resumed === true) || ats.join() !== parsed.join()) scanMismatches++;
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
  await closeSockets(viewers, CLOSE_WAIT_MS);
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
