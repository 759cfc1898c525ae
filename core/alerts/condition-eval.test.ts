import { expect } from 'chai';
import { parseCondition } from './condition.js';
import { evaluateCondition } from './condition-eval.js';
import type { Series } from './series.js';

const MIN = 60_000;
// One point a minute from 1m to 10m; the 3m point has no value.
const series: Series = {
  times: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((m) => m * MIN),
  columns: {
    v: [10, 20, null, 40, 50, 60, 70, 80, 90, 100],
    p95: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  },
};
const NOW = 10 * MIN;

/** The value of one reducer call at `now`, read through a condition that uses it. */
function value(call: string, now = NOW, s: Series = series): number | null {
  const result = evaluateCondition(parseCondition(`${call} > 0`), s, now, 'v');
  expect(Object.keys(result.values)).to.have.length(1);
  return Object.values(result.values)[0] as number | null;
}

function holds(source: string, now = NOW, s: Series = series): boolean | null {
  return evaluateCondition(parseCondition(source), s, now, 'v').holds;
}

describe('evaluateCondition: reducers', () => {
  it('reduces the window (now − window, now], excluding its start and skipping nulls', () => {
    // avg(5m) sees 6m..10m: 60 70 80 90 100; the 5m point is exactly on the start and left out.
    expect(value('avg(5m)')).to.equal(80);
    expect(value('min(5m)')).to.equal(60);
    expect(value('max(5m)')).to.equal(100);
    expect(value('sum(5m)')).to.equal(400);
    expect(value('count(5m)')).to.equal(5);
    expect(value('last(5m)')).to.equal(100);
    expect(value('last()')).to.equal(100);
    expect(value('change(5m)')).to.equal(40);
    expect(value('rate(5m)')).to.be.closeTo(40 / 240, 1e-12); // per second across 6m..10m
    expect(value('pct_change(5m)')).to.be.closeTo((40 / 60) * 100, 1e-12);
    expect(value('count(10m)')).to.equal(9); // the null at 3m is not counted
    expect(value('avg(1d)')).to.be.closeTo(520 / 9, 1e-12);
  });

  it('shifts the window back by the offset', () => {
    // avg(3m offset 5m) sees (2m, 5m]: null, 40, 50.
    expect(value('avg(3m offset 5m)')).to.equal(45);
    expect(value('count(3m offset 5m)')).to.equal(2);
    expect(value('change(3m offset 5m)')).to.equal(10);
    expect(value('rate(3m offset 5m)')).to.be.closeTo(10 / 60, 1e-12);
    // last(offset 7m): the latest value at or before 3m, which is null there, so 20 at 2m.
    expect(value('last(offset 7m)')).to.equal(20);
    expect(value('last(2m offset 7m)')).to.equal(20);
    expect(value('last(1m offset 7m)')).to.equal(null);
  });

  it('ignores points after now and reads named columns', () => {
    expect(value('last()', 4.5 * MIN)).to.equal(40);
    expect(value('avg(2m)', 4.5 * MIN)).to.equal(40); // (2.5m, 4.5m]: null at 3m, 40 at 4m
    expect(value('max(5m, p95)')).to.equal(9);
    expect(value('last(p95)', 4.5 * MIN)).to.equal(3);
  });

  it('gives null for an empty window, except count, which is 0', () => {
    for (const fn of ['last', 'avg', 'min', 'max', 'sum', 'rate', 'change', 'pct_change']) {
      expect(value(`${fn}(5m offset 1h)`), fn).to.equal(null);
    }
    expect(value('count(5m offset 1h)')).to.equal(0);
    expect(value('last()', 0)).to.equal(null);
    expect(value('count(5m, nosuch)')).to.equal(0);
    expect(value('avg(5m, nosuch)')).to.equal(null);
    const empty: Series = { times: [], columns: { v: [] } };
    expect(value('avg(5m)', NOW, empty)).to.equal(null);
    expect(value('last()', NOW, empty)).to.equal(null);
  });

  it('needs two points for rate, change and pct_change, and a non-zero first value for pct_change', () => {
    expect(value('change(1m)')).to.equal(null);
    expect(value('rate(1m)')).to.equal(null);
    expect(value('pct_change(1m)')).to.equal(null);
    expect(value('pct_change(5m, p95)', 5 * MIN)).to.equal(null); // first value 0
    const twin: Series = { times: [MIN, MIN], columns: { v: [1, 5] } };
    expect(value('change(5m)', MIN, twin)).to.equal(4);
    expect(value('rate(5m)', MIN, twin)).to.equal(null); // no time between them
  });

  it('never lets NaN or Infinity out', () => {
    const odd: Series = { times: [MIN, 2 * MIN, 3 * MIN], columns: { v: [NaN, 5, Infinity] } };
    expect(value('avg(5m)', 3 * MIN, odd)).to.equal(5);
    expect(value('count(5m)', 3 * MIN, odd)).to.equal(1);
    expect(value('last()', 3 * MIN, odd)).to.equal(5);
    const huge: Series = { times: [MIN, 2 * MIN], columns: { v: [Number.MAX_VALUE, Number.MAX_VALUE] } };
    expect(value('sum(5m)', 2 * MIN, huge)).to.equal(null);
    expect(holds('last() / 0 > 1')).to.equal(null);
    expect(holds('avg(5m) / (last() - last()) < 1')).to.equal(null);
    expect(holds('0 * last() / 0 == 0')).to.equal(null);
    const result = evaluateCondition(parseCondition('avg(5m) / 0 > 1 or last() > 1'), odd, 3 * MIN, 'v');
    for (const v of Object.values(result.values)) expect(Number.isNaN(v)).to.equal(false);
  });
});

