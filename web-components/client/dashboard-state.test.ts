import { expect } from 'chai';
import { DashboardState, appendRows, trim, type SnapshotMessage, type UpdateEntry } from './dashboard-state.js';
import type { Frame, WidgetDefinition } from './types.js';

const series = (times: number[], values: number[]): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: times },
    { name: 'v', type: 'number', values },
  ],
});
const def = (id: string, keep: WidgetDefinition['keep']): WidgetDefinition => ({ id, title: id, type: 'line', size: { w: 4, h: 3 }, intervalMs: 1000, keep });
const snapshot = (widgets: WidgetDefinition[], entries: UpdateEntry[]): SnapshotMessage => ({
  type: 'snapshot',
  dashboard: 'd',
  version: 'v1',
  reason: 'subscribe',
  vars: { region: 'eu' },
  definition: { id: 'd', title: 'D', version: 'v1', layout: { columns: 12 }, variables: [], widgets },
  widgets: entries,
});
const entry = (w: string, seq: number, extra: Partial<UpdateEntry> = {}): UpdateEntry => ({ w, seq, at: seq, lastGoodAt: seq, status: 'ok', ...extra });

describe('DashboardState (what a page keeps of a dashboard)', () => {
  it('appends new points, replacing a last bucket that is still filling', () => {
    expect(appendRows(series([1, 2], [10, 20]), series([2, 3], [25, 30]))).to.deep.equal(series([1, 2, 3], [10, 25, 30]));
    expect(appendRows(series([1], [10]), series([5], [50]))).to.deep.equal(series([1, 5], [10, 50]));
  });

  it('takes the new frame whole when its columns differ from what it had', () => {
    const other: Frame = { fields: [{ name: 'x', type: 'number', values: [1] }] };
    expect(appendRows(series([1], [10]), other)).to.equal(other);
  });

  it('trims to the points or the time window the widget keeps', () => {
    expect(trim(series([1, 2, 3, 4], [1, 2, 3, 4]), def('a', { points: 2 }))).to.deep.equal(series([3, 4], [3, 4]));
    expect(trim(series([1000, 2000, 3000, 4000], [1, 2, 3, 4]), def('a', { ms: 1500 }))).to.deep.equal(series([3000, 4000], [3, 4]));
  });

  it('keeps tables and frames without time whole, as the server does', () => {
    const bars: Frame = { fields: [{ name: 'region', type: 'string', values: ['eu', 'us', 'apac'] }, { name: 'orders', type: 'number', values: [3, 4, 5] }] };
    expect(trim(bars, def('a', { points: 1 }))).to.equal(bars);
    expect(trim(series([1, 2, 3], [1, 2, 3]), { ...def('t', { points: 1 }), type: 'table' })).to.deep.equal(series([1, 2, 3], [1, 2, 3]));
  });

  it('keeps the last good data under an error, moves lastGoodAt on with a frameless entry, and ignores repeats', () => {
    const state = new DashboardState();
    state.applySnapshot(snapshot([def('a', { points: 100 })], [entry('a', 10, { op: 'replace', frame: series([1], [1]) })]));
    const err = { code: 'RTDASH_QUERY_TIMEOUT', message: 'timed out' };
    expect(state.applyUpdate({ type: 'update', dashboard: 'd', updates: [entry('a', 11, { status: 'error', error: err, lastGoodAt: 10 })] })).to.deep.equal(['a']);
    expect(state.widgets.get('a')).to.deep.include({ status: 'error', error: err, frame: series([1], [1]) });
    state.applyUpdate({ type: 'update', dashboard: 'd', updates: [entry('a', 12)] });
    expect(state.widgets.get('a')).to.deep.include({ status: 'ok', lastGoodAt: 12, frame: series([1], [1]) });
    expect(state.widgets.get('a')!.error).to.equal(undefined);
    // A resumed update may repeat what was applied; applying it twice must not duplicate points.
    const again = { type: 'update' as const, dashboard: 'd', updates: [entry('a', 13, { op: 'append', frame: series([2], [2]) })] };
    state.applyUpdate(again);
    expect(state.applyUpdate(again)).to.deep.equal([]);
    expect(state.widgets.get('a')!.frame).to.deep.equal(series([1, 2], [1, 2]));
  });

  it('gives the positions and the SSE/poll cursor to resume from', () => {
    const state = new DashboardState();
    expect(state.cursor()).to.equal(undefined);
    state.applySnapshot(snapshot([def('a', { points: 5 }), def('b', { points: 5 })], [entry('a', 7, { op: 'replace', frame: series([1], [1]) }), entry('b', 9, { op: 'replace', frame: series([1], [1]) })]));
    expect(state.positions()).to.deep.equal({ a: 7, b: 9 });
    expect(state.cursor()).to.equal('v1|a:7,b:9');
  });

  it('drops entries of widgets the definition does not have', () => {
    const state = new DashboardState();
    state.applySnapshot(snapshot([def('a', { points: 5 })], []));
    expect(state.applyUpdate({ type: 'update', dashboard: 'd', updates: [entry('gone', 3, { op: 'replace', frame: series([1], [1]) })] })).to.deep.equal([]);
    expect(state.widgets.has('gone')).to.equal(false);
  });

  it('keeps a range widget\'s whole frame, however little the widget keeps', () => {
    const state = new DashboardState();
    const range = { from: 'now-1h', to: 'now', fromMs: 0, toMs: 3_600_000, live: true, bucket: 60 };
    state.applySnapshot({ ...snapshot([{ ...def('a', { points: 2 }), range: true }], [entry('a', 1, { op: 'replace', frame: series([1, 2, 3], [1, 2, 3]) })]), range });
    expect(state.range).to.deep.equal(range);
    expect(state.widgets.get('a')!.frame).to.deep.equal(series([1, 2, 3], [1, 2, 3]));
    state.applyUpdate({ type: 'update', dashboard: 'd', updates: [entry('a', 2, { op: 'replace', frame: series([2, 3, 4, 5], [2, 3, 4, 5]) })] });
    expect(state.widgets.get('a')!.frame, 'each run is the whole window').to.deep.equal(series([2, 3, 4, 5], [2, 3, 4, 5]));
  });
});

