/**
 * Turns the PostgreSQL measurements into the printed report: the query-count table, the push-latency
 * table, the push chain taken apart stage by stage, the goals, and notes.
 */
import type { Notification } from './pg-db.js';
import { expectedRuns, type PushMeasurement, type QueryMeasurement } from './pg-measure.js';
import { LIVE_WIDGET, TICKING_WIDGETS } from './pg-scenario.js';
import { Histogram, fixed, formatTable } from './stats.js';

/** Push p99, from the INSERT to the viewer, must be under this at GOAL_PUSH_VIEWERS. */
export const GOAL_PUSH_P99_MS = 50;
/** The number of viewers the push goal is set at. */
export const GOAL_PUSH_VIEWERS = 1000;
/** The database's queries per second may grow by at most this factor from the fewest viewers to the most. */
export const GOAL_FLAT_FACTOR = 1.05;

/** An INSERT sent later than this share of the spacing after its slot was held back by a slow commit. */
const SLIP_SHARE = 0.25;

/** Queries the database ran, from its scan counts and how many scans one run makes (undefined when that is not uniform). */
export function dbQueries(m: QueryMeasurement, scansPerRun: number | undefined): number {
  return scansPerRun === undefined ? Number.NaN : m.dbScans / scansPerRun;
}

/** The query-count table. */
export function queryTable(results: readonly QueryMeasurement[], scansPerRun: number | undefined): string {
  const rows = results.map((m) => {
    const deliveries = m.windows.reduce((n, w) => n + w.deliveries, 0);
    const seconds = m.windows.reduce((s, w) => s + w.wallMs, 0) / m.windows.length / 1000;
    const latency = new Histogram();
    for (const w of m.windows) latency.addPairs(w.latency);
    const queries = dbQueries(m, scansPerRun);
    return [
      String(m.viewers),
      fixed(m.activeMs / 1000, 1),
      fixed(queries, 0),
      String(m.trace.queries.length),
      fixed(expectedRuns(m), 0),
      fixed(queries / (m.activeMs / 1000), 2),
      fixed(expectedRuns(m) / (m.activeMs / 1000), 2),
      fixed(deliveries / seconds, 0),
      fixed((100 * deliveries) / (m.viewers * TICKING_WIDGETS * Math.round(seconds)), 1),
      fixed(latency.percentile(0.5), 0),
      fixed(latency.percentile(0.99), 0),
      fixed((100 * m.serverCpuMicros) / 1000 / m.serverWallMs, 0),
    ];
  });
  return formatTable(
    ['viewers', 'active s', 'db queries', 'rtdash runs', 'expected', 'db q/s', 'expected q/s', 'deliveries/s', 'delivered %', 'p50 ms', 'p99 ms', 'srv cpu %'],
    rows,
  );
}

/** Push latency over all (viewer, notification) pairs of one measurement. */
export interface PushFigures {
  /** Pairs measured: a viewer saw the notification's row. */
  pairs: number;
  /** viewers × notifications. */
  expected: number;
  /** Pairs whose first update showing the row already showed a later one: the row's own update never came. */
  merged: number;
  /** Pairs received before the INSERT was sent: impossible unless the matching is wrong. */
  early: number;
  /** Latency from sending the INSERT, ms, sorted. */
  fromSend: Float64Array;
  /** Latency from its commit being acknowledged, ms, sorted. */
  fromAck: Float64Array;
  /** Per notification: the first and last viewer to see it, clock ms (NaN when none did). */
  firstSeen: number[];
  lastSeen: number[];
}

