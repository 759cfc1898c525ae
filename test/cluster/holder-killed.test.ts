/**
 * The instance holding jobs crashes (SIGKILL): within 2 × lease_ttl another instance takes each of its leases and
 * runs the job (PostgreSQL sees the first run from a survivor), viewers elsewhere go on, and viewers of the dead
 * instance resume on a survivor; nobody sees a seq skipped, repeated or carrying other data than elsewhere, and
 * the queries run once per tick again.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import type { Instance } from '../support/cluster-instance.js';
import { closeAll, expectAgreeingSeqs, expectOneRunPerTick, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS, LEASE_TTL_MS } from '../support/cluster-project.js';
import { jumps } from '../support/cluster-viewer.js';
import { until } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';

describe('cluster: the holder of jobs is SIGKILLed', function () {
  this.timeout(60_000);
  const cluster = useCluster('sigkill');

  it('has another instance take over within 2 × lease_ttl, without a gap or a repeat for viewers', async () => {
    const instances = await cluster.startMany(3);
    const viewers = await watchEverywhere(instances);
    await sleep(2000);

    const holders = await cluster.holders();
    const held = new Map<Instance, string[]>();
    for (const [job, holder] of holders) if (holder !== undefined) held.set(holder, [...(held.get(holder) ?? []), job]);
    const [victim, jobs] = [...held.entries()].sort((x, y) => y[1].length - x[1].length)[0]!;
    const survivors = instances.filter((i) => i !== victim);

    const takenBefore = await Promise.all(survivors.map((s) => s.metric('rtdash_cluster_leases_taken_total')));
    const dbKilledAt = await cluster.hits.now();
    const killedAt = Date.now();
    await victim.kill();
    // Its viewers come back on a survivor at once, with what they hold.
    const orphans = viewers.filter((v) => v.url === victim.wsUrl);
    await Promise.all(orphans.map((v, n) => v.moveTo(survivors[n % survivors.length]!.wsUrl)));

    await until(
      `a survivor to take each of the ${jobs.length} leases of ${victim.name}`,
      async () => {
        const now = await cluster.holders();
        return jobs.every((job) => survivors.includes(now.get(job)!));
      },
      10_000,
    );
    const taken = survivors.flatMap((s) => s.logged('took the lease of a job')).filter((l) => l.time >= killedAt);
    expect(taken.length, `leases taken after the kill\n${cluster.output()}`).to.be.at.least(jobs.length);
    const lastTaken = Math.max(...taken.map((l) => l.time)) - killedAt;
    expect(lastTaken, 'every lease taken within 2 × lease_ttl').to.be.at.most(2 * LEASE_TTL_MS);
    const takenAfter = await Promise.all(survivors.map((s) => s.metric('rtdash_cluster_leases_taken_total')));
    const counted = takenAfter.reduce((n, t, i) => n + t - takenBefore[i]!, 0);
    expect(counted, 'rtdash_cluster_leases_taken_total counts the leases taken over').to.be.at.least(jobs.length);

    // PostgreSQL saw each job run again by a survivor soon enough: 2 × lease_ttl, and one tick to run.
    await sleep(2 * LEASE_TTL_MS + EVERY_MS);
    const after = await cluster.hits.runs(dbKilledAt);
    for (const job of after.values()) {
      const bySurvivor = Object.entries(job.byApp).filter(([app]) => app !== victim.name);
      expect(bySurvivor.length, `${job.job} ran on a survivor after the kill`).to.be.at.least(1);
    }
    const firstRuns = await cluster.hits.firstRuns(dbKilledAt, victim.name);
    for (const [job, ms] of firstRuns) expect(ms, `${job}: first run by a survivor ${ms} ms after the kill`).to.be.at.most(2 * LEASE_TTL_MS + EVERY_MS);

    const { jobs: steady, expected } = await cluster.hits.measure(4000, EVERY_MS);
    expectOneRunPerTick(steady, expected, cluster.output());
    expect(viewers.flatMap(jumps), 'no viewer skipped a seq').to.deep.equal([]);
    expectAgreeingSeqs(viewers, cluster.output());
    await closeAll(viewers);
  });
});

