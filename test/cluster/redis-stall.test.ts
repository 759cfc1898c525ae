/**
 * A network stall: the cluster's Redis (a private one) answers nobody for three leases (`CLIENT PAUSE 3000 ALL`),
 * then every command queued meanwhile runs at once: the holders' renewals, their writes, other instances' tries
 * to take the leases. No two holders publish under one seq (each job's update log in Redis has one entry per seq
 * and never goes back to an older epoch; viewers of instances in cluster mode agree on each seq's data), and the
 * cluster recovers: each job held once and run once per tick, viewers served.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { closeAll, converged, expectAgreeingSeqs, expectFreshUpdates, expectOneRunPerTick, expectOrderedLogs, inClusterMode, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS, LEASE_TTL_MS } from '../support/cluster-project.js';
import { until } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';

const STALL_MS = 3 * LEASE_TTL_MS;

describe('cluster: Redis stalls for longer than the lease (CLIENT PAUSE ALL)', function () {
  this.timeout(60_000);
  const cluster = useCluster('redis-stall', 'private');

  it('never has two holders publish under one seq, and recovers', async () => {
    const instances = await cluster.startMany(3);
    const viewers = await watchEverywhere(instances);
    await sleep(2000);
    await until('the cluster to settle', () => converged(cluster, 3), 10_000);

    expect(await cluster.admin.call('CLIENT', 'PAUSE', String(STALL_MS), 'ALL')).to.equal('OK');
    const resumed = Date.now() + STALL_MS;
    await sleep(STALL_MS + 500);

    await until(`the cluster to recover\n${cluster.output()}`, () => converged(cluster, 3), 15_000);
    await expectFreshUpdates(cluster, viewers, resumed);
    const { jobs, expected } = await cluster.hits.measure(4000, EVERY_MS);
    expectOneRunPerTick(jobs, expected, await cluster.explain());
    expect(await expectOrderedLogs(cluster.admin, await cluster.logKeys()), 'update logs read').to.be.greaterThan(0);
    expectAgreeingSeqs(viewers, cluster.output(), inClusterMode(cluster.instances));
    await closeAll(viewers);
  });
});
