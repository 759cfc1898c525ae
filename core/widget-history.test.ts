import { expect } from 'chai';
import type { Frame } from './frame.js';
import { WidgetHistory, updateLogDepth, type UpdateEntry } from './widget-history.js';
import { entryJson } from './stream/protocol.js';
import { applyChange } from '../web-components/client/dashboard-state.js';
import type { DeltaEntry } from '../web-components/client/protocol.js';

const series = (times: number[], values: number[]): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: times },
    { name: 'v', type: 'number', values },
  ],
});
/** An update entry as it goes on the wire (in a message built when it was made). */
const wire = (entry: UpdateEntry | undefined) => JSON.parse(entryJson(entry!, entry!.at)) as DeltaEntry & Record<string, unknown>;
const full = (json: string) => JSON.parse(json) as { seq: number; status: string; frame: Frame; lastGoodAt: number | null; error?: { message: string } };

describe('WidgetHistory', () => {
  it('sends the first frame whole, then only the new points as values per column', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 100 }, 1000);
    const first = h.applyFrame(series([1, 2, 3], [10, 20, 30]), 5)!;
    expect(first.seq).to.equal(1001);
    // A job's first entry is its whole state with its seq: viewers of an earlier life of the job start over from it.
    expect(wire(first)).to.deep.equal({ w: 'w', seq: 1001, at: 5, lastGoodAt: 5, status: 'ok', frame: series([1, 2, 3], [10, 20, 30]) });
    expect(full(h.snapshot())).to.deep.include({ seq: 1001, status: 'ok', lastGoodAt: 5, frame: series([1, 2, 3], [10, 20, 30]) });
    const next = h.applyFrame(series([2, 3, 4, 5], [20, 30, 40, 50]), 6)!;
    expect(entryJson(next, 6)).to.equal('{"w":"w","a":[[4,5],[40,50]]}');
    expect(entryJson(next, 9), 'an entry sent later says how old it is').to.equal('{"w":"w","dt":3,"a":[[4,5],[40,50]]}');
    expect(h.frame.fields[1]!.values).to.deep.equal([10, 20, 30, 40, 50]);
  });

  it('takes back the last point when its bucket is still filling, and sends nothing when nothing changed', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 100 }, 0);
    h.applyFrame(series([60, 120], [1, 2]), 1);
    expect(wire(h.applyFrame(series([60, 120], [1, 5]), 2))).to.deep.equal({ w: 'w', a: [[120], [5]], p: 1 });
    expect(h.frame.fields[1]!.values).to.deep.equal([1, 5]);
    expect(h.applyFrame(series([60, 120], [1, 5]), 3)).to.equal(undefined);
  });

  it('says how many points fell out of what the widget keeps', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 3 }, 0);
    h.applyFrame(series([1, 2, 3], [1, 2, 3]), 1);
    expect(wire(h.applyFrame(series([4, 5], [4, 5]), 2))).to.deep.equal({ w: 'w', a: [[4, 5], [4, 5]], x: 2 });
    expect(h.frame.fields[0]!.values).to.deep.equal([3, 4, 5]);
  });

  it('sends a sliding range window as the rows it dropped and added, not the whole window', () => {
    const h = new WidgetHistory('r', 'replace', { kind: 'points', count: 2 }, 0);
    h.applyFrame(series([0, 60, 120, 180], [1, 2, 3, 4]), 1);
    // The window moved by a bucket: the oldest went, the last (still filling) changed, a new one began.
    expect(wire(h.applyFrame(series([60, 120, 180, 240], [2, 3, 9, 1]), 2))).to.deep.equal({ w: 'r', a: [[180, 240], [9, 1]], p: 1, x: 1 });
    expect(h.frame).to.deep.equal(series([60, 120, 180, 240], [2, 3, 9, 1]));
    // A live window whose last row sits at "now": that row is taken back, whatever its time, and the new rows follow.
    const live = new WidgetHistory('r', 'replace', { kind: 'points', count: 2 }, 0);
    live.applyFrame(series([60, 120, 180, 200], [2, 3, 9, 1]), 1);
    expect(wire(live.applyFrame(series([120, 180, 240, 250], [3, 9, 5, 4]), 2))).to.deep.equal({ w: 'r', a: [[240, 250], [5, 4]], p: 1, x: 1 });
    // Rows that changed inside the window: the values are sent, under the columns viewers have.
    expect(wire(h.applyFrame(series([60, 120, 180, 240], [7, 3, 9, 1]), 3))).to.deep.equal({ w: 'r', v: [[60, 120, 180, 240], [7, 3, 9, 1]] });
  });

  it('sends a new frame whole when its columns change, with its facts', () => {
    const h = new WidgetHistory('t', 'replace', { kind: 'points', count: 10 }, 0);
    h.applyFrame({ fields: [{ name: 'a', type: 'number', values: [1] }] }, 1);
    const wider: Frame = { fields: [{ name: 'a', type: 'number', values: [1] }, { name: 'b', type: 'string', values: ['x'] }], meta: { truncated: true } };
    expect(wire(h.applyFrame(wider, 2))).to.deep.equal({ w: 't', f: { fields: wider.fields }, meta: { truncated: true } });
  });

  it('gives the same state to a viewer that applies each update as the server keeps, over many random runs', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const [mode, keep] of [['append', { kind: 'points', count: 8 }], ['append', { kind: 'duration', ms: 5 }], ['replace', { kind: 'points', count: 8 }]] as const) {
      const h = new WidgetHistory('w', mode, keep, 0);
      let start = 0;
      let client: Frame = { fields: [] };
      for (let run = 1; run <= 300; run++) {
        start += Math.floor(random() * 3);
        const length = 1 + Math.floor(random() * 6);
        const times = Array.from({ length }, (_, i) => start + i);
        const entry = h.applyFrame(series(times, times.map(() => Math.floor(random() * 3))), run);
        if (entry !== undefined) client = entry.full ? (wire(entry) as unknown as { frame: Frame }).frame : applyChange(client, wire(entry));
        expect(client, `${mode} run ${run}`).to.deep.equal({ fields: h.frame.fields });
      }
    }
  });

  it('keeps a bounded history by points or by duration', () => {
    const byPoints = new WidgetHistory('w', 'append', { kind: 'points', count: 3 }, 0);
    byPoints.applyFrame(series([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]), 1);
    expect(byPoints.frame.fields[0]!.values).to.deep.equal([3, 4, 5]);
    const byTime = new WidgetHistory('w', 'append', { kind: 'duration', ms: 10 }, 0);
    byTime.applyFrame(series([0, 5, 10], [1, 2, 3]), 1);
    byTime.applyFrame(series([20], [4]), 2);
    expect(byTime.frame.fields[0]!.values).to.deep.equal([10, 20]);
  });

  it('keeps the data on an error, sends a repeated error once, and recovers', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 10 }, 0);
    h.applyFrame(series([1], [1]), 100);
    expect(wire(h.applyError('RTDASH_QUERY_FAILED', 'down', 200))).to.deep.equal({ w: 'w', e: { code: 'RTDASH_QUERY_FAILED', message: 'the query failed' } });
    expect(full(h.snapshot())).to.deep.include({ status: 'error', lastGoodAt: 100 });
    expect(h.frame.fields[0]!.values).to.deep.equal([1]);
    expect(h.lastGoodAt).to.equal(100);
    expect(h.applyError('RTDASH_QUERY_FAILED', 'down', 300)).to.equal(undefined);
    // Back to good with the same data: a bare entry says so (the viewer kept the data through the error).
    expect(wire(h.applyFrame(series([1], [1]), 400))).to.deep.equal({ w: 'w' });
    expect(full(h.snapshot())).to.deep.include({ status: 'ok', lastGoodAt: 400 });
  });

  it('shows viewers only the sentence of a source failure and keeps the full message for admins', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 10 }, 0);
    const entry = wire(h.applyError('RTDASH_QUERY_FAILED', `syntax error at or near "ANDD"`, 100)) as { error?: unknown };
    expect(entry.error, 'the first entry is a whole state').to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
    expect(h.snapshot()).not.to.include('ANDD');
    expect(JSON.parse(h.detailedSnapshot()).error).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed', detail: 'syntax error at or near "ANDD"' });
    // Another driver message behind the same sentence changes nothing for viewers.
    expect(h.applyError('RTDASH_QUERY_FAILED', 'relation "x" does not exist', 200)).to.equal(undefined);
    expect(h.errorDetail).to.equal('relation "x" does not exist');
  });

  it('answers since(seq) with exactly the missed entries, or undefined when it cannot', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 1000 }, 500);
    for (let i = 1; i <= 5; i++) h.applyFrame(series([i], [i]), i);
    expect(h.since(502)!.map((e) => e.seq)).to.deep.equal([503, 504, 505]);
    expect(h.since(505)).to.deep.equal([]);
    expect(h.since(499)).to.equal(undefined); // from an earlier life of the job
    expect(h.since(506)).to.equal(undefined); // from the future
    for (let i = 6; i <= 600; i++) h.applyFrame(series([i], [i]), i);
    expect(h.since(501)).to.equal(undefined); // the log no longer reaches back
    expect(h.logSize().entries).to.equal(512);
  });

  it('keeps about as many updates for resuming as its keep holds points, 64 to 512', () => {
    expect(updateLogDepth({ kind: 'points', count: 60 }, 1000)).to.equal(64);
    expect(updateLogDepth({ kind: 'points', count: 300 }, 1000)).to.equal(300);
    expect(updateLogDepth({ kind: 'duration', ms: 600_000 }, 5000)).to.equal(120);
    expect(updateLogDepth({ kind: 'duration', ms: 3_600_000 }, 1000)).to.equal(512);
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 60 }, 0, Infinity, updateLogDepth({ kind: 'points', count: 60 }, 1000));
    for (let i = 1; i <= 200; i++) h.applyFrame(series([i], [i]), i);
    expect(h.logSize().entries).to.equal(64);
    expect(h.since(200 - 64)!.map((e) => e.seq)).to.have.length(64); // the last 64 changes, exactly
    expect(h.since(200 - 65)).to.equal(undefined); // further back: the whole state instead
  });

  it('restamps the whole state under a seq of its choice, and drops from the log the changes nobody was shown', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 1000 }, 500);
    for (let i = 1; i <= 5; i++) h.applyFrame(series([i], [i]), i);
    // 503 was the last one viewers got; 504 and 505 were made but never shown: they go out as one whole state, 504.
    const whole = h.restamp(504, 503);
    expect(whole).to.include({ seq: 504, full: true });
    expect(h.seq).to.equal(504);
    expect(full(h.snapshot()).frame.fields[1]!.values, 'the state is the history as it stands').to.deep.equal([1, 2, 3, 4, 5]);
    expect(h.since(502)!.map((e) => [e.seq, e.full === true]), 'a viewer at 502 gets 503, then the whole state').to.deep.equal([
      [503, false],
      [504, true],
    ]);
    expect(h.since(503)!.map((e) => e.seq), 'one at 503 gets the whole state').to.deep.equal([504]);
  });

  it('replaces tables whole and skips identical ones', () => {
    const h = new WidgetHistory('t', 'replace', { kind: 'points', count: 10 }, 0);
    const table: Frame = { fields: [{ name: 'name', type: 'string', values: ['a'] }] };
    expect(wire(h.applyFrame(table, 1))).to.deep.include({ w: 't', seq: 1, frame: table });
    const other: Frame = { fields: [{ name: 'name', type: 'string', values: ['b'] }] };
    expect(wire(h.applyFrame(other, 2))).to.deep.equal({ w: 't', v: [['b']] });
    expect(h.applyFrame({ fields: [{ name: 'name', type: 'string', values: ['b'] }] }, 3)).to.equal(undefined);
  });

  it('confirms unchanged data with a frameless update once it would look stale', () => {
    const h = new WidgetHistory('t', 'replace', { kind: 'points', count: 10 }, 0, 300);
    const table: Frame = { fields: [{ name: 'name', type: 'string', values: ['a'] }] };
    h.applyFrame(table, 1000);
    expect(h.applyFrame(table, 1100)).to.equal(undefined);
    const confirm = h.applyFrame(table, 1300)!;
    expect(wire(confirm), 'a good run that changed nothing').to.deep.equal({ w: 't' });
    expect(confirm.at).to.equal(1300);
    expect(h.applyFrame(table, 1400)).to.equal(undefined);
  });

  it('keeps every row of a frame without time, whatever keep says', () => {
    const h = new WidgetHistory('bar', 'append', { kind: 'points', count: 1 }, 0);
    const bars: Frame = { fields: [{ name: 'region', type: 'string', values: ['eu', 'us', 'apac'] }, { name: 'orders', type: 'number', values: [3, 2, 1] }] };
    h.applyFrame(bars, 1);
    expect(h.frame.fields[0]!.values).to.deep.equal(['eu', 'us', 'apac']);
  });
});
