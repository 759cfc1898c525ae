/**
 * The viewers of rtdash and the naive peer: a process of its own that opens WebSocket viewers of the
 * bench dashboards (hello → subscribe → snapshot) and, in the measured window, counts each widget update received and its
 * latency: receipt time minus the update's `at` (both from this machine's clock). In the window
 * updates are read with a byte scan rather than JSON.parse (see update-scan.ts), so that this
 * process's own work adds as little as possible to the latencies it records.
 */
import { closeSockets, subscribeViewer } from './viewer-pool.js';
import WebSocket from 'ws';
import { LoadWindow, openViewers, report, serveCommands } from './load-window.js';
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

const win = new LoadWindow();
const viewers: WebSocket[] = [];
const ats: number[] = [];

/** Opens one viewer; resolves once its snapshot has arrived. */
function openViewer(url: string, dashboard: string, timeoutMs: number): Promise<WebSocket> {
  return subscribeViewer(url, dashboard, timeoutMs, {
    message(bytes) {
      if (win.measuring && isUpdate(bytes)) return record(bytes);
      const msg = JSON.parse(bytes.toString()) as ServerMessage;
      if (msg.type === 'update') check(bytes, msg);
      else if (win.measuring) win.counts.other++;
    },
    error: () => win.counts.errors++,
    closed: (code) => {
      win.closed(code);
    },
  });
}

function record(bytes: Buffer): void {
  const now = Date.now();
  win.counts.messages++;
  if (isResumed(bytes)) win.counts.resumed++;
  ats.length = 0;
  win.counts.deliveries += scanAts(bytes, ats);
  for (const at of ats) win.latency.add(now - at);
}

/** Outside the window: the byte scan must find what JSON.parse finds. */
function check(bytes: Buffer, msg: ServerMessage): void {
  ats.length = 0;
  scanAts(bytes, ats);
  const parsed = entryTimes(msg);
  if (!isUpdate(bytes) || isResumed(bytes) !== (msg.resumed === true) || ats.join() !== parsed.join()) win.scanMismatches++;
}

async function closeAll(): Promise<void> {
  win.closing = true;
  await closeSockets(viewers, CLOSE_WAIT_MS);
  report({ type: 'closed' });
  process.disconnect();
}

serveCommands(win, (command) => openViewers(viewers, command, openViewer), closeAll);
