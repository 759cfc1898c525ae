/**
 * The holder of jobs hangs (SIGSTOP) for longer than its lease, then wakes up (SIGCONT) believing for a moment
 * that it still holds them. Meanwhile another instance took the leases. Whatever the woken one had under way is
 * refused by the fence (or it finds its leases gone before writing): no viewer, on any instance, sees two
 * different states under one seq, the update logs in Redis never go back to an older epoch, and its own viewers
 * get the other holder's updates after it wakes.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import type { Instance } from '../support/cluster-instance.js';
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
    await sleep(2 * LEASE_TTL_MS); // stopped for about three leases in all
    const itsViewers = viewers.filter((v) => v.url === sleeper.wsUrl);
    const before = itsViewers.map((v) => v.of('w1').length);
    sleeper.resume();
    await sleep(3000);

    // What it tried to write was fenced off, or it saw its leases gone before writing anything.
    const refused = sleeper.logged(REFUSED).length + (await sleeper.metricTotal('rtdash_cluster_fenced_writes_total'));
    const lost = sleeper.logged('lost the lease of a job').length + (await sleeper.metricTotal('rtdash_cluster_leases_lost_total'));
    expect(refused + lost, `a refused write or a lost lease on ${sleeper.name}\n${cluster.output()}`).to.be.at.least(1);
    const stillOthers = await cluster.holders();
    for (const job of jobs) expect(others, `${job} stays with the instance that took it`).to.include(stillOthers.get(job));

    // Its viewers are served again, by relay.
    itsViewers.forEach((v, n) => expect(v.of('w1').length, `${v.name} gets updates after the wake-up`).to.be.greaterThan(before[n]! + 2));
    expectAgreeingSeqs(viewers, cluster.output());
    const { jobs: steady, expected } = await cluster.hits.measure(3000, EVERY_MS);
    expectOneRunPerTick(steady, expected, cluster.output());
    expect(await expectOrderedLogs(cluster.admin, await cluster.logKeys()), 'update logs read').to.be.greaterThan(0);
    await closeAll(viewers);
  });
});
