import { expect } from 'chai';
import type { Frame, FieldValue } from '../frame.js';
import { parseCondition } from './condition.js';
import { evaluateCondition } from './condition-eval.js';
import { copySeries, seriesFromFrame, splitSeries } from './series.js';

describe('seriesFromFrame and splitSeries', () => {
  const frame: Frame = {
    fields: [
      { name: 'host', type: 'string', values: ['a', 'b', 'a', null, 'b'] },
      { name: 'at', type: 'time', values: [3000, 1000, 1000, 2000, null] },
      { name: 'cpu', type: 'number', values: [30, 10, 11, null, 99] },
      { name: 'up', type: 'boolean', values: [true, true, false, true, true] },
      { name: 'seq', type: 'number', values: [3, 1, 2, 4, 5] },
    ],
  };

  it('takes the first time field, sorts rows by time, drops rows without one, and nulls non-numbers', () => {
    expect(copySeries(seriesFromFrame(frame))).to.deep.equal({
      times: [1000, 1000, 2000, 3000],
      columns: { host: [null, null, null, null], cpu: [10, 11, null, 30], up: [null, null, null, null], seq: [1, 2, 4, 3] },
    });
  });

  it('uses the named x column instead, and says when there is none', () => {
    expect(copySeries(seriesFromFrame(frame, 'seq')).times).to.deep.equal([1, 2, 3, 4, 5]);
    expect(copySeries(seriesFromFrame(frame, 'seq')).columns['cpu']).to.deep.equal([10, 11, 30, null, 99]);
    expect(() => seriesFromFrame(frame, 'nope')).to.throw(/no field "nope" \(fields: host, at, cpu, up, seq\)/);
    expect(() => seriesFromFrame({ fields: [{ name: 'x', type: 'number', values: [1] }] })).to.throw(/no time field/);
  });

  it('splits one series per label combination, without the label columns', () => {
    const split = splitSeries(frame, ['host']);
    expect([...split.keys()]).to.deep.equal(['host="b"', 'host="a"', 'host=""']);
    expect(split.get('host="a"')?.labels).to.deep.equal({ host: 'a' });
    expect(copySeries(split.get('host="a"')!.series)).to.deep.equal({ times: [1000, 3000], columns: { cpu: [11, 30], up: [null, null], seq: [2, 3] } });
    expect(split.get('host=""')?.labels).to.deep.equal({ host: '' });
    const two = splitSeries(frame, ['host', 'up']);
    expect(copySeries(two.get('host="a",up="false"')!.series).times).to.deep.equal([1000]);
    expect(copySeries(splitSeries(frame, []).get('')!.series).times).to.have.length(4);
    expect(() => splitSeries(frame, ['region'])).to.throw(/no field "region"/);
  });

  it('feeds evaluateCondition per series', () => {
    const split = splitSeries(frame, ['host']);
    const condition = parseCondition('last() > 20');
    const firing = [...split].filter(([, s]) => evaluateCondition(condition, s.series, 3000, 'cpu').holds).map(([key]) => key);
    expect(firing).to.deep.equal(['host="a"']);
  });

  it('reads a frame already in time order in place: no copy, no sort', () => {
    const sorted: Frame = { fields: [{ name: 't', type: 'time', values: [1000, 2000, 2000] }, { name: 'cpu', type: 'number', values: [1, null, 3] }] };
    const series = seriesFromFrame(sorted);
    expect(series.times).to.equal(sorted.fields[0]!.values);
    expect(series.columns['cpu']).to.equal(sorted.fields[1]!.values);
    expect(series.rows).to.equal(undefined);
  });

  it('lists each split series\' rows in time order, grouped by label text, the frame shared by all', () => {
    const mixed: Frame = {
      fields: [
        { name: 't', type: 'time', values: [5, 1, 2, 3, 4, 6] },
        { name: 'host', type: 'string', values: ['1', 1, null, '', 'x', 1] },
        { name: 'cpu', type: 'number', values: [50, 10, 20, 30, 40, 60] },
      ],
    };
    const split = splitSeries(mixed, ['host']);
    // The number 1 and the text "1" are one label, as null and "" are: keys are written from the text.
    expect([...split.keys()]).to.deep.equal(['host="1"', 'host=""', 'host="x"']);
    expect([...split.values()].map((s) => Array.from(s.series.rows ?? []))).to.deep.equal([[1, 0, 5], [2, 3], [4]]);
    const [one, empty] = [...split.values()];
    expect(one!.series.columns).to.equal(empty!.series.columns);
    expect(one!.series.columns['cpu']).to.equal(mixed.fields[2]!.values);
  });
});

