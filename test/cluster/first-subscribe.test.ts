/**
 * The first viewers of a dashboard on an instance new to its jobs: several jobs whose source answers at once start
 * together, one publishing while another still loads from the cluster. Each viewer gets each widget's state once
 * (its snapshot's seq, then the next ones), never the same state again as the first update.
 */
import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { closeAll } from '../support/cluster-checks.js';
import { FAST_DASHBOARD, FAST_WIDGETS } from '../support/cluster-project.js';
import { ClusterViewer, seqProblems } from '../support/cluster-viewer.js';

describe('cluster: the first viewers on an instance new to the jobs', function () {
  this.timeout(60_000);
  const cluster = useCluster('first-subscribe');

  it('get each widget\'s state once, whether the instance runs the jobs or follows them', async () => {
    const [a, b] = await cluster.startMany(2);
    const first = [a!, b!].flatMap((inst) => [1, 2, 3].map((k) => ({ inst, viewer: new ClusterViewer(`${inst.name}#${k}`, FAST_DASHBOARD, {}) })));
    await Promise.all(first.map(({ inst, viewer }) => viewer.watch(inst.wsUrl)));
    const late = await cluster.start();
    const more = [1, 2, 3].map((k) => new ClusterViewer(`${late.name}#${k}`, FAST_DASHBOARD, {}));
    await Promise.all(more.map((viewer) => viewer.watch(late.wsUrl)));
    const viewers = [...first.map((f) => f.viewer), ...more];
    await Promise.all(viewers.flatMap((viewer) => FAST_WIDGETS.map((w) => viewer.more(w, 2))));
    expect(viewers.flatMap((v) => seqProblems(v)), `no state given twice\n${cluster.output()}`).to.deep.equal([]);
    await closeAll(viewers);
  });
});
