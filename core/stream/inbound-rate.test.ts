import { expect } from 'chai';
import { InboundRate } from './inbound-rate.js';

describe('InboundRate', () => {
  it('serves a burst of twice the rate, warns once, then closes after a second of drops', () => {
    const rate = new InboundRate(10, 0);
    const verdicts = Array.from({ length: 40 }, () => rate.charge(0));
    expect(verdicts.slice(0, 20)).to.deep.equal(Array(20).fill('ok'));
    expect(verdicts[20]).to.equal('warn');
    expect(verdicts.slice(21, 30)).to.deep.equal(Array(9).fill('drop'));
    expect(verdicts[30]).to.equal('close');
    expect(verdicts.slice(31)).to.deep.equal(Array(9).fill('drop'));
  });

  it('never closes a client that keeps to the rate', () => {
    const rate = new InboundRate(10, 0);
    for (let t = 0; t < 60_000; t += 100) expect(rate.charge(t)).to.equal('ok');
  });

  it('closes a client that keeps going over the rate, not only a flood', () => {
    const rate = new InboundRate(10, 0);
    let verdict = 'ok';
    // 15 a second: 5 a second over, strikes refill one a second.
    for (let t = 0; t < 20_000 && verdict !== 'close'; t += 1000 / 15) verdict = rate.charge(Math.round(t));
    expect(verdict).to.equal('close');
  });
});
