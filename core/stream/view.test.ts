import { expect } from 'chai';
import { silentLogger } from '../logger.js';
import { Scheduler } from '../scheduler.js';
import { countingSource, testMetrics, unitDashboard } from '../test-support.js';
import { until } from '../../test/support/test-server.js';
import { View } from './view.js';

const DASHBOARD = unitDashboard(`id: d
title: D
widgets:
  - { id: a, title: A, type: line, source: s, query: qa, every: 1h }
  - { id: b, title: B, type: line, source: s, query: qb, every: 1h }
  - { id: note, title: Note, type: text, content: hello }
`);

describe('View', () => {
  let scheduler: Scheduler;
  beforeEach(() => {
    scheduler = new Scheduler({ source: () => countingSource().instance, metrics: testMetrics(), logger: silentLogger() });
  });
  afterEach(() => scheduler.stop());

  it('holds one job per widget with a source, and lets go of them when disposed', () => {
    const view = new View('k', DASHBOARD, {}, scheduler, () => undefined);
    expect([...view.jobs.keys()]).to.deep.equal(['a', 'b']);
    view.dispose();
    for (const job of scheduler.jobs()) expect(job.listeners.size).to.equal(0);
  });

  it('hands over the gathered updates as one batch, with the positions a peer that misses it stands at', async () => {
    const dirty: boolean[] = [];
    const view = new View('k', DASHBOARD, {}, scheduler, (_v, urgent) => dirty.push(urgent));
    const start = Object.fromEntries(view.currentPositions());
    expect(view.takeBatch()).to.equal(undefined);
    // Each job's first run is at once; both updates wait in the view until the hub takes them.
    await until(() => dirty.length === 2, 2000, 'both first runs');
    expect(view.hasPending).to.equal(true);
    const batch = view.takeBatch()!;
    expect(batch.view).to.equal(view);
    expect(batch.before).to.deep.equal(start);
    expect(view.currentPositions().get('a')).to.be.above(start.a!);
    const message = JSON.parse(batch.message.json) as { type: string; updates: { w: string; seq: number }[] };
    expect(message.type).to.equal('update');
    expect(message.updates.map((u) => u.w).sort()).to.deep.equal(['a', 'b']);
    expect(batch.message.eventId).to.match(/\|a:\d+,b:\d+$/);
    expect(view.hasPending).to.equal(false);
    expect(view.takeBatch()).to.equal(undefined);
    // A peer that missed the batch catches up with exactly its updates.
    const catchUp = JSON.parse(view.catchUp(batch.before).json) as { resumed: boolean; updates: { w: string }[] };
    expect(catchUp.resumed).to.equal(true);
    expect(catchUp.updates.map((u) => u.w).sort()).to.deep.equal(['a', 'b']);
    view.dispose();
  });

  it('tracks its peers and says when the last one left', () => {
    const view = new View('k', DASHBOARD, {}, scheduler, () => undefined);
    const p1 = {} as never;
    const p2 = {} as never;
    view.join(p1);
    view.join(p2);
    expect(view.peers.size).to.equal(2);
    expect(view.leave(p1)).to.equal(false);
    expect(view.leave(p2)).to.equal(true);
    view.dispose();
  });

  it('builds a snapshot with the viewer-safe definition and every widget', () => {
    const view = new View('k', DASHBOARD, {}, scheduler, () => undefined);
    const snapshot = JSON.parse(view.snapshot('subscribe').json) as { type: string; reason: string; widgets: unknown[]; definition: { id: string } };
    expect(snapshot).to.include({ type: 'snapshot', reason: 'subscribe' });
    expect(snapshot.definition.id).to.equal('d');
    expect(snapshot.widgets).to.have.length(2);
    view.dispose();
  });

  it('serialises a snapshot once and hands out the same bytes until a widget changes', async () => {
    const dirty: boolean[] = [];
    const view = new View('k', DASHBOARD, {}, scheduler, () => dirty.push(true));
    const first = view.snapshot('subscribe');
    expect(view.snapshot('subscribe')).to.equal(first);
    expect(view.snapshot('subscribe').buffer).to.equal(first.buffer);
    expect(view.snapshot('reload')).not.to.equal(first);
    // The jobs' first runs change both widgets: the next subscriber gets their new state.
    await until(() => dirty.length === 2, 2000, 'both first runs');
    const next = view.snapshot('subscribe');
    expect(next).not.to.equal(first);
    const widgets = (JSON.parse(next.json) as { widgets: { status: string }[] }).widgets;
    expect(widgets.map((w) => w.status)).to.deep.equal(['ok', 'ok']);
    expect(next.eventId).not.to.equal(first.eventId);
    expect(view.snapshot('subscribe')).to.equal(next);
    view.dispose();
  });
});
