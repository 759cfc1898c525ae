import { expect } from 'chai';
import { signEmbedToken } from '../../core/embed-token.js';
import { fixedVars, withoutFixed } from './embed-vars.js';

describe('the variables an embed token fixes, read by the page', () => {
  it('reads them from a signed token, and none from no token or a malformed one', () => {
    const token = signEmbedToken('a-secret-of-enough-length-0123456789', { dashboard: 'shop', ttlMs: 60_000, vars: { region: 'us' } });
    expect(fixedVars(token)).to.deep.equal({ region: 'us' });
    expect(fixedVars(undefined)).to.deep.equal({});
    expect(fixedVars('v1.not-json.sig')).to.deep.equal({});
  });

  it('leaves out the values that differ from the fixed ones, and says why as the server does', () => {
    const out = withoutFixed({ region: 'eu', host: 'a' }, { region: 'us' });
    expect(out?.vars).to.deep.equal({ host: 'a' });
    expect(out?.problem).to.deep.equal({ code: 'RTDASH_VARIABLE_FIXED', message: 'variable "region" is fixed to "us" by the embed token; leave it out or send that value' });
  });

  it('finds nothing to leave out when the values agree or the token fixes none', () => {
    expect(withoutFixed({ region: 'us', host: 'a' }, { region: 'us' })).to.equal(undefined);
    expect(withoutFixed({ region: 'eu' }, {})).to.equal(undefined);
  });
});
