/**
 * Tampered and malformed embed tokens: a token whose signature or payload was changed is refused on every
 * route and transport, even for a public dashboard that needs no token, and the viewer is told why.
 */
import { expect } from 'chai';
import { TestClient } from '../support/ws-client.js';
import { errorOf, request } from '../support/http-client.js';
import { startTestServer, testDashboard, until, type TestServer } from '../support/test-server.js';
import { LOCKED, SECRET, tampered, token } from '../support/embed.js';

describe('tampered embed tokens', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'locked.yaml': LOCKED, 'open.yaml': testDashboard('open', { a: { behave: 'counter', tag: 'tok-open' } }) }, {}, false, { embedSecret: SECRET });
  });
  after(() => t.stop());
  const url = (path: string) => `${t.server.url}${path}`;
  const ws = (tok: string) => `${t.wsUrl}?token=${encodeURIComponent(tok)}`;

  it('refuses a token with a changed signature everywhere, even on a public dashboard', async () => {
    const bad = tampered(token('open'));
    for (const path of [`/api/dashboards/open?token=${bad}`, `/api/poll?dashboard=open&token=${bad}`, `/sse?dashboard=open&token=${bad}`, `/d/open?token=${bad}`]) {
      const answer = await request(url(path), {}, { readMs: 2000 });
      expect(answer.status, path).to.equal(401);
      expect(answer.body, path).to.include('bad signature');
    }
    expect(errorOf(await request(url('/api/dashboards/open'), { Authorization: `Bearer ${bad}` })).code).to.equal('RTDASH_TOKEN_INVALID');
    // A browser cannot read a refused upgrade, so the socket opens, says why, and closes with 4403.
    const before = t.server.hub.connections;
    const client = new TestClient(ws(bad));
    expect(await client.closed).to.equal(4403);
    expect(client.closeReason).to.equal('token invalid');
    expect(client.messages.map((m) => m.type)).to.deep.equal(['hello', 'error']);
    expect(client.messages[1]).to.include({ code: 'RTDASH_TOKEN_INVALID' });
    await until(() => t.server.hub.connections === before, 2000, 'the refused connection to be let go');
  });

  it('refuses a malformed token and two different tokens in one request', async () => {
    const garbage = await request(url('/api/dashboards/open?token=not-a-token'));
    expect(garbage.status).to.equal(401);
    expect(errorOf(garbage).message).to.match(/^the embed token is malformed/);
    const two = await request(url(`/api/dashboards/locked?token=${token('locked')}`), { Authorization: `Bearer ${token('open')}` });
    expect(two.status).to.equal(400);
    expect(errorOf(two).message).to.include('more than one embed token');
  });

});
