/**
 * The cluster's Redis (a private one) is down when two instances start. They start anyway and serve viewers,
 * each running the jobs its own viewers need and no others (PostgreSQL sees which), /readyz answers 200 with
 * `mode: "degraded: local"` and /metrics says rtdash_cluster_degraded 1. When Redis comes up they go back to
 * cluster mode by themselves: one run per tick again, viewers served throughout, their seqs never going back.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { closeAll, converged, expectAgreeingSeqs, expectFreshUpdates, expectOneRunPerTick, inClusterMode } from '../support/cluster-checks.js';
import { BACK, DEGRADED } from '../support/cluster-instance.js';
import { DASHBOARD, EVERY_MS } from '../support/cluster-project.js';
import { ClusterViewer } from '../support/cluster-viewer.js';
import { until } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';

describe('cluster: Redis is unreachable when the instances start', function () {
  this.timeout(60_000);
  const cluster = useCluster('redis-down-at-start', 'private');

  it('serves viewers in degraded: local mode, then goes back to cluster mode when Redis comes up', async () => {
    await cluster.privateRedis.stop();
    const [a, b] = await cluster.startMany(2);
    for (const i of [a!, b!]) {
      const ready = await i.readyz();
      expect(ready.status, 'ready without Redis').to.equal(200);
      await until(`${i.name} to say degraded: local`, async () => (await i.readyCluster())?.mode === 'degraded: local', 10_000);
      expect(await i.metric('rtdash_cluster_degraded'), `${i.name} rtdash_cluster_degraded`).to.equal(1);
      expect(i.logged(DEGRADED), `${i.name} says so in its log`).to.have.length.at.least(1);
    }

    // Shard a is watched on both, shard b on A only.
    const viewers = [new ClusterViewer('a@A', DASHBOARD, { shard: 'a' }), new ClusterViewer('a@B', DASHBOARD, { shard: 'a' }), new ClusterViewer('b@A', DASHBOARD, { shard: 'b' })];
    await Promise.all([viewers[0]!.watch(a!.wsUrl), viewers[1]!.watch(b!.wsUrl), viewers[2]!.watch(a!.wsUrl)]);
    await Promise.all(viewers.map((v) => v.more('w1', 3)));
    const local = await cluster.hits.measure(3000, EVERY_MS);
    const ran = (job: string, app: string): number => local.jobs.get(job)?.byApp[app] ?? 0;
    expect(ran('a/w1', a!.name), 'A runs what its viewers watch').to.be.at.least(local.expected / 2);
    expect(ran('a/w1', b!.name), 'B runs what its viewers watch').to.be.at.least(local.expected / 2);
    expect(ran('b/w1', b!.name), 'B runs nothing its viewers do not watch').to.equal(0);

    await cluster.privateRedis.start();
    const back = Date.now();
    await until(`both back in cluster mode\n${cluster.output()}`, () => converged(cluster, 2, 4), 15_000);
    for (const i of [a!, b!]) {
      expect(i.logged(BACK), `${i.name} says it is back`).to.have.length.at.least(1);
      expect(await i.metric('rtdash_cluster_degraded'), `${i.name} rtdash_cluster_degraded`).to.equal(0);
    }
    await expectFreshUpdates(cluster, viewers, back);
    const { jobs, expected } = await cluster.hits.measure(3000, EVERY_MS);
    expectOneRunPerTick(jobs, expected, await cluster.explain(), ['a', 'b']);
    await sleep(500);
    expect(viewers.every((v) => v.client.closeCode === undefined), 'no viewer was disconnected').to.equal(true);
    expectAgreeingSeqs(viewers, cluster.output(), inClusterMode(cluster.instances));
    await closeAll(viewers);
  });
});
