import { expect } from 'chai';
import { RtdashError } from '../errors.js';
import { PROTOCOL_VERSION as CLIENT_PROTOCOL_VERSION } from '../../web-components/client/protocol.js';
import { PONG, PROTOCOL_VERSION, helloMessage, alertsMessage, decodeCursor, encodeCursor, errorMessage, parseClientMessage, pollBody, snapshotMessage, sseCloseEvent, subscriptionFromQuery, updateMessage, updatePrefix, entryHead } from './protocol.js';

describe('protocol', () => {
  it('is the version the bundled client speaks', () => {
    expect(PROTOCOL_VERSION).to.equal(CLIENT_PROTOCOL_VERSION);
    expect(JSON.parse(helloMessage('1.0.0', 30_000).json)).to.include({ protocol: PROTOCOL_VERSION });
  });

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

  it('builds the server messages as docs/protocol.md shows them, from pre-serialised parts', () => {
    const change = { at: 990, head: entryHead('revenue'), body: ',"a":[[1000],[5]]}' };
    const prefix = updatePrefix('demo');
    const update = updateMessage(prefix, 1000, [change, { ...change, at: 1000 }], () => 'v|revenue:12');
    expect(update.json).to.equal('{"type":"update","dashboard":"demo","at":1000,"updates":[{"w":"revenue","dt":10,"a":[[1000],[5]]},{"w":"revenue","a":[[1000],[5]]}]}');
    expect(update.eventId).to.equal('v|revenue:12');
    expect(updateMessage(prefix, 5, [], () => 'v|').json).to.equal('{"type":"update","dashboard":"demo","at":5,"updates":[]}');
    const entry = '{"w":"revenue","seq":12,"at":1000,"lastGoodAt":null,"status":"ok","frame":{"fields":[]}}';
    expect(updateMessage(prefix, 7, [entry], () => 'v|', true).json).to.equal(`{"type":"update","dashboard":"demo","at":7,"updates":[${entry}],"resumed":true}`);
    const range = { from: 'now-6h', to: 'now', fromMs: 1, toMs: 2, live: true, bucket: 60 };
    const snapshot = snapshotMessage({ dashboard: 'demo', version: 'v', reason: 'subscribe', vars: { region: 'eu' }, range, definitionJson: '{"id":"demo"}', widgets: [entry] }, 'v|revenue:12');
    expect(JSON.parse(snapshot.json)).to.deep.equal({ type: 'snapshot', dashboard: 'demo', version: 'v', reason: 'subscribe', vars: { region: 'eu' }, range, definition: { id: 'demo' }, widgets: [JSON.parse(entry)] });
    expect(snapshot.json.startsWith('{"type":"snapshot","dashboard":"demo","version":"v","reason":"subscribe","vars":{"region":"eu"},"range":')).to.equal(true);
    expect(snapshotMessage({ dashboard: 'demo', version: 'v', reason: 'reload', vars: {}, definitionJson: '{}', widgets: [] }, 'v|').json).to.not.include('range');
    expect(alertsMessage('demo', []).json).to.equal('{"type":"alerts","dashboard":"demo","alerts":[]}');
    expect(errorMessage('RTDASH_X', 'bad', 'demo').json).to.equal('{"type":"error","code":"RTDASH_X","message":"bad","dashboard":"demo"}');
    expect(PONG.json).to.equal('{"type":"pong"}');
    expect(pollBody('s1', null, [PONG, update])).to.equal(`{"session":"s1","cursor":null,"messages":[{"type":"pong"},${update.json}]}`);
    expect(sseCloseEvent(4401, 'token expired')).to.equal('event: close\ndata: {"code":4401,"reason":"token expired"}\n\n');
    expect(update.sse.toString()).to.equal(`id: v|revenue:12\ndata: ${update.json}\n\n`);
  });
});
