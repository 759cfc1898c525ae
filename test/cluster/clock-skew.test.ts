/**
 * Three instances whose clocks disagree by a minute (started with SKEW_MS −30 s, 0 and +30 s through
 * test/support/skewed-clock.mjs). Leases and ordering do not depend on the instances' clocks: each query still runs
 * once per tick cluster-wide (PostgreSQL's clock measures the window), viewers on every instance agree on each seq
 * without a gap, the update logs keep one entry per seq, and when the holder of most jobs crashes the others take
 * over within 2 × lease_ttl (a clock 30 s behind does not think a dead holder's lease still runs).
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import type { Instance } from '../support/cluster-instance.js';
import { closeAll, expectAgreeingSeqs, expectOneRunPerTick, expectOrderedLogs, watchEverywhere } from '../support/cluster-checks.js';
import { EVERY_MS, LEASE_TTL_MS } from '../support/cluster-project.js';
import { jumps } from '../support/cluster-viewer.js';
import { sleep } from '../support/test-server.js';

describe('cluster: instances with skewed clocks (−30 s, 0, +30 s)', function () {
  this.timeout(60_000);
  const cluster = useCluster('clock-skew');

  it('still runs each job once per tick, in one order, and fails over on time', async () => {
    const instances = await cluster.startMany(3, [-30_000, 0, 30_000]);
    // Each instance's log times show its clock: the last line came just before it was ready.
    const clocks = instances.map((i) => i.child.logs().at(-1)!.time - Date.now());
    expect(clocks[0], `the first instance's clock is behind (${clocks.join(', ')} ms)`).to.be.below(-25_000);
    expect(clocks[2], 'the third instance\'s clock is ahead').to.be.above(25_000);

    const viewers = await watchEverywhere(instances);
    await sleep(2000);
    const { jobs, expected } = await cluster.hits.measure(5000, EVERY_MS);
    expectOneRunPerTick(jobs, expected, cluster.output());

    const holders = await cluster.holders();
    const held = new Map<Instance, number>();
    for (const h of holders.values()) if (h !== undefined) held.set(h, (held.get(h) ?? 0) + 1);
    const victim = [...held.entries()].sort((x, y) => y[1] - x[1])[0]![0];
    const survivors = instances.filter((i) => i !== victim);
    const killedAt = await cluster.hits.now();
    await victim.kill();
    await Promise.all(viewers.filter((v) => v.url === victim.wsUrl).map((v, n) => v.moveTo(survivors[n % survivors.length]!.wsUrl)));
    await sleep(2 * LEASE_TTL_MS + 2 * EVERY_MS);
    for (const [job, ms] of await cluster.hits.firstRuns(killedAt, victim.name)) {
      expect(ms, `${job}: first run by a survivor ${ms} ms after the kill`).to.be.at.most(2 * LEASE_TTL_MS + EVERY_MS);
    }
    const after = await cluster.hits.measure(3000, EVERY_MS);
    expectOneRunPerTick(after.jobs, after.expected, cluster.output());
    expect(viewers.flatMap(jumps), 'no viewer skipped a seq').to.deep.equal([]);
    expectAgreeingSeqs(viewers, cluster.output());
    expect(await expectOrderedLogs(cluster.admin, await cluster.logKeys()), 'update logs read').to.be.greaterThan(0);
    await closeAll(viewers);
  });
});
