/**
 * 1,000 viewers stream from three instances (every shard on every instance) while a fourth instance joins and
 * takes 200 of them, then the instance holding the most jobs leaves (SIGTERM) and its viewers come back on the
 * others with their seqs. No viewer goes without an update for longer than 2 × lease_ttl (and one tick), none
 * sees a seq go back or carry two states, and PostgreSQL counts about one run per tick all along.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { expectOneRunPerTick } from '../support/cluster-checks.js';
import { DASHBOARD, EVERY_MS, LEASE_TTL_MS, SHARDS } from '../support/cluster-project.js';
import { sleep } from '../support/test-server.js';
import { ViewerSwarm } from '../support/viewer-swarm.js';

const VIEWERS = 1000;

describe('cluster: an instance joins and one leaves while 1,000 viewers stream', function () {
  this.timeout(90_000);
  const cluster = useCluster('join-leave');
  let swarm: ViewerSwarm | undefined;
  afterEach(async () => {
    await swarm?.stop();
    swarm = undefined;
  });

  it('keeps every viewer streaming and the queries at one run per tick', async () => {
    const instances = await cluster.startMany(3);
    swarm = await ViewerSwarm.start({ urls: instances.map((i) => i.wsUrl), count: VIEWERS, dashboard: DASHBOARD, shards: [...SHARDS] });
    await sleep(2000);
    await swarm.mark();
    const from = await cluster.hits.now();

    const joining = await cluster.start();
    await swarm.setUrls([...instances, joining].map((i) => i.wsUrl));
    await swarm.move(200, joining.wsUrl);
    await sleep(3000);
    const joined = await swarm.report();
    expect(joined.perUrl[joining.wsUrl], 'the newcomer serves the viewers moved to it').to.equal(200);

    const holders = await cluster.holders();
    const held = new Map<string, number>();
    for (const h of holders.values()) if (h !== undefined) held.set(h.name, (held.get(h.name) ?? 0) + 1);
    const leaving = instances.find((i) => i.name === [...held.entries()].sort((x, y) => y[1] - x[1])[0]?.[0]) ?? instances[0]!;
    const staying = [...instances, joining].filter((i) => i !== leaving);
    await swarm.setUrls(staying.map((i) => i.wsUrl));
    await leaving.stop();
    await sleep(5000);

    const seen = await swarm.report();
    const who = [...instances, joining].map((i) => `${i.name} ${i.wsUrl}${i === joining ? ' (joined)' : ''}${i === leaving ? ' (left)' : ''}`).join(', ');
    const to = await cluster.hits.now();
    const runs = await cluster.hits.runs(from, to);
    expect(seen.open, `every viewer is connected again: ${JSON.stringify(seen)}`).to.equal(VIEWERS);
    expect(seen.problems, `seqs never went back nor carried two states (${who})\n${cluster.output()}`).to.deep.equal([]);
    expect(seen.longestSilenceMs, `the longest wait for an update (on ${seen.longestSilenceAt}; ${who})`).to.be.at.most(2 * LEASE_TTL_MS + EVERY_MS);
    expectOneRunPerTick(runs, (to.getTime() - from.getTime()) / EVERY_MS, cluster.output());
  });
});
