import { expect } from 'chai';
import { FrameChecker, checkFrame } from './frame.js';

/** Frames that are well formed, and values that are not, each as a source might answer. */
const GOOD: unknown[] = [
  { fields: [] },
  { fields: [{ name: 't', type: 'time', values: [1, 2] }, { name: 'v', type: 'number', values: [null, 3.5] }] },
  { fields: [{ name: 's', type: 'string', values: ['a'] }, { name: 'b', type: 'boolean', values: [true] }], meta: { truncated: true } },
];
const BAD: unknown[] = [
  null, [], 'frame', { fields: 'x' }, { fields: [], meta: [] }, { fields: [], meta: null },
  { fields: [null] },
  { fields: [{ name: '', type: 'number', values: [] }] },
  { fields: [{ name: 'a', type: 'number', values: [] }, { name: 'a', type: 'string', values: [] }] },
  { fields: [{ name: 'a', type: 'date', values: [] }] },
  { fields: [{ name: 'a', type: 'constructor', values: [] }] },
  { fields: [{ name: 'a', type: 'toString', values: [] }] },
  { fields: [{ name: 'a', type: 'number', values: {} }] },
  { fields: [{ name: 'a', type: 'number', values: [1] }, { name: 'b', type: 'number', values: [1, 2] }] },
  { fields: [{ name: 'a', type: 'number', values: [Number.NaN] }] },
  { fields: [{ name: 'a', type: 'time', values: ['1'] }] },
  { fields: [{ name: 'a', type: 'string', values: [1] }] },
];

describe('frame checks', () => {
  it('accepts exactly the frames checkFrame accepts, on a fresh checker and on one that knows another shape', () => {
    for (const value of [...GOOD, ...BAD]) {
      const expected = checkFrame(value) === undefined;
      expect(new FrameChecker().accepts(value), JSON.stringify(value)).to.equal(expected);
      const seasoned = new FrameChecker();
      for (const good of GOOD) seasoned.accepts(good);
      expect(seasoned.accepts(value), JSON.stringify(value)).to.equal(expected);
    }
    expect(GOOD.every((g) => checkFrame(g) === undefined)).to.equal(true);
    expect(BAD.every((b) => checkFrame(b) !== undefined)).to.equal(true);
  });

  it('still checks every value of a frame whose shape it has seen', () => {
    const frames = new FrameChecker();
    const frame = (v: unknown) => ({ fields: [{ name: 't', type: 'time', values: [1] }, { name: 'v', type: 'number', values: [v] }] });
    expect(frames.accepts(frame(1))).to.equal(true);
    expect(frames.accepts(frame('1'))).to.equal(false);
    expect(frames.accepts(frame(Number.POSITIVE_INFINITY))).to.equal(false);
    expect(checkFrame(frame('1'))).to.equal('fields[1].values[0] ("v", number) is the string "1"');
    expect(frames.accepts(frame(2))).to.equal(true);
  });

  it('refuses a field type that only Object.prototype knows', () => {
    expect(checkFrame({ fields: [{ name: 'a', type: 'constructor', values: [] }] })).to.match(/type must be one of time, number, string, boolean/);
  });
});
