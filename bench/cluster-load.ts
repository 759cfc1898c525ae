/**
 * The viewers of the cluster benchmark: a process of its own (like load.ts) whose raw `ws` viewers are spread
 * round-robin over the instances. Each viewer follows every widget's seq (a change is the previous seq + 1, a whole
 * state carries its own). In the measured window it counts entries per instance and their latency per (instance,
 * widget), from when the job's holder made it (looked up afterwards in the jobs' streams by the query run the entry
 * shows: a relaying instance dates a change by its own clock) to its receipt. For the failover it keeps each entry, moves the
 * viewers of a killed instance to the others with their resume cursor, and checks what they all got against the
 * jobs' streams (cluster-continuity.ts).
 */
import WebSocket from 'ws';
import { checkWidget, noContinuity, truthOf, type WidgetTrack } from './cluster-continuity.js';
import type { ClusterLoadCommand, ClusterLoadReport, Moved } from './cluster-ipc.js';
import { WIDGET_IDS, runOfEntry } from './cluster-scenario.js';
import { WindowClock } from './load-window.js';
import { Histogram } from './stats.js';
import { isResumed, isUpdate, scanEntries } from './update-scan.js';
import { closeSockets, openAll, subscribeViewer } from './viewer-pool.js';

/** How long the viewers get to finish their close handshakes before their sockets are destroyed. */
const CLOSE_WAIT_MS = 5000;

interface Viewer {
  ws: WebSocket;
  /** The instance it is on. */
  instance: number;
  /** The dashboard version of its snapshot, for resuming. */
  version: string;
  /** The seq it holds of each widget (in WIDGET_IDS order). */
  seqs: number[];
  /** Every entry since `track`, per widget. */
  tracks?: WidgetTrack[];
  moved: boolean;
}

const WIDGETS = WIDGET_IDS.length;
const widgetIndex = new Map(WIDGET_IDS.map((w, i) => [w, i]));
const viewers: Viewer[] = [];
/** Each entry received in the window: `instance * widgets + widget, run, receipt time`, flat. */
let received: number[] = [];
let deliveries: number[] = [];
let messages: number[] = [];
let counts = { resumed: 0, other: 0, errors: 0 };
const closes = new Map<string, number>();
let measuring = false;
/** Catch-up messages (`resumed`) received since `track`, the answers to the moved viewers' resumes among them. */
let trackedCatchUps = 0;
let closing = false;
const clock = new WindowClock();

const report = (message: ClusterLoadReport) => process.send?.(message);

/** One message to a viewer; the receipt time is taken before anything else. */
function receive(viewer: Viewer, bytes: Buffer): void {
  const at = Date.now();
  if (!isUpdate(bytes)) {
    if (measuring) counts.other++;
    return;
  }
  if (measuring) {
    messages[viewer.instance]!++;
    if (isResumed(bytes)) counts.resumed++;
  }
  if (viewer.tracks !== undefined && isResumed(bytes)) trackedCatchUps++;
  scanEntries(bytes, (entry) => {
    const w = widgetIndex.get(entry.w);
    if (w === undefined) return;
    const seq = entry.seq ?? viewer.seqs[w]! + 1;
    viewer.seqs[w] = seq;
    if (viewer.tracks === undefined && !measuring) return;
    const run = runOfEntry(bytes, entry.start, entry.end);
    viewer.tracks?.[w]!.log.push(seq, run, entry.seq === undefined ? 0 : 1);
    if (!measuring) return;
    deliveries[viewer.instance]!++;
    received.push(viewer.instance * WIDGETS + w, run, at);
  });
}

/** Takes a snapshot's version and seqs. */
function adopt(viewer: Viewer, bytes: Buffer): void {
  const snapshot = JSON.parse(bytes.toString()) as { version: string; widgets: { w: string; seq: number }[] };
  viewer.version = snapshot.version;
  for (const { w, seq } of snapshot.widgets) {
    const i = widgetIndex.get(w);
    if (i !== undefined) viewer.seqs[i] = seq;
  }
}

async function openViewer(url: string, instance: number, dashboard: string, timeoutMs: number): Promise<Viewer> {
  const viewer: Viewer = { ws: undefined as unknown as WebSocket, instance, version: '', seqs: WIDGET_IDS.map(() => 0), moved: false };
  viewer.ws = await subscribeViewer(url, dashboard, timeoutMs, {
    message: (bytes) => receive(viewer, bytes),
    error: () => counts.errors++,
    closed: (code) => closed(code),
    snapshot: (bytes) => adopt(viewer, bytes),
  });
  return viewer;
}

function closed(code: number): void {
  if (!closing) closes.set(String(code), (closes.get(String(code)) ?? 0) + 1);
}

