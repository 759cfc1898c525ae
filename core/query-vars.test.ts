import { expect } from 'chai';
import { varsFromQuery } from './query-vars.js';

describe('varsFromQuery', () => {
  it('reads var-NAME parameters and ignores the others', () => {
    expect(varsFromQuery(new URLSearchParams('var-region=eu&theme=dark&var-q=a%20b'))).to.deep.equal({ region: 'eu', q: 'a b' });
  });

  it('refuses a variable given twice, naming it', () => {
    expect(() => varsFromQuery(new URLSearchParams('var-q=a&var-q=b')))
      .to.throw('variable "q" is given 2 times in the query string (var-q=…); give it once')
      .with.property('code', 'RTDASH_VARIABLE_INVALID');
  });

  it('keeps a __proto__ variable a plain key', () => {
    const vars = varsFromQuery(new URLSearchParams('var-__proto__=x'));
    expect(Object.hasOwn(vars, '__proto__')).to.equal(true);
    expect(({} as Record<string, unknown>).x).to.equal(undefined);
  });
});
