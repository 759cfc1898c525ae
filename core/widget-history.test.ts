import { expect } from 'chai';
import type { Frame } from './frame.js';
import { WidgetHistory } from './widget-history.js';

const series = (times: number[], values: number[]): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: times },
    { name: 'v', type: 'number', values },
  ],
});
const body = (json: string) => JSON.parse(json) as { seq: number; op?: string; status: string; frame?: Frame; error?: { message: string } };

describe('WidgetHistory', () => {
  it('replaces on the first frame, then sends only new points', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 100 }, 1000);
    const first = body(h.applyFrame(series([1, 2, 3], [10, 20, 30]), 5)!.json);
    expect(first).to.include({ seq: 1001, op: 'replace', status: 'ok' });
    const next = body(h.applyFrame(series([2, 3, 4, 5], [20, 30, 40, 50]), 6)!.json);
    expect(next.op).to.equal('append');
    expect(next.frame!.fields[0]!.values).to.deep.equal([4, 5]);
    expect(h.frame.fields[1]!.values).to.deep.equal([10, 20, 30, 40, 50]);
  });

  it('replaces the last point when its bucket is still filling, and sends nothing when nothing changed', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 100 }, 0);
    h.applyFrame(series([60, 120], [1, 2]), 1);
    const update = body(h.applyFrame(series([60, 120], [1, 5]), 2)!.json);
    expect(update.frame!.fields[1]!.values).to.deep.equal([5]);
    expect(h.frame.fields[1]!.values).to.deep.equal([1, 5]);
    expect(h.applyFrame(series([60, 120], [1, 5]), 3)).to.equal(undefined);
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
    const err = body(h.applyError('RTDASH_QUERY_FAILED', 'down', 200)!.json);
    expect(err).to.include({ status: 'error' });
    expect(h.frame.fields[0]!.values).to.deep.equal([1]);
    expect(h.lastGoodAt).to.equal(100);
    expect(h.applyError('RTDASH_QUERY_FAILED', 'down', 300)).to.equal(undefined);
    expect(body(h.applyFrame(series([1], [1]), 400)!.json)).to.include({ status: 'ok' });
  });

  it('shows viewers only the sentence of a source failure and keeps the full message for admins', () => {
    const h = new WidgetHistory('w', 'append', { kind: 'points', count: 10 }, 0);
    const entry = body(h.applyError('RTDASH_QUERY_FAILED', `syntax error at or near "ANDD"`, 100)!.json);
    expect(entry.error).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
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

  it('replaces tables whole and skips identical ones', () => {
    const h = new WidgetHistory('t', 'replace', { kind: 'points', count: 10 }, 0);
    const table: Frame = { fields: [{ name: 'name', type: 'string', values: ['a'] }] };
    expect(body(h.applyFrame(table, 1)!.json).op).to.equal('replace');
    expect(h.applyFrame({ fields: [{ name: 'name', type: 'string', values: ['a'] }] }, 2)).to.equal(undefined);
  });

  it('confirms unchanged data with a frameless update once it would look stale', () => {
    const h = new WidgetHistory('t', 'replace', { kind: 'points', count: 10 }, 0, 300);
    const table: Frame = { fields: [{ name: 'name', type: 'string', values: ['a'] }] };
    h.applyFrame(table, 1000);
    expect(h.applyFrame(table, 1100)).to.equal(undefined);
    const confirm = JSON.parse(h.applyFrame(table, 1300)!.json) as Record<string, unknown>;
    expect(confirm).to.include({ status: 'ok', lastGoodAt: 1300 });
    expect(confirm).to.not.have.property('frame');
    expect(h.applyFrame(table, 1400)).to.equal(undefined);
  });

  it('keeps every row of a frame without time, whatever keep says', () => {
    const h = new WidgetHistory('bar', 'append', { kind: 'points', count: 1 }, 0);
    const bars: Frame = { fields: [{ name: 'region', type: 'string', values: ['eu', 'us', 'apac'] }, { name: 'orders', type: 'number', values: [3, 2, 1] }] };
    h.applyFrame(bars, 1);
    expect(h.frame.fields[0]!.values).to.deep.equal(['eu', 'us', 'apac']);
  });
});
