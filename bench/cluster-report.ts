/**
 * Turns the cluster measurements into the printed report: one row per instance count (min / median / max over the
 * runs), one row per instance, the failovers, the goals (MET / NOT MET) and notes.
 */
import type { Continuity } from './cluster-continuity.js';
import type { ClusterMeasurement } from './cluster-measure.js';
import { CLUSTER_WIDGETS } from './cluster-scenario.js';
import { Histogram, fixed, formatTable, medianOf, spreadOf } from './stats.js';

/** Database queries per second with n instances over the single instance's: at most this (1.00 to two decimals). */
export const GOAL_QUERY_RATIO = 1.005;
/** Relay p99 to a viewer on another instance than the holder may exceed the single instance's p99 by this much, ms. */
export const GOAL_RELAY_EXTRA_P99_MS = 25;
/** A killed holder's jobs publish again from another instance within this many lease ttls. */
export const GOAL_FAILOVER_TTLS = 2;

/** The latency of one measurement's entries: to viewers on the job's holder, and to viewers on another instance. */
export function latencies(m: ClusterMeasurement): { same: Histogram; cross: Histogram } {
  const [same, cross] = [new Histogram(), new Histogram()];
  for (const w of m.windows) {
    w.latency.forEach((pairs, k) => {
      const [instance, widget] = [Math.floor(k / CLUSTER_WIDGETS), k % CLUSTER_WIDGETS];
      (m.holders[widget] === instance ? same : cross).addPairs(pairs);
    });
  }
  return { same, cross };
}

/** The bound of the first bucket holding the `q` quantile of a cumulative histogram, ms; NaN when it is empty. */
export function bucketQuantile(buckets: readonly { ms: number; count: number }[], q: number): number {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  return buckets.find((b) => b.count >= q * total)?.ms ?? Number.NaN;
}

/** Entries received by the viewers of each instance in the window. */
function deliveries(m: ClusterMeasurement): number[] {
  return m.cpuMicros.map((_, i) => m.windows.reduce((n, w) => n + (w.deliveries[i] ?? 0), 0));
}

const perSecond = (m: ClusterMeasurement, n: number) => n / (m.windowMs / 1000);
const counts = (all: readonly ClusterMeasurement[]) => [...new Set(all.map((m) => m.instances))].sort((a, b) => a - b);
const ofCount = (all: readonly ClusterMeasurement[], n: number) => all.filter((m) => m.instances === n);
const p = (h: Histogram, q: number) => (h.total === 0 ? Number.NaN : h.percentile(q));

/** Queries per job and tick: 1 when each job ran once a tick, whatever the number of instances. */
const perTick = (m: ClusterMeasurement) => m.queries / (m.ticks * CLUSTER_WIDGETS);

/** The median queries per job and tick with one instance, the base of the ratios. */
function baseRate(all: readonly ClusterMeasurement[]): number {
  return medianOf(ofCount(all, 1).map(perTick));
}

/** One row per instance count. */
export function clusterTable(all: readonly ClusterMeasurement[]): string {
  const base = baseRate(all);
  const rows = counts(all).map((n) => {
    const ms = ofCount(all, n);
    const lat = ms.map(latencies);
    return [
      String(n),
      String(ms.length),
      spreadOf(ms.map((m) => perSecond(m, m.queries)), 2),
      spreadOf(ms.map(perTick), 3),
      spreadOf(ms.map((m) => perTick(m) / base), 3),
      spreadOf(lat.map((l) => p(l.same, 0.5)), 0),
      spreadOf(lat.map((l) => p(l.same, 0.99)), 0),
      spreadOf(lat.map((l) => p(l.cross, 0.5)), 0),
      spreadOf(lat.map((l) => p(l.cross, 0.99)), 0),
      spreadOf(ms.map((m) => bucketQuantile(m.relayLag, 0.5)), 1),
      spreadOf(ms.map((m) => bucketQuantile(m.relayLag, 0.99)), 1),
      spreadOf(ms.map((m) => (100 * deliveries(m).reduce((a, b) => a + b, 0)) / (m.subscribed * CLUSTER_WIDGETS * (m.windowMs / 1000))), 1),
      spreadOf(ms.map((m) => m.cpuMicros.reduce((a, b) => a + b, 0) / m.windowMs), 0),
    ];
  });
  return formatTable(['instances', 'runs', 'db q/s', 'q per job-tick', 'x 1 instance', 'same p50 ms', 'same p99 ms', 'other p50 ms', 'other p99 ms', 'lag p50 ≤ ms', 'lag p99 ≤ ms', 'delivered %', 'srv cpu ms/s (all)'], rows);
}

