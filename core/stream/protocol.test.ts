import { expect } from 'chai';
import { RtdashError } from '../errors.js';
import { decodeCursor, encodeCursor, parseClientMessage, subscriptionFromQuery } from './protocol.js';

describe('protocol', () => {
  it('round-trips a resume cursor and drops malformed parts', () => {
    const cursor = encodeCursor('abc123', new Map([['revenue', 17], ['active-users', 1795847509882]]));
    expect(decodeCursor(cursor)).to.deep.equal({ version: 'abc123', positions: { revenue: 17, 'active-users': 1795847509882 } });
    expect(decodeCursor('v|a:1,b:x,:3,c')).to.deep.equal({ version: 'v', positions: { a: 1 } });
    expect(decodeCursor(undefined)).to.deep.equal({ positions: {} });
  });

  it('parses the client messages and names what is wrong with bad ones', () => {
    expect(parseClientMessage('{"type":"subscribe","dashboard":"d","vars":{"r":"eu"}}')).to.deep.include({ type: 'subscribe', dashboard: 'd' });
    expect(parseClientMessage('{"type":"ping"}')).to.deep.equal({ type: 'ping' });
    const cases: [string, string, RegExp][] = [
      ['nope', 'RTDASH_BAD_MESSAGE', /not valid JSON/],
      ['null', 'RTDASH_BAD_MESSAGE', /JSON object/],
      ['{"type":"subscribe"}', 'RTDASH_BAD_MESSAGE', /needs a "dashboard"/],
      ['{"type":"subscribe","dashboard":"d","vars":[1]}', 'RTDASH_BAD_MESSAGE', /"vars" must be an object/],
      ['{"type":"subscribe","dashboard":"d","resume":{"w":1.5}}', 'RTDASH_BAD_MESSAGE', /"resume.w" must be an integer/],
      ['{"type":"launch"}', 'RTDASH_UNKNOWN_MESSAGE_TYPE', /unknown message type "launch"/],
    ];
    for (const [text, code, message] of cases) {
      expect(() => parseClientMessage(text), text).to.throw(RtdashError, message).with.property('code', code);
    }
  });

  it('reads SSE and poll subscriptions from var- parameters and refuses unknown ones', () => {
    expect(subscriptionFromQuery(new URLSearchParams('dashboard=d&var-region=eu&session=s'))).to.deep.equal({ dashboard: 'd', vars: { region: 'eu' } });
    expect(() => subscriptionFromQuery(new URLSearchParams('dashboard=d&region=eu'))).to.throw(/var-region=/);
    expect(() => subscriptionFromQuery(new URLSearchParams('var-region=eu'))).to.throw(/"dashboard" query parameter is required/);
  });
});