/** Matches each viewer's receipts to the notifications: the first update whose newest id is at least the inserted one. */
export function pushFigures(m: PushMeasurement): PushFigures {
  const notes = [...m.notifications].sort((a, b) => a.id - b.id);
  const fromSend: number[] = [];
  const fromAck: number[] = [];
  const firstSeen = notes.map(() => Number.POSITIVE_INFINITY);
  const lastSeen = notes.map(() => Number.NEGATIVE_INFINITY);
  let merged = 0;
  let early = 0;
  for (const w of m.windows) {
    for (const receipts of w.receipts) {
      let j = 0;
      notes.forEach((n, k) => {
        while (j < receipts.length && receipts[j]! < n.id) j += 2;
        if (j >= receipts.length) return;
        const id = receipts[j]!;
        const at = receipts[j + 1]!;
        if (id > n.id) merged++;
        if (at < n.sent) early++;
        fromSend.push(at - n.sent);
        fromAck.push(at - n.acked);
        firstSeen[k] = Math.min(firstSeen[k]!, at);
        lastSeen[k] = Math.max(lastSeen[k]!, at);
      });
    }
  }
  const sorted = (values: number[]) => Float64Array.from(values).sort();
  const finite = (v: number) => (Number.isFinite(v) ? v : Number.NaN);
  return {
    pairs: fromSend.length,
    expected: m.subscribed * notes.length,
    merged,
    early,
    fromSend: sorted(fromSend),
    fromAck: sorted(fromAck),
    firstSeen: firstSeen.map(finite),
    lastSeen: lastSeen.map(finite),
  };
}

/** The smallest value that at least `p` of the sorted values do not exceed (as Histogram.percentile); NaN when empty. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1]!;
}

/** The push-latency table. */
export function pushTable(results: readonly PushMeasurement[]): string {
  const rows = results.map((m) => {
    const f = pushFigures(m);
    return [
      String(m.viewers),
      String(m.coalesceMs),
      String(m.notifications.length),
      `${f.pairs}/${f.expected}`,
      fixed(percentile(f.fromSend, 0.5), 1),
      fixed(percentile(f.fromSend, 0.99), 1),
      fixed(percentile(f.fromSend, 1), 1),
      fixed(percentile(f.fromAck, 0.99), 1),
      fixed((100 * m.serverCpuMicros) / 1000 / m.serverWallMs, 0),
    ];
  });
  return formatTable(['viewers', 'coalesce ms', 'notifies', 'pairs seen', 'p50 ms', 'p99 ms', 'max ms', 'p99 from commit', 'srv cpu %'], rows);
}

/** Stage boundaries of one notification's trip, clock ms; NaN where the trace has no match. */
interface Trip {
  note: Notification;
  notified: number;
  queryStart: number;
  queryEnd: number;
  flushStart: number;
  flushEnd: number;
  firstSeen: number;
  lastSeen: number;
  /** Whether a ticking widget's update went out in the same flush. */
  shared: boolean;
}

/** Each notification followed through the server's trace. */
function trips(m: PushMeasurement): Trip[] {
  const f = pushFigures(m);
  const notes = [...m.notifications].sort((a, b) => a.id - b.id);
  const live = m.trace.queries.filter((q) => q.widget === LIVE_WIDGET && q.lastId !== undefined);
  const ticking = m.trace.queries.filter((q) => q.widget !== LIVE_WIDGET);
  return notes.map((note, k) => {
    const next = notes[k + 1]?.sent ?? Number.POSITIVE_INFINITY;
    const notified = m.trace.notified.find((t) => t >= note.sent && t < next) ?? Number.NaN;
    const query = live.find((q) => q.lastId! >= note.id);
    const flushIndex = query === undefined ? -1 : m.trace.flushes.findIndex((fl) => fl.start >= query.end);
    const flush = m.trace.flushes[flushIndex];
    const previousEnd = m.trace.flushes[flushIndex - 1]?.end ?? Number.NEGATIVE_INFINITY;
    return {
      note,
      notified,
      queryStart: query?.start ?? Number.NaN,
      queryEnd: query?.end ?? Number.NaN,
      flushStart: flush?.start ?? Number.NaN,
      flushEnd: flush?.end ?? Number.NaN,
      firstSeen: f.firstSeen[k]!,
      lastSeen: f.lastSeen[k]!,
      shared: flush !== undefined && ticking.some((q) => q.end > previousEnd && q.end <= flush.start),
    };
  });
}

