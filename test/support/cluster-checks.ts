/**
 * What the cluster tests assert again and again, said once: viewers of every shard on every instance, each job's
 * query run about once per tick cluster-wide (counted in PostgreSQL), and viewers that agree on what each seq is.
 */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { Instance } from './cluster-instance.js';
import { describeRuns, type JobRuns } from './cluster-db.js';
import type { ClusterFixture } from './cluster.js';
import { until } from './served-cli.js';
import { DASHBOARD, SHARDS, WIDGETS } from './cluster-project.js';
import { ClusterViewer, conflicts, seqProblems, type Seen } from './cluster-viewer.js';

/**
 * Viewers of every shard on every instance. The first viewer of shard i subscribes on instance i (all at once),
 * so that each instance is the first to ask for some jobs; then the others subscribe.
 */
export async function watchEverywhere(instances: readonly Instance[], shards: readonly string[] = SHARDS): Promise<ClusterViewer[]> {
  const plan = shards.flatMap((shard, s) =>
    instances.map((inst, i) => ({ inst, first: i === s % instances.length, viewer: new ClusterViewer(`${shard}@${inst.name}`, DASHBOARD, { shard }) })),
  );
  await Promise.all(plan.filter((p) => p.first).map((p) => p.viewer.watch(p.inst.wsUrl)));
  await Promise.all(plan.filter((p) => !p.first).map((p) => p.viewer.watch(p.inst.wsUrl)));
  return plan.map((p) => p.viewer);
}

/** The viewers of one shard. */
export function ofShard(viewers: readonly ClusterViewer[], shard: string): ClusterViewer[] {
  return viewers.filter((v) => v.vars.shard === shard);
}

/**
 * Each watched job ran about once per tick over the window: at most `1.5 × expected` runs (one instance per
 * tick, and a tick or so of slack for a handover), and at least `minShare × expected` (it kept running).
 */
export function expectOneRunPerTick(jobs: Map<string, JobRuns>, expected: number, context: string, shards: readonly string[] = SHARDS, minShare = 0.5): void {
  for (const shard of shards) {
    for (const w of WIDGETS) {
      const runs = jobs.get(`${shard}/${w}`)?.total ?? 0;
      const message = `${shard}/${w} ran ${runs} times where one instance runs it ${expected} times; ${describeRuns(jobs)}\n${context}`;
      expect(runs, message).to.be.at.most(Math.ceil(expected * 1.5));
      expect(runs, message).to.be.at.least(Math.floor(expected * minShare));
    }
  }
}

/**
 * No viewer saw its seqs go backwards or repeat, and no two viewers of a shard saw different data under one seq
 * (among the states `compared` keeps, all by default).
 */
export function expectAgreeingSeqs(viewers: readonly ClusterViewer[], context = '', compared: (s: Seen) => boolean = () => true): void {
  expect(viewers.flatMap(seqProblems), context).to.deep.equal([]);
  for (const shard of new Set(viewers.map((v) => v.vars.shard!))) {
    expect(conflicts(ofShard(viewers, shard), compared), `shard ${shard}: different data under one seq\n${context}`).to.deep.equal([]);
  }
}

/** Closes every viewer. */
export async function closeAll(viewers: readonly ClusterViewer[]): Promise<void> {
  await Promise.all(viewers.map((v) => v.close().catch(() => undefined)));
}

/**
 * Each job's update log in Redis (`<prefix>:job:{…}:log`, entry ids `<seq>-0`, fields at, epoch, full, body) has
 * a change only right after the entry before it (a whole state may jump ahead), and the lease epoch of the writer
 * never goes back along it: no instance wrote after losing its lease. Returns how many entries were read.
 */
