/**
 * The holder of jobs hangs (SIGSTOP) for longer than its lease, then wakes up (SIGCONT) believing for a moment
 * that it still holds them. Meanwhile another instance took the leases. Whatever the woken one had under way is
 * refused by the fence (or it finds its leases gone before writing): no viewer, on any instance, sees two
 * different states under one seq, the update logs in Redis never go back to an older epoch, and its own viewers
 * get the other holder's updates after it wakes. A job that comes back to it later does so under a new epoch.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { idOf, type Instance } from '../support/cluster-instance.js';
import { closeAll, expectAgreeingSeqs, expectOneRunPerTick, expectOrderedLogs, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS, LEASE_TTL_MS } from '../support/cluster-project.js';
import { until } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';

const REFUSED = 'write refused: another instance holds the job';

describe('cluster: the holder of jobs is SIGSTOPped past its lease, then SIGCONTed', function () {
  this.timeout(60_000);
  const cluster = useCluster('sigstop');

  it('has its late writes refused, and viewers never see two states under one seq', async () => {
    const instances = await cluster.startMany(3);
    const viewers = await watchEverywhere(instances);
    await sleep(2000);

    const holders = await cluster.holders();
    const counts = new Map<Instance, string[]>();
    for (const [job, holder] of holders) if (holder !== undefined) counts.set(holder, [...(counts.get(holder) ?? []), job]);
    const [sleeper, jobs] = [...counts.entries()].sort((x, y) => y[1].length - x[1].length)[0]!;
    const others = instances.filter((i) => i !== sleeper);

    sleeper.pause();
    await until(
      `the others to take the ${jobs.length} leases of the stopped ${sleeper.name}`,
      async () => {
        const now = await cluster.holders();
        return jobs.every((job) => others.includes(now.get(job)!));
      },
      4 * LEASE_TTL_MS,
    );
    const taken = new Map((await others[0]!.cluster()).jobs.map((j) => [j.key, j.epoch]));
    await sleep(2 * LEASE_TTL_MS); // stopped for about three leases in all
    const itsViewers = viewers.filter((v) => v.url === sleeper.wsUrl);
    const before = itsViewers.map((v) => v.of('w1').length);
    sleeper.resume();
    await sleep(3000);

    // What it tried to write was fenced off, or it saw its leases gone before writing anything.
    const refused = sleeper.logged(REFUSED).length + (await sleeper.metricTotal('rtdash_cluster_fenced_writes_total'));
    const lost = sleeper.logged('lost the lease of a job').length + (await sleeper.metricTotal('rtdash_cluster_leases_lost_total'));
    expect(refused + lost, `a refused write or a lost lease on ${sleeper.name}\n${cluster.output()}`).to.be.at.least(1);
    // A job may come back to it (the others hand jobs to the instance preferred for them), but only under a new
    // lease: its old one, and the epoch it wrote under, are gone for good.
    const now = new Map((await others[0]!.cluster()).jobs.map((j) => [j.key, j]));
    const sleeperId = await idOf(sleeper);
    for (const job of jobs) {
      const j = now.get(job)!;
      expect(j.epoch, `${job}: the epoch never goes back`).to.be.at.least(taken.get(job)!);
      if (j.holder === sleeperId) expect(j.epoch, `${job} is back with ${sleeper.name}, under a new epoch`).to.be.greaterThan(taken.get(job)!);
    }

    // Its viewers are served again, by relay.
    itsViewers.forEach((v, n) => expect(v.of('w1').length, `${v.name} gets updates after the wake-up`).to.be.greaterThan(before[n]! + 2));
    expectAgreeingSeqs(viewers, cluster.output());
    const { jobs: steady, expected } = await cluster.hits.measure(3000, EVERY_MS);
    expectOneRunPerTick(steady, expected, cluster.output());
    expect(await expectOrderedLogs(cluster.admin, await cluster.logKeys()), 'update logs read').to.be.greaterThan(0);
    await closeAll(viewers);
  });
});
