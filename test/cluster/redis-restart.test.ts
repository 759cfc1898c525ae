/**
 * The cluster's Redis (a private one) is stopped for a moment and started again mid-run, once without persistence
 * (every lease, epoch, log and member is gone) and once with an append-only file (they come back, stale). The
 * instances converge again (all in cluster mode, every member listed, each job held once and run once per tick),
 * viewers keep getting updates throughout, and no viewer's seqs ever go back or carry two states.
 */
import { expect } from 'chai';
import { useCluster, type ClusterRedis } from '../support/cluster.js';
import { closeAll, converged, expectAgreeingSeqs, expectFreshUpdates, expectOneRunPerTick, inClusterMode, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS } from '../support/cluster-project.js';
import { until } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';

for (const [redis, what] of [
  ['private', 'without persistence'],
  ['private-appendonly', 'with an append-only file'],
] as [ClusterRedis, string][]) {
  describe(`cluster: Redis restarted mid-run, ${what}`, function () {
    this.timeout(60_000);
    const cluster = useCluster(`redis-restart-${redis}`, redis);

    it('converges again while viewers keep getting updates, seqs never going back', async () => {
      const instances = await cluster.startMany(3);
      const viewers = await watchEverywhere(instances);
      await sleep(2000);
      await until('the cluster to settle', () => converged(cluster, 3), 10_000);

      await cluster.privateRedis.stop();
      await sleep(1500);
      await cluster.privateRedis.start();
      const back = Date.now();

      await until(`the instances to converge after the restart\n${cluster.output()}`, () => converged(cluster, 3), 15_000);
      await expectFreshUpdates(cluster, viewers, back);
      const { jobs, expected } = await cluster.hits.measure(4000, EVERY_MS);
      expectOneRunPerTick(jobs, expected, await cluster.explain());
      expect(viewers.every((v) => v.client.closeCode === undefined), 'no viewer was disconnected').to.equal(true);
      // While Redis is away each instance runs its viewers' jobs by itself, under seqs of its own: viewers on
      // different instances agree on what a seq is whenever their instances are in cluster mode.
      expectAgreeingSeqs(viewers, cluster.output(), inClusterMode(cluster.instances));
      await closeAll(viewers);
    });
  });
}
