/**
 * Embed tokens that live too long or are issued in the future: a token cannot be revoked on its own, so the
 * server refuses one whose lifetime is over auth.embed_token_max_ttl (30 days by default), and one whose issue
 * time is more than a minute ahead of its clock (a signer with a wrong clock would otherwise mint tokens that
 * outlive the maximum). Both are refused on every route and transport, saying why; nothing is served.
 */
import { expect } from 'chai';
import { TestClient, connect } from '../support/ws-client.js';
import { errorOf, request } from '../support/http-client.js';
import { startTestServer, until, type TestServer } from '../support/test-server.js';
import { LOCKED, SECRET, token } from '../support/embed.js';

const DAY = 86_400_000;

describe('embed tokens that live too long or are issued in the future', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'locked.yaml': LOCKED }, {}, false, { embedSecret: SECRET });
  });
  after(() => t.stop());
  const url = (path: string) => `${t.server.url}${path}`;

  const rows = [
    // Signed on a whole second, so that iat and exp are exactly 31 days apart.
    { what: 'a token signed for 31 days', token: () => token('locked', undefined, 31 * DAY, Math.floor(Date.now() / 1000) * 1000), message: 'the embed token lives 31d, longer than this server accepts (auth.embed_token_max_ttl: 30d); sign a shorter one' },
    { what: 'a token issued five minutes from now', token: () => token('locked', undefined, 3_600_000, Date.now() + 300_000), message: 'the embed token is issued in the future' },
  ];
  for (const row of rows) {
    it(`refuses ${row.what} on every route, with RTDASH_TOKEN_INVALID and why`, async () => {
      const bad = row.token();
      for (const path of [`/api/dashboards/locked?token=${bad}`, `/api/dashboards/locked/widgets/w?token=${bad}`, `/api/poll?dashboard=locked&token=${bad}`, `/sse?dashboard=locked&token=${bad}`]) {
        const answer = await request(url(path), {}, { readMs: 2000 });
        expect(answer.status, path).to.equal(401);
        expect(errorOf(answer), path).to.have.property('code', 'RTDASH_TOKEN_INVALID');
        expect(errorOf(answer).message, path).to.include(row.message);
      }
      const page = await request(url(`/d/locked?token=${bad}`));
      expect(page.status).to.equal(401);
      expect(page.body).to.include(row.message).and.not.include('Locked sales');
      // The socket opens so a browser can read why, then closes with 4403 without a snapshot.
      const client = new TestClient(`${t.wsUrl}?token=${encodeURIComponent(bad)}`);
      expect(await client.closed).to.equal(4403);
      expect(client.messages.map((m) => m.type)).to.deep.equal(['hello', 'error']);
      expect(client.messages[1]).to.include({ code: 'RTDASH_TOKEN_INVALID' });
      expect(client.messages[1]!.message).to.include(row.message);
      await until(() => t.server.hub.connections === 0 && t.server.hub.viewers === 0, 2000, 'the refused connection to be let go');
    });
  }

  it('serves a token of the maximum lifetime, and one issued within the allowed clock skew', async () => {
    for (const good of [token('locked', undefined, 30 * DAY), token('locked', undefined, 3_600_000, Date.now() + 30_000)]) {
      expect((await request(url(`/api/dashboards/locked?token=${good}`))).status).to.equal(200);
      const client = await connect(`${t.wsUrl}?token=${encodeURIComponent(good)}`);
      client.send({ type: 'subscribe', dashboard: 'locked' });
      await client.nextOf('snapshot');
      await client.close();
    }
  });
});
