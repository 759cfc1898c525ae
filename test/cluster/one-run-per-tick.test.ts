/**
 * Three real `rtdash serve` instances on one Redis, viewers of every shard on every instance: each job's query
 * runs once per tick cluster-wide (PostgreSQL counts about what one instance alone would run, not three times
 * that), the jobs are spread over the instances (the first instance to be asked does not hold them all), the
 * holder /api/cluster names is the instance PostgreSQL saw running the query, /readyz, /metrics and the log say
 * the same, and every viewer on every instance gets the same seqs, with the same data under each, without a gap.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { closeAll, expectAgreeingSeqs, expectOneRunPerTick, ofShard, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS, SHARDS, WIDGETS } from '../support/cluster-project.js';
import { jumps } from '../support/cluster-viewer.js';
import { sleep } from '../support/test-server.js';

describe('cluster: three instances share the jobs', function () {
  this.timeout(60_000);
  const cluster = useCluster('three');

  it('runs each query once per tick cluster-wide, spreads the jobs and gives every viewer the same seqs', async () => {
    const instances = await cluster.startMany(3);
    const viewers = await watchEverywhere(instances);
    await sleep(2000); // leases taken, relays set up

    const { jobs, expected } = await cluster.hits.measure(6000, EVERY_MS);
    expectOneRunPerTick(jobs, expected, cluster.output());

    const view = await instances[0]!.cluster();
    expect(view.members.map((m) => m.id).sort(), 'every instance is a member').to.have.length(3);
    expect(view.jobs, 'one job per shard and widget').to.have.length(SHARDS.length * WIDGETS.length);
    const holders = await cluster.holders();
    expect(new Set(holders.values()).size, `the jobs are spread: ${JSON.stringify(view.jobs)}`).to.be.at.least(2);
    // The holder /api/cluster names is the one PostgreSQL saw run the job's query.
    const ranBy = new Set([...jobs.values()].flatMap((r) => Object.entries(r.byApp).filter(([, n]) => n > expected / 2).map(([app]) => app)));
    const named = new Set([...holders.values()].map((i) => i?.name));
    expect([...ranBy].sort(), 'the instances that ran the queries are the holders named').to.deep.equal([...named].sort());

    // Every viewer of a shard, wherever it is, got the same seqs with the same data, one after the other.
    for (const shard of SHARDS) {
      for (const w of WIDGETS) {
        const ofIt = ofShard(viewers, shard);
        const seqs = ofIt.map((v) => v.of(w).filter((s) => s.status !== 'pending').map((s) => s.seq));
        ofIt.forEach((v, n) => expect(seqs[n]!.length, `${v.name} got states of ${w}\n${cluster.output()}`).to.be.at.least(8));
        const lastFirst = Math.max(...seqs.map((s) => s[0] ?? Infinity));
        const firstLast = Math.min(...seqs.map((s) => s.at(-1) ?? -Infinity));
        expect(firstLast - lastFirst, `${shard}/${w}: the viewers' seqs overlap (${seqs.map((s) => `${s[0]}..${s.at(-1)}`).join(', ')})`).to.be.at.least(8);
      }
    }
    // What an operator reads of each instance says the same.
    let held = 0;
    for (const i of instances) {
      const ready = await i.readyCluster();
      expect(ready, `${i.name} /readyz`).to.include({ mode: 'cluster', members: 3 });
      expect(ready!.jobsHeld + ready!.jobsFollowed, `${i.name} holds or follows every job its viewers watch`).to.equal(SHARDS.length * WIDGETS.length);
      expect(await i.metric('rtdash_cluster_members'), `${i.name} rtdash_cluster_members`).to.equal(3);
      expect(await i.metric('rtdash_cluster_degraded'), `${i.name} rtdash_cluster_degraded`).to.equal(0);
      const jobsHeld = await i.metric('rtdash_cluster_jobs_held');
      expect(jobsHeld, `${i.name} rtdash_cluster_jobs_held`).to.equal(ready!.jobsHeld);
      if (jobsHeld > 0) expect(await i.metric('rtdash_cluster_publishes_total'), `${i.name} publishes`).to.be.greaterThan(0);
      if (ready!.jobsFollowed > 0) {
        expect(await i.metric('rtdash_cluster_relayed_total'), `${i.name} relays`).to.be.greaterThan(0);
        expect(await i.metricTotal('rtdash_cluster_relay_lag_seconds_count'), `${i.name} measures the relay lag`).to.be.greaterThan(0);
      }
      const joined = i.logged('joined the cluster');
      expect(joined.map((l) => l.instance), `${i.name} says it joined`).to.deep.equal([ready!.instance]);
      expect(joined[0]?.prefix).to.equal(cluster.prefix);
      held += jobsHeld;
    }
    expect(held, 'each job held once').to.equal(SHARDS.length * WIDGETS.length);

    expect(viewers.flatMap(jumps), 'no viewer skipped a seq').to.deep.equal([]);
    expectAgreeingSeqs(viewers, cluster.output());
    await closeAll(viewers);
  });
});