/** One row per instance of each count: its jobs, deliveries and CPU per delivered update. */
export function instanceTable(all: readonly ClusterMeasurement[]): string {
  const rows: string[][] = [];
  for (const n of counts(all)) {
    const ms = ofCount(all, n);
    for (let i = 0; i < n; i++) {
      const got = ms.map((m) => deliveries(m)[i]!);
      rows.push([
        `${n}`,
        `#${i}`,
        spreadOf(ms.map((m) => m.holders.filter((h) => h === i).length), 0),
        spreadOf(ms.map((m, k) => perSecond(m, got[k]!)), 0),
        spreadOf(ms.map((m) => m.cpuMicros[i]! / m.windowMs), 1),
        spreadOf(ms.map((m, k) => m.cpuMicros[i]! / got[k]!), 1),
      ]);
    }
  }
  return formatTable(['instances', 'instance', 'jobs held', 'deliveries/s', 'cpu ms/s', 'cpu µs/delivery'], rows);
}

/** One row per failover. */
export function failoverTable(all: readonly ClusterMeasurement[], leaseTtlMs: number): string {
  const show = (c: Continuity) => `${c.entries}/${c.lost}/${c.duplicated}/${c.jumps}/${c.unknown}`;
  const rows = all.flatMap((m) => {
    const f = m.failover;
    if (f === undefined) return m.failoverError === undefined ? [] : [[String(m.run), `failed: ${m.failoverError}`]];
    return [[
      String(m.run),
      `#${f.killed}`,
      f.widgets.map((w, i) => `${w}→#${f.newHolders[i]}`).join(' '),
      fixed(Math.max(...f.republishMs), 0),
      f.republishMs.map((ms) => fixed(ms, 0)).join(' '),
      `${fixed(Math.max(...f.republishMs) / leaseTtlMs, 2)}`,
      `${f.moved.resumed + f.moved.reloaded}/${f.moved.viewers}${f.moved.reloaded > 0 ? ` (${f.moved.reloaded} reloaded)` : ''}`,
      show(f.survivors),
      show(f.movedContinuity),
      `${f.movedContinuity.resumedExactly}/${f.movedContinuity.resumedWhole}/${f.movedContinuity.resumedNothing}`,
    ]];
  });
  return formatTable(['run', 'killed', 'its jobs → new holder', 'back ms (max)', 'each job ms', 'x ttl', 'moved viewers resumed', 'survivors ent/lost/dup/jump/unk', 'moved ent/lost/dup/jump/unk', 'moved exact/whole/none'], rows);
}

const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');

/** Whether the goals are met, one line each (medians over the runs, min/median/max in brackets). */
export function clusterGoalLines(all: readonly ClusterMeasurement[], leaseTtlMs: number): string[] {
  const lines: string[] = [];
  const base = baseRate(all);
  const single = ofCount(all, 1).map(latencies);
  const singleP99 = medianOf(single.map((l) => p(l.same, 0.99)));
  const more = counts(all).filter((n) => n > 1);
  if (Number.isNaN(base) || more.length === 0) lines.push('  database queries and relay latency against one instance: not measured (BENCH_CLUSTER_INSTANCES needs 1 and more)');
  for (const n of Number.isNaN(base) ? [] : more) {
    const ms = ofCount(all, n);
    const ratios = ms.map((m) => perTick(m) / base);
    const rate = medianOf(ofCount(all, 1).map((m) => perSecond(m, m.queries)));
    lines.push(
      `  database queries/s with ${n} instances = 1.00x one instance: ${verdict(medianOf(ratios) <= GOAL_QUERY_RATIO)} ` +
        `(x${fixed(medianOf(ratios), 3)} [${spreadOf(ratios, 3)}] per job and tick; ${fixed(medianOf(ms.map((m) => perSecond(m, m.queries))), 2)} against ${fixed(rate, 2)} q/s)`,
    );
    const p99s = ms.map((m) => p(latencies(m).cross, 0.99));
    const limit = singleP99 + GOAL_RELAY_EXTRA_P99_MS;
    lines.push(
      `  relay p99 to a viewer on another instance than the holder, ${n} instances <= one instance's p99 + ${GOAL_RELAY_EXTRA_P99_MS} ms: ${verdict(medianOf(p99s) <= limit)} ` +
        `(${fixed(medianOf(p99s), 0)} ms [${spreadOf(p99s, 0)}] against ${fixed(singleP99, 0)} + ${GOAL_RELAY_EXTRA_P99_MS} = ${fixed(limit, 0)} ms)`,
    );
  }
  const failovers = all.flatMap((m) => (m.failover === undefined ? [] : [m.failover]));
  if (failovers.length === 0) {
    lines.push('  failover: not measured (BENCH_CLUSTER_FAILOVER, and an instance count of 2 or more)');
    return lines;
  }
  const backs = failovers.map((f) => Math.max(...f.republishMs));
  lines.push(
    `  failover: every job of the killed instance publishes again within ${GOAL_FAILOVER_TTLS} x lease_ttl (${GOAL_FAILOVER_TTLS * leaseTtlMs} ms): ` +
      `${verdict(medianOf(backs) <= GOAL_FAILOVER_TTLS * leaseTtlMs)} (slowest job ${fixed(medianOf(backs), 0)} ms [${spreadOf(backs, 0)}])`,
  );
  const sum = (pick: (f: (typeof failovers)[number]) => number) => failovers.reduce((n, f) => n + pick(f), 0);
  const [lost, dup, jumps] = [sum((f) => f.survivors.lost), sum((f) => f.survivors.duplicated), sum((f) => f.survivors.jumps)];
  lines.push(`  failover: viewers on surviving instances lose and repeat no update: ${verdict(lost === 0 && dup === 0)} (${sum((f) => f.survivors.entries)} entries checked: ${lost} lost, ${dup} repeated; ${jumps} whole-state jumps, ${sum((f) => f.survivors.unknown)} not in the stream)`);
  const moved = { lost: sum((f) => f.movedContinuity.lost), dup: sum((f) => f.movedContinuity.duplicated), failed: sum((f) => f.moved.failed), whole: sum((f) => f.movedContinuity.resumedWhole) };
  lines.push(
    `  failover: viewers of the killed instance resume on a survivor with no gap and no repeat: ${verdict(moved.lost === 0 && moved.dup === 0 && moved.failed === 0)} ` +
      `(${sum((f) => f.moved.viewers)} viewers, ${moved.failed} could not resume; ${moved.lost} lost, ${moved.dup} repeated; ` +
      `per widget: ${sum((f) => f.movedContinuity.resumedExactly)} resumed with the next change, ${moved.whole} with a whole state, ${sum((f) => f.movedContinuity.resumedNothing)} got nothing after)`,
  );
  return lines;
}