/** Subscribes `viewer` again on `target` with its version and last seqs; resolves with how the server answered. */
function resume(viewer: Viewer, target: { index: number; url: string }, dashboard: string, timeoutMs: number): Promise<'resumed' | 'reloaded'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${target.url.replace('http:', 'ws:')}/ws`, { perMessageDeflate: false });
    let answered = false;
    const fail = (why: string) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no answer to the resume within ${timeoutMs} ms`), timeoutMs);
    ws.on('error', (err) => (answered ? counts.errors++ : fail(err.message)));
    ws.on('close', (code) => (answered ? closed(code) : fail(`closed with ${code} before answering the resume`)));
    ws.on('message', (data) => {
      const bytes = data as Buffer;
      if (answered) return receive(viewer, bytes);
      const msg = JSON.parse(bytes.toString()) as { type: string; message?: string };
      if (msg.type === 'hello') {
        const cursor = Object.fromEntries(WIDGET_IDS.map((w, i) => [w, viewer.seqs[i]]));
        ws.send(JSON.stringify({ type: 'subscribe', dashboard, version: viewer.version, resume: cursor }));
        return;
      }
      if (msg.type !== 'update' && msg.type !== 'snapshot') return fail(`answered the resume with ${msg.type}${msg.message ? `: ${msg.message}` : ''}`);
      answered = true;
      clearTimeout(timer);
      viewer.ws = ws;
      viewer.instance = target.index;
      viewer.moved = true;
      for (const track of viewer.tracks ?? []) track.movedAt = track.log.length / 3;
      if (msg.type === 'snapshot') {
        adopt(viewer, bytes);
        return resolve('reloaded');
      }
      receive(viewer, bytes);
      resolve('resumed');
    });
  });
}

async function move(command: Extract<ClusterLoadCommand, { type: 'move' }>): Promise<void> {
  const started = Date.now();
  const leaving = viewers.filter((v) => v.instance === command.dead);
  const outcome: Moved = { viewers: leaving.length, resumed: 0, reloaded: 0, failed: 0, ms: 0 };
  let next = 0;
  const { failed, firstError } = await openAll(leaving.length, command.concurrency, async () => {
    const k = next++;
    const how = await resume(leaving[k]!, command.targets[k % command.targets.length]!, command.dashboard, command.timeoutMs);
    outcome[how]++;
  });
  report({ type: 'moved', ...outcome, failed, ms: Date.now() - started, ...(firstError !== undefined && { firstError }) });
}

async function open(command: Extract<ClusterLoadCommand, { type: 'open' }>): Promise<void> {
  const n = command.urls.length;
  [deliveries, messages] = [new Array<number>(n).fill(0), new Array<number>(n).fill(0)];
  let next = command.first;
  const { viewers: opened, failed, ms, firstError } = await openAll(command.viewers, command.concurrency, () => {
    const instance = next++ % n;
    return openViewer(`${command.urls[instance]!.replace('http:', 'ws:')}/ws`, instance, command.dashboard, command.timeoutMs);
  });
  viewers.push(...opened);
  report({ type: 'opened', subscribed: viewers.length, failed, ms, ...(firstError !== undefined && { firstError }) });
}

function start(): void {
  received = [];
  deliveries.fill(0);
  messages.fill(0);
  counts = { resumed: 0, other: 0, errors: 0 };
  clock.restart();
  measuring = true;
  report({ type: 'started' });
}

function stop(): void {
  measuring = false;
  report({
    type: 'result',
    ...clock.read(),
    deliveries: [...deliveries],
    messages: [...messages],
    ...counts,
    closes: Object.fromEntries(closes),
  });
}

/** The window's latencies, now that the streams say when the holder made each run's update. */
function latencies(runTimes: readonly number[]): void {
  const madeAt = new Map<number, number>();
  for (let i = 0; i + 1 < runTimes.length; i += 2) madeAt.set(runTimes[i]!, runTimes[i + 1]!);
  const latency = Array.from({ length: deliveries.length * WIDGETS }, () => new Histogram());
  let unmatched = 0;
  for (let i = 0; i + 2 < received.length; i += 3) {
    const made = madeAt.get(received[i + 1]!);
    if (made === undefined) unmatched++;
    else latency[received[i]!]!.add(received[i + 2]! - made);
  }
  received = [];
  report({ type: 'latencies', latency: latency.map((h) => h.toPairs()), unmatched });
}

function verify(truth: Record<string, number[]>): void {
  const truths = WIDGET_IDS.map((w) => truthOf(truth[w] ?? []));
  const [survivors, moved] = [noContinuity(), noContinuity()];
  let example: string | undefined;
  for (const viewer of viewers) {
    if (viewer.tracks === undefined) continue;
    const into = viewer.moved ? moved : survivors;
    into.viewers++;
    viewer.tracks.forEach((track, w) => checkWidget(track, truths[w]!, into, (what) => (example ??= `${WIDGET_IDS[w]} on a viewer of instance #${viewer.instance}${viewer.moved ? ' (moved)' : ''}: ${what}`)));
  }
  report({ type: 'verified', survivors, moved, catchUps: trackedCatchUps, ...(example !== undefined && { example }) });
}

process.on('message', (raw) => {
  const command = raw as ClusterLoadCommand;
  const run = async (): Promise<void> => {
    switch (command.type) {
      case 'open':
        return open(command);
      case 'start':
        return start();
      case 'stop':
        return stop();
      case 'latency':
        return latencies(command.runTimes);
      case 'track':
        for (const v of viewers) v.tracks = v.seqs.map((seq) => ({ start: seq, log: [] }));
        report({ type: 'tracking' });
        return;
      case 'move':
        return move(command);
      case 'verify':
        return verify(command.truth);
      case 'close':
        closing = true;
        await closeSockets(viewers.map((v) => v.ws), CLOSE_WAIT_MS);
        report({ type: 'closed' });
        process.disconnect();
    }
  };
  run().catch((err: unknown) => report({ type: 'failed', error: err instanceof Error ? err.message : String(err) }));
});
// Never outlive the orchestrator.
process.on('disconnect', () => {
  if (!closing) process.exit(0);
});
