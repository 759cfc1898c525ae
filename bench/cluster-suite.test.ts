/**
 * The cluster suite, run small so it cannot rot: 30 viewers over 1 and then 2 real `rtdash serve` instances on a
 * private Redis, a 2 s window each, and the failover at 2 instances. The figures are checked for being measured
 * and reported, not for their values.
 */
import { expect } from 'chai';
import { missingForRedis } from '../test/support/private-redis.js';
import { needBinaries } from '../test/support/private-process.js';
import { SERVICES, needService } from '../test/support/services.js';
import { latencies } from './cluster-report.js';
import { clusterReport, measureClusterSuite } from './cluster-suite.js';
import { readSettings } from './settings.js';

describe('bench: the cluster suite', function () {
  this.timeout(240_000);

  before(async function () {
    needBinaries(this, missingForRedis());
    await needService(this, 'postgres');
  });

  it('measures queries, relay latency, CPU per update and a failover, and reports the goals', async () => {
    const settings = readSettings({
      BENCH_SUITES: 'cluster',
      BENCH_PG_URL: SERVICES.postgres.url,
      BENCH_CLUSTER_INSTANCES: '1,2',
      BENCH_CLUSTER_VIEWERS: '30',
      BENCH_CLUSTER_SECONDS: '2',
      BENCH_WARMUP: '0',
      BENCH_RUNS: '1',
    });
    const outcome = await measureClusterSuite(settings, () => undefined);
    expect(outcome.skipped).to.equal(undefined);
    expect(outcome.failures).to.equal(0);
    const [one, two] = outcome.measurements;
    expect([one!.instances, two!.instances]).to.deep.equal([1, 2]);

    for (const m of [one!, two!]) {
      expect(m.subscribed).to.equal(30);
      // PostgreSQL counted the widget queries: about one per widget and tick, whatever the number of instances.
      expect(m.ticks).to.be.at.least(1);
      expect(m.queries).to.be.within(10 * (m.ticks - 1), 10 * (m.ticks + 1));
      expect(m.cpuMicros).to.have.length(m.instances);
      expect(m.windows.flatMap((w) => w.deliveries).reduce((a, b) => a + b, 0)).to.be.greaterThan(0);
    }
    // One instance holds every job; with two, the viewers of the one not holding a job get it relayed.
    expect(latencies(one!).cross.total).to.equal(0);
    expect(latencies(one!).same.total).to.be.greaterThan(0);
    expect(latencies(two!).cross.total).to.be.greaterThan(0);

    const failover = two!.failover!;
    expect(two!.failoverError).to.equal(undefined);
    expect(failover.widgets.length).to.be.at.least(5);
    expect(failover.republishMs.every(Number.isFinite)).to.equal(true);
    expect(failover.moved.viewers).to.equal(15);
    expect(failover.moved.resumed + failover.moved.reloaded + failover.moved.failed).to.equal(15);
    expect(failover.survivors.viewers).to.equal(15);
    expect(failover.survivors.entries).to.be.greaterThan(0);
    expect(failover.movedContinuity.entries).to.be.greaterThan(0);

    const report = clusterReport(outcome, settings).join('\n');
    for (const text of ['q per job-tick', 'other p99 ms', 'cpu µs/delivery', 'back ms (max)', 'database queries/s with 2 instances', 'relay p99 to a viewer on another instance', 'failover: every job of the killed instance']) {
      expect(report).to.include(text);
    }
    expect(report).to.match(/failover: viewers on surviving instances lose and repeat no update: (MET|NOT MET)/);
  });
});

describe('bench: the cluster suite\'s knobs', () => {
  it('runs three times at 1, 2 and 3 instances with 3,000 viewers unless told otherwise, and names a wrong variable', () => {
    const { cluster, suites } = readSettings({});
    expect(suites).to.include('cluster');
    expect(cluster).to.deep.equal({ instances: [1, 2, 3], viewers: 3000, seconds: 20, runs: 3, leaseTtlMs: 1000, failover: true, pin: true });
    expect(readSettings({ BENCH_RUNS: '1', BENCH_CLUSTER_FAILOVER: '0', BENCH_CLUSTER_PIN: '0' }).cluster).to.include({ runs: 1, failover: false, pin: false });
    expect(() => readSettings({ BENCH_CLUSTER_LEASE_TTL_MS: '500' })).to.throw(/BENCH_CLUSTER_LEASE_TTL_MS/);
  });
});
