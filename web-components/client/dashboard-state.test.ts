import { expect } from 'chai';
import { DashboardState, applyChange, type SnapshotMessage } from './dashboard-state.js';
import type { DeltaEntry, FullEntry, UpdateMessage } from './protocol.js';
import type { Frame, WidgetDefinition } from './types.js';

const series = (times: number[], values: number[]): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: times },
    { name: 'v', type: 'number', values },
  ],
});
const def = (id: string, keep: WidgetDefinition['keep']): WidgetDefinition => ({ id, title: id, type: 'line', size: { w: 4, h: 3 }, intervalMs: 1000, keep });
const snapshot = (widgets: WidgetDefinition[], entries: FullEntry[]): SnapshotMessage => ({
  type: 'snapshot',
  dashboard: 'd',
  version: 'v1',
  reason: 'subscribe',
  vars: { region: 'eu' },
  definition: { id: 'd', title: 'D', version: 'v1', layout: { columns: 12 }, variables: [], widgets },
  widgets: entries,
});
const whole = (w: string, seq: number, frame: Frame): FullEntry => ({ w, seq, at: seq, lastGoodAt: seq, status: 'ok', frame });
const update = (at: number, ...updates: DeltaEntry[]): UpdateMessage => ({ type: 'update', dashboard: 'd', at, updates });

describe('DashboardState (what a page keeps of a dashboard)', () => {
  it('takes back, adds and drops rows as an update says', () => {
    expect(applyChange(series([1, 2], [10, 20]), { w: 'a', a: [[2, 3], [25, 30]], p: 1 })).to.deep.equal(series([1, 2, 3], [10, 25, 30]));
    expect(applyChange(series([1, 2, 3], [1, 2, 3]), { w: 'a', a: [[4, 5], [4, 5]], x: 2 })).to.deep.equal(series([3, 4, 5], [3, 4, 5]));
    expect(applyChange(series([1], [10]), { w: 'a', a: [[5], [50]] })).to.deep.equal(series([1, 5], [10, 50]));
  });

  it('replaces values under the same columns, or takes a new frame whole, with its facts', () => {
    expect(applyChange(series([1, 2], [1, 2]), { w: 'a', v: [[1, 2], [7, 8]] })).to.deep.equal(series([1, 2], [7, 8]));
    const other: Frame = { fields: [{ name: 'x', type: 'number', values: [1] }] };
    expect(applyChange(series([1], [10]), { w: 'a', f: other, meta: { truncated: true } })).to.deep.equal({ ...other, meta: { truncated: true } });
  });

  it('advances seq and time with each update, keeps the data under an error, and moves lastGoodAt on with a bare entry', () => {
    const state = new DashboardState();
    state.applySnapshot(snapshot([def('a', { points: 100 })], [whole('a', 10, series([1], [1]))]));
    const err = { code: 'RTDASH_QUERY_TIMEOUT', message: 'timed out' };
    expect(state.applyUpdate(update(20, { w: 'a', dt: 5, e: err }))).to.deep.equal(['a']);
    expect(state.widgets.get('a')).to.deep.include({ status: 'error', error: err, frame: series([1], [1]), seq: 11, at: 15, lastGoodAt: 10 });
    state.applyUpdate(update(30, { w: 'a' }));
    expect(state.widgets.get('a')).to.deep.include({ status: 'ok', lastGoodAt: 30, at: 30, seq: 12, frame: series([1], [1]) });
    expect(state.widgets.get('a')!.error).to.equal(undefined);
    state.applyUpdate(update(40, { w: 'a', a: [[2], [2]] }));
    expect(state.widgets.get('a')).to.deep.include({ seq: 13, frame: series([1, 2], [1, 2]) });
  });

  it('takes a whole state in an update (a catch-up past the server\'s log) as it is', () => {
    const state = new DashboardState();
    state.applySnapshot(snapshot([def('a', { points: 100 })], [whole('a', 10, series([1], [1]))]));
    state.applyUpdate({ ...update(99), updates: [whole('a', 50, series([7, 8], [7, 8]))] });
    expect(state.widgets.get('a')).to.deep.include({ seq: 50, frame: series([7, 8], [7, 8]) });
  });

  it('gives the positions and the SSE/poll cursor to resume from', () => {
    const state = new DashboardState();
    expect(state.cursor()).to.equal(undefined);
    state.applySnapshot(snapshot([def('a', { points: 5 }), def('b', { points: 5 })], [whole('a', 7, series([1], [1])), whole('b', 9, series([1], [1]))]));
    expect(state.positions()).to.deep.equal({ a: 7, b: 9 });
    expect(state.cursor()).to.equal('v1|a:7,b:9');
  });

  it('drops entries of widgets the definition does not have, and changes to widgets it has no state of', () => {
    const state = new DashboardState();
    state.applySnapshot(snapshot([def('a', { points: 5 })], []));
    expect(state.applyUpdate(update(1, { w: 'gone', a: [[1], [1]] }))).to.deep.equal([]);
    expect(state.applyUpdate(update(1, { w: 'a', a: [[1], [1]] }))).to.deep.equal([]);
    expect(state.widgets.size).to.equal(0);
  });

  it('keeps the range the snapshot is for', () => {
    const state = new DashboardState();
    const range = { from: 'now-1h', to: 'now', fromMs: 0, toMs: 3_600_000, live: true, bucket: 60 };
    state.applySnapshot({ ...snapshot([{ ...def('a', { points: 2 }), range: true }], [whole('a', 1, series([1, 2, 3], [1, 2, 3]))]), range });
    expect(state.range).to.deep.equal(range);
    state.applyUpdate(update(5, { w: 'a', a: [[3, 4], [9, 4]], p: 1, x: 1 }));
    expect(state.widgets.get('a')!.frame, 'the window slid by a bucket').to.deep.equal(series([2, 3, 4], [2, 9, 4]));
  });
});