/** The stages of the push chain, each as median and largest over the notifications, one column per measurement. */
export function stageTable(results: readonly PushMeasurement[]): string {
  const stages: [string, (t: Trip) => number][] = [
    ['INSERT sent → commit acknowledged', (t) => t.note.acked - t.note.sent],
    ['INSERT sent → LISTEN client passes NOTIFY on', (t) => t.notified - t.note.sent],
    ['→ query starts (core #poke, setImmediate, pool)', (t) => t.queryStart - t.notified],
    ['query runs', (t) => t.queryEnd - t.queryStart],
    ['→ flush starts (hub coalescing)', (t) => t.flushStart - t.queryEnd],
    ['flush: fan-out pass to every viewer', (t) => t.flushEnd - t.flushStart],
    ['flush start → first viewer has it', (t) => t.firstSeen - t.flushStart],
    ['flush start → last viewer has it', (t) => t.lastSeen - t.flushStart],
    ['INSERT sent → last viewer has it', (t) => t.lastSeen - t.note.sent],
  ];
  const all = results.map(trips);
  const rows = stages.map(([name, of]) => [
    name,
    ...all.map((ts) => {
      const values = Float64Array.from(ts.map(of).filter(Number.isFinite)).sort();
      return `${fixed(percentile(values, 0.5), 1)} / ${fixed(percentile(values, 1), 1)}`;
    }),
  ]);
  const shared = ['flushes shared with tick updates', ...all.map((ts) => `${ts.filter((t) => t.shared).length}/${ts.length}`)];
  return formatTable(['stage (ms, median / max over notifications)', ...results.map((m) => `${m.viewers} viewers, ${m.coalesceMs} ms`)], [...rows, shared]);
}

/** Whether the goals are met, one line each. */
export function pgGoalLines(queries: readonly QueryMeasurement[], pushes: readonly PushMeasurement[], scansPerRun: number | undefined): string[] {
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  const lines: string[] = [];
  const sizes = [...queries].sort((a, b) => a.viewers - b.viewers);
  const fewest = sizes[0];
  const most = sizes[sizes.length - 1];
  if (fewest === undefined || most === undefined || fewest === most) {
    lines.push('  database queries flat across viewers: not measured (needs two sizes in BENCH_PG_VIEWERS)');
  } else {
    const rate = (m: QueryMeasurement) => dbQueries(m, scansPerRun) / (m.activeMs / 1000);
    const factor = rate(most) / rate(fewest);
    const exact = sizes.every((m) => dbQueries(m, scansPerRun) === m.trace.queries.length);
    const scheduled = sizes.every((m) => dbQueries(m, scansPerRun) === expectedRuns(m));
    lines.push(
      `  database queries do not grow with viewers (${fewest.viewers} → ${most.viewers}): ${verdict(factor <= GOAL_FLAT_FACTOR)} ` +
        `(${fixed(rate(fewest), 2)} → ${fixed(rate(most), 2)} queries/s, x${fixed(factor, 3)}; ` +
        `${exact ? 'the database ran exactly the queries rtdash made at every size' : 'the database count differs from rtdash runs somewhere: see the table'}` +
        `${scheduled ? ', which are exactly what the schedule calls for' : ', not exactly what the schedule calls for: see the table'})`,
    );
  }
  const atGoal = pushes.filter((m) => m.viewers === GOAL_PUSH_VIEWERS);
  if (atGoal.length === 0) lines.push(`  push p99 < ${GOAL_PUSH_P99_MS} ms at ${GOAL_PUSH_VIEWERS} viewers: not measured (BENCH_PG_PUSH_VIEWERS)`);
  for (const m of atGoal) {
    const f = pushFigures(m);
    const p99 = percentile(f.fromSend, 0.99);
    const complete = f.pairs === f.expected;
    lines.push(
      `  push p99 < ${GOAL_PUSH_P99_MS} ms at ${GOAL_PUSH_VIEWERS} viewers (coalesce ${m.coalesceMs} ms): ${verdict(p99 < GOAL_PUSH_P99_MS && complete)} ` +
        `(p99 ${fixed(p99, 1)} ms from the INSERT, ${fixed(percentile(f.fromAck, 0.99), 1)} ms from its commit${complete ? '' : `; only ${f.pairs}/${f.expected} pairs seen`})`,
    );
  }
  return lines;
}

