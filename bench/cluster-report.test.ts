/**
 * The cluster suite's report: latency split by whether the viewer is on the job's holder, queries compared per job
 * and tick, and the goals' verdicts, from made-up measurements.
 */
import { expect } from 'chai';
import { noContinuity } from './cluster-continuity.js';
import type { Failover } from './cluster-failover.js';
import type { ClusterMeasurement } from './cluster-measure.js';
import { bucketQuantile, clusterGoalLines, latencies } from './cluster-report.js';

/** A measurement of `n` instances where instance 0 holds every job; its viewers see `same` ms, the others `other` ms. */
function measured(n: number, queries: number, same: number, other: number, failover?: Failover): ClusterMeasurement {
  const latency = Array.from({ length: n * 10 }, (_, k): [number, number][] => [[k < 10 ? same : other, 100]]);
  return {
    instances: n, run: 1, viewers: 30, subscribed: 30, failedToSubscribe: 0, connectMs: 10, settled: true,
    holders: Array.from({ length: 10 }, () => 0), windowMs: 20_000, queries, ticks: 20, cpuMicros: Array.from({ length: n }, () => 1e6), relayLag: [],
    windows: [{ wallMs: 20_000, cpuMicros: 1, deliveries: Array.from({ length: n }, () => 1000), messages: Array.from({ length: n }, () => 250), latency, unmatched: 0, resumed: 0, other: 0, errors: 0, closes: {} }],
    killed: [],
    ...(failover !== undefined && { failover }),
  };
}

const failover = (backMs: number, lost: number): Failover => ({
  killed: 0, widgets: ['w0'], newHolders: [1], republishMs: [backMs],
  moved: { viewers: 10, resumed: 10, reloaded: 0, failed: 0, ms: 5 },
  survivors: { ...noContinuity(), viewers: 20, entries: 100, inOrder: 100 - lost, lost },
  movedContinuity: { ...noContinuity(), viewers: 10, entries: 50, inOrder: 50, resumedExactly: 100 },
  logs: {}, catchUps: 10,
});

describe('bench: the cluster suite\'s report', () => {
  it('counts an entry as relayed when its viewer is on another instance than the job\'s holder', () => {
    const { same, cross } = latencies(measured(3, 200, 10, 30));
    expect([same.total, cross.total]).to.deep.equal([1000, 2000]);
    expect([same.percentile(0.99), cross.percentile(0.99)]).to.deep.equal([10, 30]);
  });

  it('meets the goals when queries stay at one per job and tick, relays add little and the failover is quick and whole', () => {
    const lines = clusterGoalLines([measured(1, 200, 10, 10), measured(3, 200, 12, 30, failover(1500, 0))], 1000).join('\n');
    expect(lines).to.include('database queries/s with 3 instances = 1.00x one instance: MET (x1.000');
    expect(lines).to.include('one instance\'s p99 + 25 ms: MET (30 ms');
    expect(lines).to.include('within 2 x lease_ttl (2000 ms): MET (slowest job 1500 ms');
    expect(lines).to.match(/surviving instances lose and repeat no update: MET/);
    expect(lines).to.match(/resume on a survivor with no gap and no repeat: MET/);
  });

  it('does not meet them when a job runs twice, a relay is slow, a failover is late or an update is lost', () => {
    const lines = clusterGoalLines([measured(1, 200, 10, 10), measured(2, 210, 12, 40, failover(2100, 1))], 1000).join('\n');
    expect(lines).to.include('= 1.00x one instance: NOT MET (x1.050');
    expect(lines).to.include('+ 25 ms: NOT MET (40 ms');
    expect(lines).to.include('(2000 ms): NOT MET (slowest job 2100 ms');
    expect(lines).to.match(/lose and repeat no update: NOT MET \(100 entries checked: 1 lost/);
  });

  it('reads a quantile of the relay lag histogram as the bound of its bucket', () => {
    const buckets = [{ ms: 1, count: 0 }, { ms: 5, count: 60 }, { ms: 25, count: 99 }, { ms: 100, count: 100 }, { ms: Infinity, count: 100 }];
    expect([bucketQuantile(buckets, 0.5), bucketQuantile(buckets, 0.99), bucketQuantile(buckets, 1)]).to.deep.equal([5, 25, 100]);
    expect(bucketQuantile([{ ms: Infinity, count: 0 }], 0.5)).to.be.NaN;
  });

  it('says what it could not measure', () => {
    expect(clusterGoalLines([measured(3, 200, 10, 30)], 1000).join('\n')).to.include('not measured');
  });
});