export async function expectOrderedLogs(admin: Redis, keys: readonly string[]): Promise<number> {
  let read = 0;
  const incomplete: string[] = [];
  for (const key of keys) {
    const entries = await admin.xrange(key, '-', '+');
    read += entries.length;
    let before: { seq: number; epoch: number } | undefined;
    for (const [id, list] of entries) {
      const fields = new Map<string, string>();
      for (let i = 0; i + 1 < list.length; i += 2) fields.set(list[i]!, list[i + 1]!);
      const missing = ['at', 'epoch', 'full', 'body'].filter((f) => !fields.has(f));
      if (missing.length > 0) incomplete.push(`${key} ${id}: no ${missing.join(', ')}`);
      const seq = Number(id.split('-')[0]);
      const epoch = Number(fields.get('epoch') ?? NaN);
      if (before !== undefined) {
        if (fields.get('full') === '1') expect(seq, `${key}: whole state ${id} after seq ${before.seq}`).to.be.greaterThan(before.seq);
        else expect(seq, `${key}: change ${id} after seq ${before.seq}`).to.equal(before.seq + 1);
        if (!Number.isNaN(epoch) && !Number.isNaN(before.epoch)) {
          expect(epoch, `${key}: entry ${id} written under epoch ${epoch} after epoch ${before.epoch}`).to.be.at.least(before.epoch);
        }
      }
      before = { seq, epoch };
    }
  }
  // Checked last, so that a failure here says the order held: without the epoch, fencing cannot be seen in the log.
  expect(incomplete.slice(0, 5), `${incomplete.length} entries lack a field docs/cluster.md names (at, epoch, full, body)`).to.deep.equal([]);
  return read;
}

/**
 * Every live instance says `cluster` and counts `count` members, and /api/cluster lists them and `jobs` jobs
 * (every shard's widgets unless given), each held by one of them.
 */
export async function converged(cluster: ClusterFixture, count: number, jobs = SHARDS.length * WIDGETS.length): Promise<boolean> {
  const live = cluster.instances.filter((i) => i.alive && !i.stopped);
  const gone = cluster.instances.filter((i) => !i.alive);
  if (gone.length > 0) throw new Error(`${gone.map((i) => `${i.name} exited (${i.child.process.exitCode ?? i.child.process.signalCode})`).join(', ')}\n${cluster.output()}`);
  for (const i of live) {
    const ready = await i.readyCluster().catch(() => undefined);
    if (ready?.mode !== 'cluster' || ready.members !== count) return false;
  }
  const view = await live[0]!.cluster().catch(() => undefined);
  if (view === undefined || view.members.length !== count) return false;
  const members = new Set(view.members.map((m) => m.id));
  return view.jobs.length === jobs && view.jobs.every((j) => members.has(j.holder));
}


/**
 * Whether a state came from an instance in cluster mode: not while the instance it came from ran jobs locally
 * (nor within `marginMs` of it), when its seqs were its own. For `expectAgreeingSeqs`.
 * @example expectAgreeingSeqs(viewers, '', inClusterMode(cluster.instances));
 */
export function inClusterMode(instances: readonly Instance[], marginMs = 1000): (s: Seen) => boolean {
  const spans = new Map(instances.map((i) => [i.wsUrl, i.degradedSpans()]));
  return (s) => !(spans.get(s.from) ?? []).some(([from, to]) => s.receivedAt >= from - marginMs && s.receivedAt <= to + marginMs);
}

/**
 * Waits until every viewer got `count` states of each widget after `since` (this process's clock); fails with
 * every instance's output and /api/cluster when one did not within `timeoutMs`.
 */
export async function expectFreshUpdates(cluster: ClusterFixture, viewers: readonly ClusterViewer[], since: number, count = 2, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (const v of viewers) {
    for (const w of WIDGETS) {
      const fresh = (): boolean => v.of(w).filter((s) => s.receivedAt > since).length >= count;
      await until(`${v.name} to get ${count} updates of ${w}`, fresh, Math.max(end - Date.now(), 100)).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await cluster.explain()}`);
      });
    }
  }
}