/** Anything unusual in a run, one line per measurement. */
export function pgNoteLines(queries: readonly QueryMeasurement[], pushes: readonly PushMeasurement[]): string[] {
  const lines: string[] = [];
  for (const m of [...queries, ...pushes]) {
    const push = 'notifications' in m;
    const loadCpu = m.windows.map((w) => fixed((100 * w.cpuMicros) / 1000 / w.wallMs, 0)).join('/');
    const parts = [`connect ${(m.connectMs / 1000).toFixed(1)} s with ${m.split.length} load process(es), load cpu ${loadCpu}%`];
    const messages = m.windows.reduce((n, w) => n + w.messages, 0);
    const deliveries = m.windows.reduce((n, w) => n + w.deliveries, 0);
    parts.push(`${messages > 0 ? (deliveries / messages).toFixed(2) : '-'} updates per message`);
    const fanout = [...m.fanoutMs].sort((a, b) => a - b);
    if (fanout.length > 0) parts.push(`${fanout.length} flushes, median ${fixed(fanout[Math.floor(fanout.length / 2)]!, 1)} ms, max ${fixed(fanout[fanout.length - 1]!, 1)} ms`);
    const sum = (key: 'resumed' | 'other' | 'errors' | 'scanMismatches' | 'liveMismatches') => m.windows.reduce((n, w) => n + w[key], 0);
    const closes = m.windows.flatMap((w) => Object.entries(w.closes));
    if (m.failedToSubscribe > 0) parts.push(`${m.failedToSubscribe} viewers failed to subscribe (${m.firstError ?? '?'})`);
    if (closes.length > 0) parts.push(`closed by the server: ${closes.map(([code, n]) => `${n}x ${code}`).join(', ')}`);
    if (sum('resumed') > 0) parts.push(`${sum('resumed')} catch-up messages (viewers held back as slow)`);
    if (sum('other') > 0) parts.push(`${sum('other')} other messages`);
    if (sum('errors') > 0) parts.push(`${sum('errors')} socket errors`);
    if (sum('scanMismatches') + sum('liveMismatches') > 0) parts.push(`${sum('scanMismatches') + sum('liveMismatches')} updates where a byte scan disagreed with JSON.parse`);
    const failed = m.trace.queries.filter((q) => q.error !== undefined);
    if (failed.length > 0) parts.push(`${failed.length} queries failed (${failed[0]!.error})`);
    if (m.trace.dropped > 0) parts.push(`the server's trace dropped ${m.trace.dropped} events`);
    if (!push && !m.flushed) parts.push("the server's connections had not left PostgreSQL in time: db queries may be short");
    if (push) {
      const f = pushFigures(m);
      const loops = m.trace.queries.filter((q) => q.widget === LIVE_WIDGET).length;
      parts.push(`${loops} runs of the listening widget (${m.notifications.length} notifications, its first run, a warm-up INSERT, any 1-minute tick)`);
      const slipped = m.notifications.filter((n, k) => n.sent - m.notifications[0]!.sent > (k + SLIP_SHARE) * m.spacingMs).length;
      if (slipped > 0) parts.push(`${slipped} INSERTs sent late after a slow commit`);
      if (f.merged > 0) parts.push(`${f.merged} pairs whose first update already showed a later row`);
      if (f.early > 0) parts.push(`${f.early} pairs seen before their INSERT was sent: the matching is wrong`);
    }
    if (m.killed.length > 0) parts.push(`had to kill: ${m.killed.join(', ')}`);
    lines.push(`  ${push ? `push @ ${m.viewers} (coalesce ${m.coalesceMs} ms)` : `queries @ ${m.viewers}`}: ${parts.join('; ')}`);
  }
  return lines;
}
