import { expect } from 'chai';
import { backoffDelay, busyDelay } from './backoff.js';

describe('backoffDelay', () => {
  it('retries at once after a drop, about every second during a restart, and never waits over 15 s', () => {
    expect(backoffDelay(1, 0)).to.equal(150);
    expect(backoffDelay(1, 1)).to.equal(300);
    for (let attempt = 2; attempt <= 6; attempt++) expect(backoffDelay(attempt, 1), `attempt ${attempt}`).to.equal(1000);
    const longest = Array.from({ length: 40 }, (_, i) => backoffDelay(i + 1, 1));
    expect(longest).to.deep.equal([...longest].sort((a, b) => a - b));
    expect(Math.max(...longest)).to.equal(15_000);
  });

  it('spreads each wait over its upper half at random', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = backoffDelay(attempt, 1);
      expect(backoffDelay(attempt, 0)).to.equal(ceiling / 2);
      expect(backoffDelay(attempt, 0.5)).to.equal(ceiling * 0.75);
    }
  });

  it('waits at least a second after a busy server, then doubles each wait up to 30 s, spread over its upper half', () => {
    expect(busyDelay(1, 0)).to.equal(1000);
    expect(busyDelay(1, 1)).to.equal(2000);
    const longest = Array.from({ length: 12 }, (_, i) => busyDelay(i + 1, 1));
    expect(longest.slice(0, 4)).to.deep.equal([2000, 4000, 8000, 15_000]);
    expect(longest.slice(4)).to.deep.equal(Array(8).fill(30_000));
    for (let attempt = 1; attempt <= 12; attempt++) {
      expect(busyDelay(attempt, 0), `attempt ${attempt}`).to.be.at.least(backoffDelay(attempt, 1));
      expect(busyDelay(attempt, 0.5)).to.equal(busyDelay(attempt, 1) * 0.75);
    }
  });
});
