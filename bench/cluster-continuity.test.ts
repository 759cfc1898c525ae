/**
 * The failover check of the cluster suite: a viewer's entries of one widget matched to what the job's stream
 * published, so a lost or repeated change shows although change entries carry no seq.
 */
import { expect } from 'chai';
import { checkWidget, noContinuity, truthOf, type Continuity } from './cluster-continuity.js';

/** Published: seqs 5..9, made by runs 1000..5000 (at times that do not matter here). */
const truth = truthOf([5, 1000, 1, 6, 2000, 2, 7, 3000, 3, 8, 4000, 4, 9, 5000, 5]);

/** The counts for one widget of one viewer that held `start` and kept `log` (seq, time, full). */
function check(start: number, log: number[], movedAt?: number): Continuity {
  const c = noContinuity();
  checkWidget({ start, log, ...(movedAt !== undefined && { movedAt }) }, truth, c);
  return c;
}

describe('bench: checking a viewer\'s updates against the cluster\'s streams', () => {
  it('counts changes that follow one another', () => {
    expect(check(4, [5, 1000, 0, 6, 2000, 0, 7, 3000, 0])).to.include({ entries: 3, inOrder: 3, lost: 0, duplicated: 0, jumps: 0, unknown: 0 });
  });

  it('finds a lost change by its run, although the viewer counted it as the next seq', () => {
    // The viewer missed seq 6: it takes the change of 7 for 6, and that of 8 for 7.
    expect(check(4, [5, 1000, 0, 6, 3000, 0, 7, 4000, 0])).to.include({ entries: 3, inOrder: 2, lost: 1, duplicated: 0 });
  });

  it('finds a change received twice', () => {
    expect(check(4, [5, 1000, 0, 6, 2000, 0, 7, 2000, 0, 8, 3000, 0])).to.include({ entries: 4, inOrder: 3, duplicated: 1, lost: 0 });
  });

  it('counts a whole state past the next seq as a jump, not a loss, and one behind as a repeat', () => {
    expect(check(4, [5, 1000, 0, 8, 4000, 1, 9, 5000, 0])).to.include({ jumps: 1, lost: 0, inOrder: 2 });
    expect(check(6, [6, 2000, 1])).to.include({ duplicated: 1 });
  });

  it('leaves entries the stream does not hold aside (a relaying instance\'s own time does not matter)', () => {
    expect(check(9, [10, 6000, 0])).to.include({ entries: 0, unknown: 1 });
  });

  it('says how a viewer that moved resumed', () => {
    expect(check(4, [5, 1000, 0, 6, 2000, 0], 1)).to.include({ resumedExactly: 1 });
    expect(check(4, [5, 1000, 0, 8, 4000, 1], 1)).to.include({ resumedWhole: 1, jumps: 1 });
    expect(check(4, [5, 1000, 0], 1)).to.include({ resumedNothing: 1 });
  });
});
