/**
 * What the cluster tests assert again and again, said once: viewers of every shard on every instance, each job's
 * query run about once per tick cluster-wide (counted in PostgreSQL), and viewers that agree on what each seq is.
 */
import { expect } from 'chai';
import type { Instance } from './cluster-instance.js';
import { describeRuns, type JobRuns } from './cluster-db.js';
import { DASHBOARD, SHARDS, WIDGETS } from './cluster-project.js';
import { ClusterViewer, conflicts, seqProblems } from './cluster-viewer.js';

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

/** No viewer saw its seqs go backwards or repeat, and no two viewers of a shard saw different data under one seq. */
export function expectAgreeingSeqs(viewers: readonly ClusterViewer[], context = ''): void {
  expect(viewers.flatMap(seqProblems), context).to.deep.equal([]);
  for (const shard of new Set(viewers.map((v) => v.vars.shard!))) {
    expect(conflicts(ofShard(viewers, shard)), `shard ${shard}: different data under one seq\n${context}`).to.deep.equal([]);
  }
}

/** Closes every viewer. */
export async function closeAll(viewers: readonly ClusterViewer[]): Promise<void> {
  await Promise.all(viewers.map((v) => v.close().catch(() => undefined)));
}