describe('evaluateCondition: logic', () => {
  it('compares and computes with the usual precedence', () => {
    expect(holds('avg(5m) == 80')).to.equal(true);
    expect(holds('last() > 90 and max(5m) > 95')).to.equal(true);
    expect(holds('last() == 10 + 9 * 10')).to.equal(true);
    expect(holds('last() == (10 + 9) * 10')).to.equal(false);
    expect(holds('-last() == -100 and last() - 50 - 25 == 25 and last() / 2 / 5 == 10')).to.equal(true);
    expect(holds('avg(5m) < 0.5 * avg(3m offset 5m)')).to.equal(false);
    expect(holds('not (last() > 3)')).to.equal(false);
    expect(holds('last() != 100 or count(5m) == 0')).to.equal(false);
  });

  it('follows three-valued logic: null and false is false, null or true is true, otherwise null spreads', () => {
    const T = 'last() > 0';
    const F = 'last() < 0';
    const N = 'avg(5m offset 1h) > 0';
    expect(holds(N)).to.equal(null);
    expect(holds(`avg(5m offset 1h) + 1 > 0`)).to.equal(null);
    const table: [string, boolean | null][] = [
      [`${N} and ${F}`, false], [`${F} and ${N}`, false], [`${N} and ${T}`, null], [`${N} and ${N}`, null], [`${T} and ${T}`, true],
      [`${N} or ${T}`, true], [`${T} or ${N}`, true], [`${N} or ${F}`, null], [`${N} or ${N}`, null], [`${F} or ${F}`, false],
      [`not ${N}`, null], [`not ${F}`, true],
    ];
    for (const [source, expected] of table) expect(holds(source), source).to.equal(expected);
  });

  it('reports every call value keyed by its canonical text, even when the answer is decided early', () => {
    const result = evaluateCondition(parseCondition('last() < 0 and avg( 5m ) > 1 and max(5m,p95) > 0 and avg(1h offset 1d) > 0'), series, NOW, 'v');
    expect(result).to.deep.equal({ holds: false, values: { 'last()': 100, 'avg(5m)': 80, 'max(5m, p95)': 9, 'avg(1h offset 1d)': null }, unfilled: [] });
  });
});

describe('evaluateCondition: offset windows before the data begins', () => {
  const MIN = 60_000;
  const now = 100 * MIN;
  const recent: Series = { times: [now - 2 * MIN, now - MIN, now], columns: { v: [1, 2, 3] } };

  it('reports an empty offset window that begins before the data as unfilled, and its value as unknown', () => {
    const result = evaluateCondition(parseCondition('last() > 2 * avg(5m offset 1h)'), recent, now, 'v', { collectingSince: now - 2 * MIN });
    expect(result.holds).to.equal(null);
    expect(result.unfilled.map((c) => c.key)).to.deep.equal(['avg(5m offset 1h)']);
    // A count of nothing in an unrecorded window is not a count of zero.
    expect(evaluateCondition(parseCondition('count(5m offset 1h) < 1'), recent, now, 'v', { collectingSince: now - 2 * MIN }).holds).to.equal(null);
  });

  it('judges the window once the data reaches back before it, or when the collection began earlier', () => {
    expect(evaluateCondition(parseCondition('avg(5m offset 1h) > 0'), recent, now, 'v', { collectingSince: now - 70 * MIN }).unfilled).to.deep.equal([]);
    const old: Series = { times: [now - 90 * MIN, now], columns: { v: [1, 3] } };
    expect(evaluateCondition(parseCondition('avg(5m offset 1h) > 0'), old, now, 'v', { collectingSince: now - MIN }).unfilled).to.deep.equal([]);
    expect(evaluateCondition(parseCondition('avg(5m) > 0'), { times: [], columns: {} }, now, 'v', { collectingSince: now }).unfilled).to.deep.equal([]);
  });
});

describe('evaluateCondition: a series read through its rows', () => {
  // The rows of `series` above, scattered among another series' rows and out of time order, as a frame
  // split by host holds them: the reducers must see exactly what they see in the plain series.
  const other = { t: [2.5, 9.5, 0.5, 10, 10.5].map((m) => m * MIN), v: [-1, -2, -3, -4, -5] };
  const times = [...other.t, ...series.times];
  const v = [...other.v, ...(series.columns['v'] as (number | null)[])];
  const p95 = [...other.v, ...(series.columns['p95'] as (number | null)[])];
  const mine = series.times.map((_, i) => other.t.length + i);
  const viewed: Series = { times, columns: { v, p95 }, rows: Int32Array.from(mine) };

  it('gives every reducer, window and offset the same value as the plain series', () => {
    const calls = ['last()', 'last(offset 4m)', 'count(5m)', 'avg(5m)', 'min(5m)', 'max(3m)', 'sum(1h)', 'change(5m)', 'rate(5m)', 'pct_change(5m)', 'avg(3m offset 2m)', 'rate(2m offset 5m)', 'change(1m)', 'max(5m, p95)'];
    for (const now of [0, 2.5 * MIN, 3 * MIN, 5.5 * MIN, NOW, 30 * MIN]) {
      for (const call of calls) expect(value(call, now, viewed), `${call} at ${now / MIN}m`).to.equal(value(call, now, series));
    }
  });

  it('starts rate and change at the first point inside the window, not at the one before it', () => {
    // rate(2m) at 10m: (100 − 90) / 60 s; the 8m point is on the window's start and left out.
    expect(value('rate(2m)', NOW, viewed)).to.equal(10 / 60);
    expect(value('change(3m offset 1m)', NOW, viewed)).to.equal(90 - 70);
    expect(value('change(1m)', NOW, viewed)).to.equal(null);
  });
});