/** Anything unusual in a measurement, one line each. */
export function clusterNoteLines(all: readonly ClusterMeasurement[]): string[] {
  return all.map((m) => {
    const parts = [`connect ${(m.connectMs / 1000).toFixed(1)} s`, `load cpu ${m.windows.map((w) => fixed((100 * w.cpuMicros) / 1000 / w.wallMs, 0)).join('/')}%`];
    const messages = m.windows.reduce((n, w) => n + w.messages.reduce((a, b) => a + b, 0), 0);
    const entries = m.windows.reduce((n, w) => n + w.deliveries.reduce((a, b) => a + b, 0), 0);
    parts.push(`${messages > 0 ? (entries / messages).toFixed(2) : '-'} updates per message`);
    if (!m.settled) parts.push('the jobs had not settled on their holders before the window');
    const unmatched = m.windows.reduce((n, w) => n + w.unmatched, 0);
    if (unmatched > 0) parts.push(`${unmatched} entries whose run was in no stream (left out of the latencies)`);
    if (m.holdersMoved !== undefined) parts.push(`jobs changed hands in the window: ${m.holdersMoved[0]} → ${m.holdersMoved[1]}`);
    if (m.failedToSubscribe > 0) parts.push(`${m.failedToSubscribe} viewers failed to subscribe (${m.firstError ?? '?'})`);
    const sum = (key: 'resumed' | 'other' | 'errors') => m.windows.reduce((n, w) => n + w[key], 0);
    if (sum('resumed') > 0) parts.push(`${sum('resumed')} catch-up messages (viewers held back as slow)`);
    if (sum('other') > 0) parts.push(`${sum('other')} other messages`);
    if (sum('errors') > 0) parts.push(`${sum('errors')} socket errors`);
    const closes = m.windows.flatMap((w) => Object.entries(w.closes));
    if (closes.length > 0) parts.push(`closed by a server: ${closes.map(([code, n]) => `${n}x ${code}`).join(', ')}`);
    const f = m.failover;
    if (f !== undefined) {
      const catchUps = f.catchUps - f.moved.resumed;
      if (catchUps > 0) parts.push(`failover: ${catchUps} catch-up messages besides the ${f.moved.resumed} resume answers (viewers held back as slow)`);
      if (f.example !== undefined) parts.push(`failover: first entry out of order: ${f.example}`);
      parts.push(`failover: moved in ${f.moved.ms} ms${f.moved.firstError !== undefined ? ` (${f.moved.firstError})` : ''}; survivors logged ${Object.entries(f.logs).map(([msg, n]) => `${n}x "${msg}"`).join(', ') || 'nothing about leases'}`);
    }
    if (m.killed.length > 0) parts.push(`had to kill: ${m.killed.join(', ')}`);
    return `  ${m.instances} instance(s), run ${m.run}: ${parts.join('; ')}`;
  });
}