describe('seriesFromFrame and splitSeries: the same values as plain copies', () => {
  // The series as they were built before they read frames in place: rows with a finite time, stably
  // sorted by it, each column copied with null for anything but a finite number (number and time fields).
  function reference(frame: Frame, by: string[]): Map<string, { labels: Record<string, string>; times: number[]; columns: Record<string, (number | null)[]> }> {
    const x = frame.fields.find((f) => f.type === 'time')!;
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    const rows = x.values.map((_, i) => i).filter((i) => finite(x.values[i]));
    rows.sort((a, b) => (x.values[a] as number) - (x.values[b] as number) || a - b);
    const text = (v: FieldValue | undefined) => (v === null || v === undefined ? '' : String(v));
    const out = new Map<string, { labels: Record<string, string>; times: number[]; columns: Record<string, (number | null)[]> }>();
    for (const row of rows) {
      const labels = Object.fromEntries(by.map((name) => [name, text(frame.fields.find((f) => f.name === name)!.values[row])]));
      const key = by.map((name) => `${name}=${JSON.stringify(labels[name])}`).join(',');
      if (!out.has(key)) {
        const columns = Object.fromEntries(frame.fields.filter((f) => f !== x && !by.includes(f.name)).map((f) => [f.name, [] as (number | null)[]]));
        out.set(key, { labels, times: [], columns });
      }
      const series = out.get(key)!;
      series.times.push(x.values[row] as number);
      for (const f of frame.fields) {
        const v = f.values[row];
        series.columns[f.name]?.push((f.type === 'number' || f.type === 'time') && finite(v) ? v : null);
      }
    }
    return out;
  }

  /** A deterministic pseudo-random frame: sorted or not, some rows without time, odd values, a few hosts. */
  function randomFrame(seed: number): Frame {
    let state = seed;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const n = Math.floor(next() * 40);
    const sorted = next() < 0.5;
    const times: FieldValue[] = Array.from({ length: n }, (_, i) => (sorted ? 1000 * i : 1000 * Math.floor(next() * 20)));
    if (next() < 0.3 && n > 0) times[Math.floor(next() * n)] = null;
    const oddValues: FieldValue[] = [null, Number.NaN, Infinity, 'x'];
    return {
      fields: [
        { name: 't', type: 'time', values: times },
        { name: 'host', type: 'string', values: times.map(() => (['a', 'b', 'c', null, ''] as FieldValue[])[Math.floor(next() * 5)] as FieldValue) },
        { name: 'cpu', type: 'number', values: times.map(() => (next() < 0.15 ? (oddValues[Math.floor(next() * 4)] as FieldValue) : Math.round(next() * 100))) },
        { name: 'up', type: 'boolean', values: times.map(() => next() < 0.5) },
      ],
    };
  }

  const conditions = ['last() > 50', 'avg(5s) > 40 and count(3s) >= 1', 'rate(4s) > 0 or change(10s offset 2s) < 0', 'pct_change(8s) > 5', 'min(2s offset 1s) < max(20s, cpu)', 'sum(1m) > 100', 'count(5s, up) > 0'].map(parseCondition);

  it('builds the same series, and every condition sees the same values, on 300 random frames', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const frame = randomFrame(seed);
      for (const by of [[], ['host'], ['host', 'up']]) {
        const expected = reference(frame, by);
        const split = by.length === 0 ? new Map([['', { labels: {}, series: seriesFromFrame(frame) }]]) : splitSeries(frame, by);
        if (by.length === 0 && expected.size === 0) expected.set('', { labels: {}, times: [], columns: { host: [], cpu: [], up: [] } });
        expect([...split.keys()], `seed ${seed} by ${by}`).to.deep.equal([...expected.keys()]);
        for (const [key, { labels, series }] of split) {
          const plain = expected.get(key)!;
          expect(labels).to.deep.equal(plain.labels);
          expect(copySeries(series), `seed ${seed} ${key}`).to.deep.equal({ times: plain.times, columns: plain.columns });
          for (const now of [0, 5000, 12_500, 40_000]) {
            for (const condition of conditions) {
              const mine = evaluateCondition(condition, series, now, 'cpu');
              expect(mine, `seed ${seed} ${key} ${condition.source} at ${now}`).to.deep.equal(evaluateCondition(condition, plain, now, 'cpu'));
            }
          }
        }
      }
    }
  });
});
