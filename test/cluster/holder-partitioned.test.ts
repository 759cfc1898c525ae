/**
 * A network partition between one holder and Redis: its connection goes through a proxy that holds every command
 * in flight for three leases, while the other instance still reaches Redis and takes the leases. When the proxy
 * lets go, what the cut-off holder sent meanwhile reaches Redis after its lease went and must be refused by the
 * fence: no entry of an older epoch follows a newer one in the update logs, no viewer on either instance saw two
 * different states under one seq (the cut-off holder showed its own updates while it believed in its lease), and
 * the cut-off instance's viewers are served again, each query once per tick. (The holder's client may have given
 * up on those commands by then, so "write refused" is not required in its log.)
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { closeAll, expectAgreeingSeqs, expectFreshUpdates, expectOneRunPerTick, expectOrderedLogs, inClusterMode, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS, LEASE_TTL_MS } from '../support/cluster-project.js';
import { SERVICES } from '../support/services.js';
import { until } from '../support/served-cli.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { sleep } from '../support/test-server.js';

describe('cluster: a holder cut off from Redis while its commands stay in flight', function () {
  this.timeout(60_000);
  const cluster = useCluster('partition');
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  it('never lets what it sent after its lease went clash with the next holder, for viewers or in the update logs', async () => {
    const redis = new URL(SERVICES.redis.url);
    proxy = await TcpProxy.onFreePort({ host: redis.hostname, port: Number(redis.port) });
    await proxy.open();
    const cutOff = await cluster.start({ redisUrl: `redis://127.0.0.1:${proxy.port}${redis.pathname}` });
    const other = await cluster.start();
    const viewers = await watchEverywhere([cutOff, other]);
    await sleep(2000);
    const held = [...(await cluster.holders()).entries()].filter(([, h]) => h === cutOff).map(([job]) => job);
    expect(held.length, `${cutOff.name} holds jobs before the cut`).to.be.at.least(1);

    proxy.stall(true);
    await until(`${other.name} to take the leases of ${cutOff.name}`, async () => {
      const now = await other.cluster();
      return held.every((job) => now.jobs.find((j) => j.key === job)?.holder === now.instance);
    }, 5 * LEASE_TTL_MS);
    await sleep(LEASE_TTL_MS);
    proxy.stall(false);
    const back = Date.now();
    await sleep(2000);

    await expectFreshUpdates(cluster, viewers, back);
    expectAgreeingSeqs(viewers, cluster.output(), inClusterMode(cluster.instances));
    const { jobs, expected } = await cluster.hits.measure(3000, EVERY_MS);
    expectOneRunPerTick(jobs, expected, await cluster.explain());
    // What the cut-off holder sent reached Redis after its lease went: no entry of an older epoch came after.
    expect(await expectOrderedLogs(cluster.admin, await cluster.logKeys()), 'update logs read').to.be.greaterThan(0);
    await closeAll(viewers);
  });
});
