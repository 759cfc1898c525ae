import { expect } from 'chai';
import { RtdashError } from './errors.js';
import type { TimeSettings } from './model.js';
import { bucketFor, checkRange, isRangeWidget, parseRangeEnd, resolveRange } from './time-range.js';

const TIME: TimeSettings = { default: { from: 'now-1h', to: 'now' }, choices: ['1h'], max: '30d', maxMs: 30 * 86_400_000, maxPoints: 600 };
const NOW = Date.parse('2026-12-07T06:00:00Z');

function refused(input: unknown, pattern: RegExp): void {
  expect(() => checkRange('ops', TIME, input, NOW), JSON.stringify(input)).to.throw(RtdashError, pattern).with.property('code', 'RTDASH_RANGE_INVALID');
}

describe('time ranges', () => {
  it('parses now, now-<n><unit>, ISO-8601 times and epoch milliseconds', () => {
    expect(parseRangeEnd('now', 'to')).to.deep.equal({ kind: 'relative', offsetMs: 0 });
    expect(parseRangeEnd('now-6h', 'from')).to.deep.equal({ kind: 'relative', offsetMs: -6 * 3_600_000 });
    expect(parseRangeEnd('now-2w', 'from')).to.deep.equal({ kind: 'relative', offsetMs: -14 * 86_400_000 });
    expect(parseRangeEnd('2026-12-01T10:00:00Z', 'from')).to.deep.equal({ kind: 'absolute', ms: Date.parse('2026-12-01T10:00:00Z') });
    expect(parseRangeEnd('2026-12-01T11:00:00+01:00', 'from')).to.deep.equal({ kind: 'absolute', ms: Date.parse('2026-12-01T10:00:00Z') });
    // Without an offset a time is UTC, wherever the server runs.
    expect(parseRangeEnd('2026-12-01T10:00', 'from')).to.deep.equal({ kind: 'absolute', ms: Date.parse('2026-12-01T10:00:00Z') });
    expect(parseRangeEnd('2026-12-01', 'from')).to.deep.equal({ kind: 'absolute', ms: Date.parse('2026-12-01T00:00:00Z') });
    expect(parseRangeEnd('1796104800000', 'from')).to.deep.equal({ kind: 'absolute', ms: 1796104800000 });
    expect(parseRangeEnd(1796104800000, 'from')).to.deep.equal({ kind: 'absolute', ms: 1796104800000 });
  });

  it('names what is wrong with an expression', () => {
    const cases: [unknown, RegExp][] = [
      ['now-1x', /"from" "now-1x" has an unknown unit "x"; use s, m, h, d or w/],
      ['now-6', /unknown unit ""/],
      ['now+1h', /lies in the future/],
      ['nowish', /not a range expression/],
      ['yesterday', /"from" "yesterday" is not a time: write now, now-<number><unit>/],
      ['2026-13-45T99:00:00Z', /is not a time/],
      [1.5, /whole number/],
      [null, /must be a string/],
      [{}, /must be a string/],
    ];
    for (const [value, pattern] of cases) {
      expect(() => parseRangeEnd(value, 'from'), String(value)).to.throw(RtdashError, pattern).with.property('code', 'RTDASH_RANGE_INVALID');
    }
  });

  it('picks the smallest bucket of the ladder that keeps a range under max_points', () => {
    expect(bucketFor(5 * 60_000, 600)).to.equal(1); // 300 points
    expect(bucketFor(3_600_000, 600)).to.equal(10); // 360 points at 10 s; 720 at 5 s
    expect(bucketFor(6 * 3_600_000, 600)).to.equal(60);
    expect(bucketFor(24 * 3_600_000, 600)).to.equal(300);
    expect(bucketFor(7 * 86_400_000, 600)).to.equal(3600);
    expect(bucketFor(30 * 86_400_000, 600)).to.equal(21600); // 720 points at 1 h is over: 6 h
    expect(bucketFor(30 * 86_400_000, 100)).to.equal(86400);
    expect(bucketFor(10_000 * 86_400_000, 10)).to.equal(86400); // past the ladder: its largest rung
  });

  it('checks a viewer range against the dashboard and resolves it at each run', () => {
    const live = checkRange('ops', TIME, { from: 'now-6h', to: 'now' }, NOW)!;
    expect(live).to.include({ from: 'now-6h', to: 'now', live: true, key: 'now-6h|now' });
    const first = resolveRange(live, 600, NOW);
    expect(first).to.deep.equal({ fromMs: NOW - 6 * 3_600_000, toMs: NOW, bucketSeconds: 60, live: true });
    // A relative range slides: resolved a minute later, both ends moved by a minute.
    expect(resolveRange(live, 600, NOW + 60_000).fromMs).to.equal(first.fromMs + 60_000);

    const fixed = checkRange('ops', TIME, { from: '2026-12-01T00:00:00Z', to: 1796104800000 }, NOW)!;
    expect(fixed).to.include({ live: false, key: `${Date.parse('2026-12-01T00:00:00Z')}|1796104800000` });
    expect(resolveRange(fixed, 600, NOW + 3_600_000).toMs).to.equal(1796104800000);

    // Left out: the dashboard's default; one end left out takes the default's.
    expect(checkRange('ops', TIME, undefined, NOW)).to.include({ from: 'now-1h', to: 'now', live: true });
    expect(checkRange('ops', TIME, { from: 'now-24h' }, NOW)).to.include({ from: 'now-24h', to: 'now' });
    expect(checkRange('plain', undefined, undefined, NOW)).to.equal(undefined);
  });

  it('refuses every bad range with RTDASH_RANGE_INVALID naming the problem', () => {
    refused({ from: 'now', to: 'now-1h' }, /"from" "now" is not before "to" "now-1h"/);
    refused({ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' }, /is not before/);
    refused({ from: 'now-31d', to: 'now' }, /longer than the dashboard's max of 30d/);
    refused({ from: 'now-1x', to: 'now' }, /unknown unit "x"/);
    refused({ from: '2026-12-07T00:00:00Z', to: '2026-12-08T00:00:00Z' }, /"to" "2026-12-08T00:00:00Z" \(2026-12-08T00:00:00.000Z\) is in the future/);
    expect(() => checkRange('ops', undefined, { from: 'now-1h', to: 'now' }, NOW)).to.throw(RtdashError, /dashboard "ops" has no time range \(no "time:" in its file\)/).with.property('code', 'RTDASH_RANGE_INVALID');
    refused({ from: 'last week', to: 'now' }, /"from" "last week" is not a time/);
    refused({ from: 'now-1h', to: '2026-12-07T05:00:00Z' }, /relative to now but "to" .* is a fixed time/);
    refused({ from: 'now-1h', until: 'now' }, /takes only "from" and "to"; got "until"/);
    refused('now-1h', /"range" must be an object/);
    const few = { ...TIME, maxPoints: 10 };
    expect(() => checkRange('ops', few, { from: 'now-20d' }, NOW)).to.throw(RtdashError, /would have 20 points even at the largest bucket \(1d\), more than the dashboard's max_points of 10/);
  });

  it('counts charts whose query uses the range as range widgets', () => {
    expect(isRangeWidget({ type: 'line', usesRange: true })).to.equal(true);
    expect(isRangeWidget({ type: 'bar', usesRange: true })).to.equal(true);
    expect(isRangeWidget({ type: 'stat', usesRange: true })).to.equal(false);
    expect(isRangeWidget({ type: 'line' })).to.equal(false);
  });
});
