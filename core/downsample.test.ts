import { expect } from 'chai';
import { downsample } from './downsample.js';
import type { Frame } from './frame.js';

const series = (n: number, value: (i: number) => number | null, name = 'value'): Frame => ({
  fields: [
    { name: 'time', type: 'time', values: Array.from({ length: n }, (_, i) => i * 1000) },
    { name, type: 'number', values: Array.from({ length: n }, (_, i) => value(i)) },
  ],
});

describe('downsample', () => {
  it('leaves a frame with at most max_points rows, or without time, as it is', () => {
    const small = series(600, () => 1);
    expect(downsample(small, 600)).to.equal(small);
    const untimed: Frame = { fields: [{ name: 'v', type: 'number', values: Array.from({ length: 2000 }, () => 1) }] };
    expect(downsample(untimed, 600)).to.equal(untimed);
  });

  it('keeps each bucket\'s lowest and highest row, so a single-point spike and a single-point dip survive', () => {
    const frame = series(100_000, (i) => (i === 31_337 ? 1e6 : i === 77_777 ? -1e6 : Math.sin(i / 100)));
    const out = downsample(frame, 600);
    const [time, value] = out.fields as unknown as [{ values: number[] }, { values: number[] }];
    expect(time.values.length).to.be.at.most(600);
    expect(out.meta?.downsampled).to.deep.equal({ from: 100_000, to: time.values.length, method: 'minmax' });
    expect(value.values[time.values.indexOf(31_337_000)]).to.equal(1e6);
    expect(value.values[time.values.indexOf(77_777_000)]).to.equal(-1e6);
  });

  it('cuts each series of a long frame on its own, and keeps a bucket of only nulls as one row', () => {
    const n = 5000;
    const frame: Frame = {
      fields: [
        { name: 'time', type: 'time', values: Array.from({ length: 2 * n }, (_, i) => Math.floor(i / 2) * 1000) },
        { name: 'host', type: 'string', values: Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 'a' : 'b')) },
        { name: 'v', type: 'number', values: Array.from({ length: 2 * n }, (_, i) => (i % 2 === 1 ? null : i === 4000 ? 99 : 1)) },
      ],
    };
    const out = downsample(frame, 200);
    const hosts = out.fields[1]!.values;
    const a = hosts.filter((h) => h === 'a').length;
    const b = hosts.filter((h) => h === 'b').length;
    expect(a).to.be.greaterThan(1).and.at.most(100);
    expect(b).to.be.greaterThan(1).and.at.most(100);
    expect(out.fields[2]!.values).to.include(99);
  });
});
