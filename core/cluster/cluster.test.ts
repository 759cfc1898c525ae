/**
 * Cluster mode inside one process, on the real Redis (a key prefix of the test's own, deleted after): two
 * instances, each with its scheduler, watching the same widget. One of them asks the source on each tick, the
 * other relays its updates, and both hand their viewers the same entries under the same seqs; a write by an
 * instance whose lease went to another is refused by the fence; an instance joining late gets the job's state
 * and history from Redis. The same with real processes, kills and stalls: test/cluster/.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { silentLogger } from '../logger.js';
import { Scheduler } from '../scheduler.js';
import { countingSource, testMetrics, unitDashboard } from '../test-support.js';
import type { UpdateEntry } from '../widget-history.js';
import { SERVICES, needService } from '../../test/support/services.js';
import { until } from '../../test/support/served-cli.js';
import { deleteUnder } from '../../test/support/redis-scratch.js';
import { Cluster } from './cluster.js';
import { clusterKeys } from './scripts.js';

const dashboard = unitDashboard('id: d\ntitle: D\nwidgets:\n  - { id: w, title: W, type: line, source: s, query: q, every: 200ms, keep: 50 }\n');
const widget = dashboard.widgets[0]!;

/** One instance: its cluster part, its scheduler, its source's query count and what its viewer received. */
interface Instance {
  cluster: Cluster;
  scheduler: Scheduler;
  calls: () => number;
  received: UpdateEntry[];
  stop(): Promise<void>;
}

describe('cluster mode (two instances in one process, real Redis)', function () {
  this.timeout(30_000);
  let admin: Redis;
  let prefix: string;
  const running: Instance[] = [];

  const instance = (ttlMs = 1000): Instance => {
    const metrics = testMetrics();
    const cluster = new Cluster({ url: SERVICES.redis.url, prefix, ttlMs, logger: silentLogger(), registry: metrics.registry });
    const { instance: source, calls } = countingSource((n) => ({ fields: [{ name: 'time', type: 'time', values: [Date.now()] }, { name: 'v', type: 'number', values: [n] }] }));
    const scheduler = new Scheduler({ source: () => source, metrics, logger: silentLogger(), cluster });
    cluster.start();
    const received: UpdateEntry[] = [];
    const one: Instance = {
      cluster,
      scheduler,
      calls,
      received,
      async stop() {
        await scheduler.stop();
        await cluster.close();
      },
    };
    running.push(one);
    return one;
  };
  const watch = (i: Instance) => i.scheduler.acquire(dashboard, widget, {}, (entry) => i.received.push(entry));

  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  beforeEach(() => {
    prefix = `rtdash-test-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    for (const i of running.splice(0)) await i.stop();
    await deleteUnder(admin, prefix);
  });
  after(() => admin?.disconnect());

  it('runs the job on one instance and gives both viewers the same entries under the same seqs', async () => {
    const a = instance();
    const b = instance();
    watch(a);
    watch(b);
    await sleep(2200);
    // About 11 runs at 200 ms; two instances each running the job would make twice as many.
    expect(a.calls() + b.calls(), 'queries made by the two instances').to.be.within(8, 14);
    expect(Math.min(a.calls(), b.calls()), 'one of them asks nothing').to.equal(0);
    const seqs = (i: Instance) => i.received.map((e) => e.seq);
    const common = seqs(a).filter((s) => seqs(b).includes(s));
    expect(common.length, 'entries both viewers got').to.be.at.least(6);
    for (const seq of common) {
      const [ea, eb] = [a.received.find((e) => e.seq === seq)!, b.received.find((e) => e.seq === seq)!];
      expect(eb.body, `entry ${seq}`).to.equal(ea.body);
    }
    for (const i of [a, b]) {
      const list = seqs(i).filter((s) => s >= common[0]!);
      expect(list, 'contiguous after the first common entry').to.deep.equal(list.map((_, k) => common[0]! + k));
    }
  });

  it('gives an instance that joins late the state and history the first one published', async () => {
    const a = instance();
    watch(a);
    await until('a few runs', () => a.received.length >= 4);
    const b = instance();
    const job = watch(b);
    await job.plane!.ready;
    const snapshot = job.history.snapshot();
    const holder = a.scheduler.jobs()[0]!.history;
    await until('both at the same seq', () => holder.seq === job.history.seq);
    expect(job.history.since(holder.seq - 3)?.map((e) => e.body), 'the last updates, resumable on the late instance').to.deep.equal(holder.since(holder.seq - 3)?.map((e) => e.body));
    expect(JSON.parse(`{"w":"w"${snapshot.slice(snapshot.indexOf(','))}`).frame.fields[1].values.length, 'rows of the history').to.be.at.least(4);
  });

  it('refuses a write by an instance whose lease went to another (the fence), and that instance follows again', async () => {
    const a = instance();
    const b = instance();
    watch(a);
    const job = a.scheduler.jobs()[0]!;
    await until('a holds the job', () => a.cluster.summary().jobsHeld === 1);
    watch(b);
    await until('b follows it', () => b.cluster.summary().jobsFollowed === 1);
    // The lease moves to b behind a's back, as when a stalls past its ttl.
    const keys = clusterKeys(prefix);
    const epoch = await admin.incr(keys.epoch(job.key));
    await admin.set(keys.lease(job.key), `${b.cluster.instance}|${epoch}`, 'PX', 60_000);
    const fenced = await a.cluster.publish([job.key, `${a.cluster.instance}|1`, String(job.history.seq + 1), String(Date.now()), '0', '}', '', '64', '60000']);
    expect(fenced, 'the write of the old holder').to.deep.equal([0]);
    await until('a sees it has lost the job', () => a.cluster.summary().jobsHeld === 0, 5000);
    await until('b runs it', () => b.calls() > 0, 5000);
    const before = a.received.length;
    await until('a relays b\'s updates', () => a.received.length > before + 2, 5000);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
