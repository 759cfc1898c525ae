import { expect } from 'chai';
import { EmbedAccess } from '../embed-access.js';
import { RtdashError } from '../errors.js';
import { silentLogger } from '../logger.js';
import type { Limits } from '../model.js';
import { Scheduler } from '../scheduler.js';
import { RecordingTransport, countingSource, testLimits, testMetrics, unitDashboard } from '../test-support.js';
import { until } from '../../test/support/test-server.js';
import { Hub } from './hub.js';

const DASHBOARD = unitDashboard(`id: d
title: D
widgets:
  - { id: a, title: A, type: line, source: s, query: qa, every: 100ms }
`);

describe('Hub', () => {
  let scheduler: Scheduler;
  let hub: Hub;
  const start = (limits: Partial<Limits> = {}) => {
    scheduler = new Scheduler({ source: () => countingSource().instance, metrics: testMetrics(), logger: silentLogger() });
    hub = new Hub({ dashboard: (id) => (id === 'd' ? DASHBOARD : undefined), scheduler, metrics: testMetrics(), logger: silentLogger(), limits: testLimits(limits), access: new EmbedAccess(undefined) });
  };
  afterEach(async () => {
    hub.close(1001, 'test over');
    await scheduler.stop();
  });

  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (err) {
      return err instanceof RtdashError ? err.code : 'not an RtdashError';
    }
  };

  it('answers a subscribe with a snapshot and sends each flush to every peer of the view', async () => {
    start();
    const t1 = new RecordingTransport();
    const t2 = new RecordingTransport();
    hub.subscribe(hub.addPeer(t1), { dashboard: 'd' });
    hub.subscribe(hub.addPeer(t2), { dashboard: 'd' });
    expect(hub.viewCount).to.equal(1);
    expect(hub.viewers).to.equal(2);
    await until(() => t1.types().includes('update'), 2000, 'an update');
    expect(t1.types()[0]).to.equal('snapshot');
    // The same bytes to both peers: one message per view per flush.
    expect(t2.sent.find((m) => t1.sent.at(-1) === m)).to.not.equal(undefined);
  });

  it('sends the updates of several dashboards due at the same moment together, not a coalescing window apart', async () => {
    const boards = Array.from({ length: 6 }, (_, i) => unitDashboard(`id: d${i}\ntitle: D\nwidgets:\n  - { id: a, title: A, type: line, source: s, query: q${i}, every: 1s }\n`));
    scheduler = new Scheduler({ source: () => countingSource().instance, metrics: testMetrics(), logger: silentLogger() });
    hub = new Hub({ dashboard: (id) => boards.find((b) => b.id === id), scheduler, metrics: testMetrics(), logger: silentLogger(), limits: testLimits({ coalesceMs: 300 }), access: new EmbedAccess(undefined) });
    const arrivals: number[][] = boards.map(() => []);
    const named: string[][] = boards.map(() => []);
    boards.forEach((board, i) => {
      const transport = new RecordingTransport();
      const send = transport.send.bind(transport);
      transport.send = (message) => {
        if (message.json.startsWith('{"type":"update"')) {
          arrivals[i]!.push(performance.now());
          named[i]!.push((JSON.parse(message.json) as { dashboard: string }).dashboard);
        }
        send(message);
      };
      hub.subscribe(hub.addPeer(transport), { dashboard: board.id });
    });
    // The first update of each is its job's first run, at the subscribe; the second is the first scheduled tick.
    await until(() => arrivals.every((a) => a.length >= 2), 3000, 'a scheduled update on every dashboard');
    const tick = arrivals.map((a) => a[1]!);
    expect(Math.max(...tick) - Math.min(...tick)).to.be.below(100);
    // One pass writes every dashboard's message, each to its own viewers only.
    named.forEach((ids, i) => expect(new Set(ids)).to.deep.equal(new Set([boards[i]!.id])));
  });

  it('sends a lone update at once, and a burst within the coalescing window as one more message', async () => {
    const slow = unitDashboard(`id: d
title: D
widgets:
  - { id: a, title: A, type: line, source: s, query: qa, every: 1h }
  - { id: b, title: B, type: line, source: s, query: qb, every: 1h }
`);
    scheduler = new Scheduler({ source: () => countingSource().instance, metrics: testMetrics(), logger: silentLogger() });
    hub = new Hub({ dashboard: () => slow, scheduler, metrics: testMetrics(), logger: silentLogger(), limits: testLimits({ coalesceMs: 300 }), access: new EmbedAccess(undefined) });
    const t = new RecordingTransport();
    const view = hub.subscribe(hub.addPeer(t), { dashboard: 'd' })!;
    // The first runs of both widgets finish in the same turn: one message.
    await until(() => t.types().filter((x) => x === 'update').length === 1, 2000, 'the first runs');
    await new Promise((resolve) => setTimeout(resolve, 350));
    const updates = () => t.sent.filter((m) => m.json.startsWith('{"type":"update"')).length;
    expect(updates()).to.equal(1);
    const [a, b] = [view.jobs.get('a')!, view.jobs.get('b')!];
    const lone = performance.now();
    a.tick();
    await until(() => updates() === 2, 2000, 'the lone update');
    expect(performance.now() - lone, 'a lone update does not wait for the 300 ms window').to.be.below(100);
    // A burst right after: both widgets twice, in separate turns, within the window.
    a.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    b.tick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    a.tick();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(updates(), 'the burst waits for the window to end').to.equal(2);
    await until(() => updates() === 3, 2000, 'the burst');
    const burst = JSON.parse(t.sent.at(-1)!.json) as { updates: { w: string }[] };
    expect(burst.updates.map((u) => u.w)).to.deep.equal(['a', 'b', 'a']);
  });

  it('lets a peer past slow_client_bytes fall behind, then catches it up once it drains', async () => {
    start({ slowClientBytes: 1000 });
    const t = new RecordingTransport();
    hub.subscribe(hub.addPeer(t), { dashboard: 'd' });
    t.buffered = 5000;
    const sent = t.sent.length;
    await until(() => hub.lagging === 1, 2000, 'the peer to fall behind');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(t.sent.length).to.equal(sent);
    const drained = t.sent.length;
    t.buffered = 0;
    await until(() => hub.lagging === 0, 2000, 'the catch-up');
    // The first message after the drain is the catch-up (a job's next update may follow it on a busy machine).
    const caughtUp = JSON.parse(t.sent[drained]!.json) as { type: string; resumed?: boolean };
    expect(caughtUp).to.include({ type: 'update', resumed: true });
  });

  it('in a pass over several dashboards, lets a slow peer fall behind on each and catches it up on each', async () => {
    const boards = ['d0', 'd1'].map((id, i) => unitDashboard(`id: ${id}\ntitle: D\nwidgets:\n  - { id: a, title: A, type: line, source: s, query: q${i}, every: 100ms }\n`));
    scheduler = new Scheduler({ source: () => countingSource().instance, metrics: testMetrics(), logger: silentLogger() });
    hub = new Hub({ dashboard: (id) => boards.find((b) => b.id === id), scheduler, metrics: testMetrics(), logger: silentLogger(), limits: testLimits({ slowClientBytes: 1000 }), access: new EmbedAccess(undefined) });
    const slow = new RecordingTransport();
    const fast = new RecordingTransport();
    for (const t of [slow, fast]) {
      const peer = hub.addPeer(t);
      for (const board of boards) hub.subscribe(peer, { dashboard: board.id });
    }
    slow.buffered = 5000;
    await until(() => hub.lagging === 1, 2000, 'the slow peer to fall behind');
    const [slowSent, fastSent] = [slow.sent.length, fast.sent.length];
    await new Promise((resolve) => setTimeout(resolve, 250));
    type Message = { type: string; dashboard?: string; resumed?: boolean };
    const read = (t: RecordingTransport, from: number): Message[] => t.sent.slice(from).map((m) => JSON.parse(m.json) as Message);
    expect(slow.sent.length).to.equal(slowSent);
    expect(new Set(read(fast, fastSent).filter((m) => m.type === 'update').map((m) => m.dashboard))).to.deep.equal(new Set(['d0', 'd1']));
    slow.buffered = 0;
    await until(() => hub.lagging === 0, 2000, 'the catch-up');
    const caughtUp = read(slow, slowSent).slice(0, 2);
    expect(caughtUp.map((m) => m.resumed)).to.deep.equal([true, true]);
    expect(new Set(caughtUp.map((m) => m.dashboard))).to.deep.equal(new Set(['d0', 'd1']));
  });

  for (const [case_, idle] of [['most peers get something', 0], ['few peers get something', 12]] as const) {
    it(`in a pass over several dashboards, writes to the peers in the order they connected (${case_})`, async () => {
      // d0..d2 tick together; d3's viewers (`idle` of them) get nothing in that pass.
      const boards = [0, 1, 2, 3].map((i) => unitDashboard(`id: d${i}\ntitle: D\nwidgets:\n  - { id: a, title: A, type: line, source: s, query: q${i}, every: 1h }\n`));
      scheduler = new Scheduler({ source: () => countingSource().instance, metrics: testMetrics(), logger: silentLogger() });
      hub = new Hub({ dashboard: (id) => boards.find((b) => b.id === id), scheduler, metrics: testMetrics(), logger: silentLogger(), limits: testLimits({ coalesceMs: 300 }), access: new EmbedAccess(undefined) });
      const order: number[] = [];
      const named: string[] = [];
      const watched = Array.from({ length: 9 }, (_, i) => `d${i % 3}`);
      const peers = [...watched, ...Array.from({ length: idle }, () => 'd3')].map((dashboard, i) => {
        const transport = new RecordingTransport();
        transport.send = (message) => {
          transport.sent.push(message);
          if (!message.json.startsWith('{"type":"update"')) return;
          order.push(i);
          named.push((JSON.parse(message.json) as { dashboard: string }).dashboard);
        };
        return { peer: hub.addPeer(transport), dashboard };
      });
      // Subscribed last to first: each view lists its viewers against the order they connected.
      const views = [...peers].reverse().map(({ peer, dashboard }) => hub.subscribe(peer, { dashboard })!);
      await until(() => order.length === peers.length, 2000, 'the first runs');
      await new Promise((resolve) => setTimeout(resolve, 350));
      order.length = 0;
      named.length = 0;
      for (const id of ['d2', 'd0', 'd1']) views.find((v) => v.dashboard.id === id)!.jobs.get('a')!.tick();
      await until(() => order.length === watched.length, 2000, 'the pass');
      expect(order).to.deep.equal(watched.map((_, i) => i));
      expect(named).to.deep.equal(watched);
    });
  }

  it('closes a peer with 4008 when a reply would take its queue past max_client_queue_bytes, and forgets it', () => {
    start({ maxClientQueueBytes: 4096 });
    const t = new RecordingTransport();
    const peer = hub.addPeer(t);
    hub.subscribe(peer, { dashboard: 'd' });
    t.buffered = 4000;
    hub.subscribe(peer, { dashboard: 'd' });
    expect(t.closedWith?.code).to.equal(4008);
    expect(peer.closed).to.equal(true);
    expect(hub.connections).to.equal(0);
    expect(hub.viewers).to.equal(0);
    expect(hub.viewCount).to.equal(0);
  });

  it('never lets a peer it let go of join a view again (its close handshake may still bring subscribes)', () => {
    start();
    const peer = hub.addPeer(new RecordingTransport());
    hub.removePeer(peer);
    expect(codeOf(() => hub.subscribe(peer, { dashboard: 'd' }))).to.equal('RTDASH_BAD_MESSAGE');
    expect(hub.viewers).to.equal(0);
    expect(hub.viewCount).to.equal(0);
  });

  it('refuses subscribes past max_subscribes_per_second (bursts of twice that) without doing them', () => {
    start({ maxSubscribesPerSecond: 3 });
    const t = new RecordingTransport();
    const peer = hub.addPeer(t);
    const codes = Array.from({ length: 8 }, () => codeOf(() => hub.subscribe(peer, { dashboard: 'd' })));
    expect(codes).to.deep.equal([undefined, undefined, undefined, undefined, undefined, undefined, 'RTDASH_RATE_LIMITED', 'RTDASH_RATE_LIMITED']);
    expect(t.types().filter((type) => type === 'snapshot')).to.have.length(6);
    expect(codeOf(() => hub.unsubscribe(peer, 'd'))).to.equal('RTDASH_RATE_LIMITED');
    expect(hub.viewers).to.equal(1);
  });

  it('refuses subscribes past the server-wide max_snapshots_per_second, whichever peer sends them', () => {
    start({ maxSnapshotsPerSecond: 2 });
    const codes = Array.from({ length: 6 }, () => codeOf(() => hub.subscribe(hub.addPeer(new RecordingTransport()), { dashboard: 'd' })));
    expect(codes.filter((c) => c === undefined)).to.have.length(4);
    expect(codes.filter((c) => c === 'RTDASH_SERVER_BUSY')).to.have.length(2);
  });

  it('closes every peer at shutdown and leaves no view', () => {
    start();
    const t = new RecordingTransport();
    hub.subscribe(hub.addPeer(t), { dashboard: 'd' });
    hub.close(1001, 'bye');
    expect(t.closedWith).to.deep.equal({ code: 1001, reason: 'bye' });
    expect(hub.connections).to.equal(0);
    expect(hub.viewCount).to.equal(0);
  });
});
