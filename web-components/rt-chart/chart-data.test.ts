import { expect } from 'chai';
import type { Frame, WidgetDefinition } from '../client/types.js';
import { chartData, MAX_POINTS, rangeWindow, windowSpan } from './chart-data.js';

const NOW = 1_800_000_000_000;
const definition = (extra: Partial<WidgetDefinition> = {}): WidgetDefinition => ({ id: 'w', title: 'W', type: 'line', x: 'time', y: ['v'], size: { w: 6, h: 4 }, intervalMs: 1000, ...extra });
/** `rows` rows a second apart, the last at `last`. */
const frame = (rows: number, last = NOW): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: Array.from({ length: rows }, (_, i) => last - (rows - 1 - i) * 1000) },
    { name: 'v', type: 'number', values: Array.from({ length: rows }, (_, i) => i) },
  ],
});

describe('chartData', () => {
  it('sizes the window by the kept age, else kept points times the interval, else the data', () => {
    expect(windowSpan(definition({ keep: { ms: 600_000 } }), 0, 5000)).to.equal(600_000);
    expect(windowSpan(definition({ keep: { points: 60 } }), 0, 5000)).to.equal(60_000);
    expect(windowSpan(definition({ intervalMs: undefined, keep: { points: 60 } }), 0, 5000)).to.equal(5000);
    expect(windowSpan(definition(), 7, 7)).to.equal(60_000);
  });

  it('ends the window now, or at the last point if the server’s clock runs ahead, and keeps only the rows inside', () => {
    const data = chartData(definition({ keep: { ms: 60_000 } }), frame(500), NOW);
    expect(data.window).to.deep.equal({ min: NOW - 60_000, max: NOW });
    expect(data.series[0]!.data).to.have.length(61);
    expect(chartData(definition({ keep: { ms: 60_000 } }), frame(500, NOW + 5000), NOW).window).to.deep.equal({ min: NOW + 5000 - 60_000, max: NOW + 5000 });
    // Later than the data: the window moves on and the old rows leave it.
    expect(chartData(definition({ keep: { ms: 60_000 } }), frame(500), NOW + 30_000).series[0]!.data).to.have.length(31);
  });

  it('never hands over more than the kept points, nor more than MAX_POINTS', () => {
    expect(chartData(definition({ keep: { points: 60 } }), frame(500), NOW).series[0]!.data).to.have.length(60);
    expect(chartData(definition({ keep: { ms: 86_400_000 } }), frame(5000), NOW).series[0]!.data).to.have.length(MAX_POINTS);
  });

  it('names the latest value of each series, absent when it left the window', () => {
    const data = chartData(definition({ y: ['v'], keep: { ms: 10_000 } }), frame(3), NOW);
    expect(data.latest).to.deep.equal([['v', 2]]);
    expect(chartData(definition({ keep: { ms: 10_000 } }), frame(3), NOW + 60_000).latest).to.deep.equal([['v', null]]);
  });

  it('uses categories when x is not a time column', () => {
    const byRegion: Frame = {
      fields: [
        { name: 'region', type: 'string', values: ['eu', 'us', 'apac'] },
        { name: 'orders', type: 'number', values: [412, null, 158] },
      ],
    };
    const data = chartData(definition({ type: 'bar', x: 'region', y: ['orders'] }), byRegion, NOW);
    expect(data).to.deep.equal({
      axis: 'category',
      categories: ['eu', 'us', 'apac'],
      series: [{ name: 'orders', data: [412, null, 158] }],
      latest: [
        ['eu', 412],
        ['us', null],
        ['apac', 158],
      ],
    });
  });

  it('spans a dashboard time range rather than the kept history: fixed when absolute, ending now when live', () => {
    const def = definition({ keep: { ms: 60_000 } });
    const absolute = chartData(def, frame(600, NOW - 3_600_000), NOW, { fromMs: NOW - 7_200_000, toMs: NOW - 3_600_000, live: false });
    expect(absolute.window).to.deep.equal({ min: NOW - 7_200_000, max: NOW - 3_600_000 });
    expect(absolute.series[0]!.data).to.have.length(600);
    const live = chartData(def, frame(600), NOW + 5000, { fromMs: NOW - 3_600_000, toMs: NOW, live: true });
    expect(live.window).to.deep.equal({ min: NOW + 5000 - 3_600_000, max: NOW + 5000 });
    expect(live.series[0]!.data, 'the whole frame, not the last minute kept').to.have.length(600);
    expect(rangeWindow({ fromMs: 0, toMs: 1000, live: false }, NOW)).to.deep.equal({ min: 0, max: 1000 });
  });
});
