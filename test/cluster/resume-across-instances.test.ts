/**
 * Seqs belong to the job, not to the instance: a viewer that loses its connection to one instance and resumes on
 * another, with the version and seqs it holds, gets exactly what it missed there (no whole state, nothing twice,
 * nothing skipped: the data under each seq is the data a viewer that never moved saw), whichever of the two holds
 * the job, and on an instance that has just joined. A cursor older than any history gets the whole state, from
 * which it counts on.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { expectAgreeingSeqs } from '../support/cluster-checks.js';
import { DASHBOARD, WIDGETS } from '../support/cluster-project.js';
import { ClusterViewer, conflicts, jumps, seqProblems } from '../support/cluster-viewer.js';
import { sleep } from '../support/test-server.js';

describe('cluster: a viewer resumes on another instance', function () {
  this.timeout(60_000);
  const cluster = useCluster('resume');

  it('gets exactly what it missed, both ways between two instances', async () => {
    const [a, b] = await cluster.startMany(2);
    const stays = new ClusterViewer('stays', DASHBOARD, { shard: 'a' });
    const moves = new ClusterViewer('moves', DASHBOARD, { shard: 'a' });
    await stays.watch(a!.wsUrl);
    await moves.watch(a!.wsUrl);
    await moves.more('w1', 4);

    for (const [to, name] of [[b!, 'B'], [a!, 'A']] as const) {
      moves.drop();
      await sleep(1200); // a couple of ticks missed
      const answer = await moves.moveTo(to.wsUrl);
      expect(answer, `resumed on ${name}`).to.equal('resumed');
      const resumed = moves.seen.filter((s) => s.resumed && s.from === to.wsUrl);
      expect(resumed.filter((s) => s.whole), `no whole state in the resumed update on ${name}`).to.deep.equal([]);
      for (const w of WIDGETS) expect(resumed.filter((s) => s.w === w).length, `${w}: the missed updates on ${name}`).to.be.at.least(1);
      await moves.more('w1', 4);
    }

    await stays.more('w1', 2);
    expect(jumps(moves), 'nothing skipped').to.deep.equal([]);
    expectAgreeingSeqs([stays, moves], cluster.output());
    await Promise.all([stays.close(), moves.close()]);
  });

  it('gets exactly what it missed on an instance that has just joined', async () => {
    const [a] = await cluster.startMany(1);
    const stays = new ClusterViewer('stays', DASHBOARD, { shard: 'c' });
    const moves = new ClusterViewer('moves', DASHBOARD, { shard: 'c' });
    await stays.watch(a!.wsUrl);
    await moves.watch(a!.wsUrl);
    await moves.more('w1', 4);
    const newcomer = await cluster.start();
    moves.drop();
    await sleep(600);
    expect(await moves.moveTo(newcomer.wsUrl)).to.equal('resumed');
    await moves.more('w1', 10); // and while the newcomer takes its share of the jobs
    await stays.more('w1', 1);
    const resumed = moves.seen.filter((s) => s.resumed);
    expect(resumed.filter((s) => s.whole).map((s) => `${s.w}@${s.seq}`), 'no whole state in the resumed update').to.deep.equal([]);
    expect(jumps(moves), 'nothing skipped').to.deep.equal([]);
    expectAgreeingSeqs([stays, moves], cluster.output());
    await Promise.all([stays.close(), moves.close()]);
  });

  it('gets the whole state for a cursor older than any history, and counts on from it', async () => {
    const [a, b] = await cluster.startMany(2);
    const stays = new ClusterViewer('stays', DASHBOARD, { shard: 'b' });
    const moves = new ClusterViewer('moves', DASHBOARD, { shard: 'b' });
    await stays.watch(a!.wsUrl);
    await moves.watch(a!.wsUrl);
    await moves.more('w1', 3);

    const held = moves.positions();
    const old = Object.fromEntries(Object.entries(held).map(([w, seq]) => [w, seq - 100_000]));
    const movedAt = moves.seen.length;
    const answer = await moves.moveTo(b!.wsUrl, { positions: old });
    const got = moves.seen.slice(movedAt);
    for (const w of WIDGETS) {
      const first = got.find((s) => s.w === w);
      if (answer === 'resumed') expect(first?.whole, `${w}: a whole state first`).to.equal(true);
      expect(first?.seq, `${w}: the whole state is the latest`).to.be.at.least(held[w]!);
    }
    await moves.more('w1', 3);
    await stays.more('w1', 1);
    // The cursor was made up, so the viewer's own record counts from the whole state on; the data agrees throughout.
    expect(seqProblems(moves, movedAt), 'seqs after the whole state').to.deep.equal([]);
    expect(conflicts([stays, moves]), 'the same data under each seq').to.deep.equal([]);
    expect(jumps(moves).filter((j) => !j.includes('(resumed)')), 'nothing skipped after the whole state').to.deep.equal([]);
    await Promise.all([stays.close(), moves.close()]);
  });
});
