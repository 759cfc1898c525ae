import { expect } from 'chai';
import { AddressRates } from './address-rates.js';

describe('AddressRates', () => {
  it('gives each address its own burst of twice the rate', () => {
    const rates = new AddressRates(2);
    expect([1, 2, 3, 4, 5].map(() => rates.take('a', 0))).to.deep.equal([true, true, true, true, false]);
    expect(rates.take('b', 0)).to.equal(true);
    expect(rates.take('a', 500)).to.equal(true);
  });

  it('stays within maxAddresses: refilled buckets go first, then the oldest', () => {
    const rates = new AddressRates(1, 100);
    for (let i = 0; i < 10_000; i++) rates.take(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(rates.size).to.be.at.most(100);
    // An address still spending keeps its bucket; the ones that refilled are forgotten.
    const spent = new AddressRates(1, 3);
    spent.take('busy', 0);
    spent.take('busy', 0);
    spent.take('idle', 0);
    spent.take('other', 0);
    spent.take('new', 1000);
    expect(spent.size).to.equal(2);
    expect(spent.take('busy', 1000)).to.equal(true);
    expect(spent.take('busy', 1000), 'busy got no fresh burst').to.equal(false);
  });
});
