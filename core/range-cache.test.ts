import { expect } from 'chai';
import { RangeCache } from './range-cache.js';
import { Metrics } from './metrics.js';
import { silentLogger } from './logger.js';
import type { Frame } from './frame.js';

const frame = (n: number): Frame => ({ fields: [{ name: 'v', type: 'number', values: [n] }] });
const size = Buffer.byteLength(JSON.stringify(frame(1)));

describe('RangeCache in memory', () => {
  const cache = (maxBytes: number) => new RangeCache({ maxBytes, ttlMs: 60_000, metrics: new Metrics({ viewers: () => 0, connections: () => 0, jobs: () => 0 }), logger: silentLogger() });

  it('stays within its byte bound by dropping the least recently used entry', async () => {
    const c = cache(2 * size);
    c.set('a', frame(1));
    c.set('b', frame(2));
    expect(await c.get('a')).to.deep.equal(frame(1)); // now b is the least recently used
    c.set('c', frame(3));
    expect(c.bytes).to.equal(2 * size);
    expect(await c.get('b')).to.equal(undefined);
    expect(await c.get('a')).to.deep.equal(frame(1));
    expect(await c.get('c')).to.deep.equal(frame(3));
  });

  it('does not keep an entry larger than the bound, and keeps what it had', async () => {
    const c = cache(size);
    c.set('a', frame(1));
    c.set('big', { fields: [{ name: 'v', type: 'number', values: [1, 2, 3, 4, 5, 6] }] });
    expect(await c.get('big')).to.equal(undefined);
    expect(await c.get('a')).to.deep.equal(frame(1));
    expect(c.bytes).to.equal(size);
  });

  it('hands out a copy: a change to a frame it gave does not change the next one', async () => {
    const c = cache(10 * size);
    c.set('a', frame(1));
    (await c.get('a'))!.fields[0]!.values.push(99);
    expect(await c.get('a')).to.deep.equal(frame(1));
  });
});
