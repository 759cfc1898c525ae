/**
 * The child process of viewer-swarm.ts: many plain `ws` viewers of one dashboard spread over a cluster's
 * instances, kept light (no message kept, one decoder per viewer). A viewer whose connection ends comes back at
 * once on another live instance with its version and seqs, as the bundled elements do. It measures what a viewer
 * would notice: the longest time without an update, a seq that goes backwards or repeats, and two viewers that
 * see different data under one seq (the data's last `n`, unique per query run, stands for it).
 */
import WebSocket from 'ws';
import { isFullEntry, type FullEntry, type UpdateEntry } from '../../web-components/client/protocol.js';
import type { Frame } from '../../web-components/client/types.js';
import type { SpeltEntry } from './wire-decoder.js';
import { WireDecoder } from './wire-decoder.js';
import type { SwarmReport, SwarmRequest } from './viewer-swarm.js';

const MAX_PROBLEMS = 20;

/** The last value of the frame's last column: the id of the query run the state came from. */
function runOf(frame: Frame): string {
  return String(frame.fields.at(-1)?.values.at(-1) ?? '');
}

class Viewer {
  ws: WebSocket | undefined;
  url = '';
  decoder = new WireDecoder();
  version: string | undefined;
  last = new Map<string, number>();
  lastAt = Date.now();
  longest = 0;
  reconnects = 0;
  /** Connections in a row that ended before any message: the next try waits longer. */
  failures = 0;
  wholeOnResume = 0;
  open = false;

  constructor(
    readonly index: number,
    readonly shard: string,
  ) {}
}

const viewers: Viewer[] = [];
const runs = new Map<string, string>();
const problems: string[] = [];
const closeCodes: Record<number, number> = {};
let urls: string[] = [];
let dashboard = '';
let stopping = false;

function problem(text: string): void {
  if (problems.length < MAX_PROBLEMS) problems.push(text);
}

/** One state reached: checks its seq against the viewer's last and its data against other viewers'. */
function reached(v: Viewer, w: string, seq: number, status: string, frame: Frame, whole: boolean, how: string): void {
  const now = Date.now();
  v.longest = Math.max(v.longest, now - v.lastAt);
  v.lastAt = now;
  const before = v.last.get(w);
  if (before !== undefined && whole && seq <= before) problem(`viewer ${v.index} (${v.url}) ${w}: seq ${seq} after ${before} (${how})`);
  v.last.set(w, seq);
  if (status === 'pending') return;
  const key = `${v.shard}|${w}|${seq}`;
  const run = runOf(frame);
  const known = runs.get(key);
  if (known === undefined) runs.set(key, run);
  else if (known !== run) problem(`${key}: run ${known} and run ${run} (viewer ${v.index} on ${v.url})`);
}

function onMessage(v: Viewer, text: string): void {
  const m = JSON.parse(text) as { type: string; [k: string]: unknown };
  if (m.dashboard !== dashboard) return;
  if (m.type === 'snapshot') {
    v.version = m.version as string;
    v.decoder.decode(m);
    for (const e of m.widgets as FullEntry[]) reached(v, e.w, e.seq, e.status, e.frame, true, 'snapshot');
  } else if (m.type === 'update') {
    const decoded = v.decoder.decode(m);
    for (const e of decoded.updates as SpeltEntry[]) {
      const whole = isFullEntry(e.wire as UpdateEntry);
      if (whole && m.resumed === true) v.wholeOnResume++;
      reached(v, e.w, e.seq, e.status, e.state, whole, m.resumed === true ? 'resumed update' : 'update');
    }
  }
}

/** Connects `v` to `url` and subscribes (resuming when it has held a snapshot); resolves on the first answer. */
function connect(v: Viewer, url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    v.ws = ws;
    v.url = url;
    let answered = false;
    let served = false;
    ws.on('open', () => {
      v.open = true;
      const resume = v.version === undefined ? {} : { version: v.version, resume: Object.fromEntries(v.last) };
      ws.send(JSON.stringify({ type: 'subscribe', dashboard, vars: { shard: v.shard }, ...resume }));
    });
    ws.on('message', (data) => {
      served = true;
      v.failures = 0;
      onMessage(v, data.toString());
      if (!answered) {
        answered = true;
        resolve();
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => {
      if (!answered) {
        answered = true;
        resolve();
      }
      if (v.ws !== ws) return; // a connection left on purpose (moved)
      v.open = false;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      if (!served) v.failures++;
      // At once after a connection that served; then slower, so that dead instances do not get a storm.
      if (!stopping) setTimeout(() => void reconnect(v), v.failures === 0 ? 50 : Math.min(50 * 2 ** v.failures, 1000));
    });
  });
}

/** Comes back on another live instance than the one it lost. */
async function reconnect(v: Viewer): Promise<void> {
  const others = urls.filter((u) => u !== v.url);
  const next = others[(v.index + v.reconnects) % Math.max(others.length, 1)] ?? v.url;
  v.reconnects++;
  await connect(v, next);
}

async function start(request: Extract<SwarmRequest, { type: 'start' }>): Promise<void> {
  urls = request.urls;
  dashboard = request.dashboard;
  for (let i = 0; i < request.count; i++) viewers.push(new Viewer(i, request.shards[Math.floor(i / urls.length) % request.shards.length]!));
  for (let i = 0; i < viewers.length; i += 100) {
    await Promise.all(viewers.slice(i, i + 100).map((v) => connect(v, urls[v.index % urls.length]!)));
  }
}

/** Moves `count` viewers that are elsewhere to `url`, closing their connection first (they resume there). */
async function move(count: number, url: string): Promise<void> {
  const moving = viewers.filter((v) => v.url !== url).slice(0, count);
  await Promise.all(
    moving.map((v) => {
      const old = v.ws;
      v.ws = undefined;
      old?.terminate();
      return connect(v, url);
    }),
  );
}

function report(): SwarmReport {
  const now = Date.now();
  const longest = viewers.map((v) => Math.max(v.longest, now - v.lastAt));
  const worst = longest.indexOf(Math.max(...longest));
  return {
    viewers: viewers.length,
    open: viewers.filter((v) => v.open).length,
    longestSilenceMs: longest[worst] ?? 0,
    longestSilenceAt: viewers[worst]?.url ?? '',
    reconnects: viewers.reduce((n, v) => n + v.reconnects, 0),
    wholeOnResume: viewers.reduce((n, v) => n + v.wholeOnResume, 0),
    closeCodes,
    perUrl: Object.fromEntries(urls.map((u) => [u, viewers.filter((v) => v.url === u && v.open).length])),
    problems,
  };
}

process.on('message', (raw) => {
  const request = raw as SwarmRequest & { id: number };
  const answer = (value: unknown): void => void process.send!({ id: request.id, value });
  switch (request.type) {
    case 'start':
      void start(request).then(() => answer(report()));
      break;
    case 'urls':
      urls = request.urls;
      answer(null);
      break;
    case 'move':
      void move(request.count, request.url).then(() => answer(null));
      break;
    case 'mark':
      for (const v of viewers) [v.longest, v.lastAt] = [0, Date.now()];
      answer(null);
      break;
    case 'report':
      answer(report());
      break;
    case 'stop':
      stopping = true;
      for (const v of viewers) v.ws?.terminate();
      answer(null);
      setTimeout(() => process.exit(0), 50);
      break;
  }
});
