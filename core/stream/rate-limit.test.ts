import { expect } from 'chai';
import { TokenBucket } from './rate-limit.js';

describe('TokenBucket', () => {
  it('allows a burst, then the rate, and refills with time but never past the burst', () => {
    const bucket = new TokenBucket(2, 4, 0);
    expect([1, 2, 3, 4, 5].map(() => bucket.take(0))).to.deep.equal([true, true, true, true, false]);
    expect(bucket.take(499)).to.equal(false);
    expect(bucket.take(500)).to.equal(true);
    expect(bucket.take(500)).to.equal(false);
    // An hour idle gives back the burst, not 7,200 tokens.
    const after = 3_600_000;
    expect([1, 2, 3, 4, 5].map(() => bucket.take(after))).to.deep.equal([true, true, true, true, false]);
  });
});
