/**
 * When an embed token runs out: a WebSocket holding it is closed with 4401 at that moment, an SSE stream
 * ends with an `error` event, a poll is answered 401. And a server without auth.embed_secret says why
 * nobody can open its token dashboards.
 */
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { decodeEmbedToken } from '../../core/embed-token.js';
import { createLogger } from '../../core/logger.js';
import { TestClient, connect } from '../support/ws-client.js';
import { errorOf, request, sseEvents } from '../support/http-client.js';
import { startTestServer, testDashboard, until, type TestServer } from '../support/test-server.js';
import { LOCKED, SECRET, token } from '../support/embed.js';

/** A token that expired ten seconds ago. */
const expiredToken = (dashboard: string) => token(dashboard, undefined, 1000, Date.now() - 11_000);

describe('embed tokens that expire', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'locked.yaml': LOCKED }, {}, false, { embedSecret: SECRET });
  });
  after(() => t.stop());
  const url = (path: string) => `${t.server.url}${path}`;

  it('closes a WebSocket with 4401 when its token expires, after an error saying when', async () => {
    const tok = token('locked', undefined, 1000);
    const expiresAt = decodeEmbedToken(tok, SECRET).expiresAt;
    const client = await connect(`${t.wsUrl}?token=${tok}`);
    client.send({ type: 'subscribe', dashboard: 'locked' });
    await client.nextOf('snapshot');
    await client.nextOf('update');
    const code = await client.closed;
    const closedAt = Date.now();
    expect(code).to.equal(4401);
    expect(client.closeReason).to.equal('token expired');
    expect(closedAt).to.be.within(expiresAt, expiresAt + 1000);
    const err = client.messages.find((m) => m.type === 'error');
    expect(err).to.include({ code: 'RTDASH_TOKEN_EXPIRED', message: `the embed token expired at ${new Date(expiresAt).toISOString()}; get a new one` });
    await until(() => t.server.hub.connections === 0, 2000, 'the expired connection to be let go');
  });

  it('accepts the upgrade of an expired token and closes it with 4401 at once, so a browser can read why', async () => {
    const client = new TestClient(`${t.wsUrl}?token=${expiredToken('locked')}`);
    const started = Date.now();
    expect(await client.closed).to.equal(4401);
    expect(Date.now() - started).to.be.below(1000);
    expect(client.messages.map((m) => m.type)).to.deep.equal(['hello', 'error']);
    expect(client.messages[1]).to.include({ code: 'RTDASH_TOKEN_EXPIRED' });
  });

  it('ends an SSE stream with an error event and a close event when its token expires', async () => {
    const tok = token('locked', undefined, 1000);
    const answer = await request(url(`/sse?dashboard=locked&token=${tok}`), {}, { readMs: 5000 });
    expect(answer.ended).to.equal(true);
    const events = sseEvents(answer.body);
    expect(events.slice(0, 2).map((e) => e.data.type)).to.deep.equal(['hello', 'snapshot']);
    expect(events.at(-2)).to.deep.include({ event: 'message' });
    expect(events.at(-2)!.data).to.include({ type: 'error', code: 'RTDASH_TOKEN_EXPIRED' });
    expect(events.at(-1)).to.deep.equal({ event: 'close', data: { code: 4401, reason: 'token expired' } });
  });

  it('starts an SSE stream only to say that its token has expired', async () => {
    const answer = await request(url(`/sse?dashboard=locked&token=${expiredToken('locked')}`), {}, { readMs: 2000 });
    expect(answer.status).to.equal(200);
    expect(answer.ended).to.equal(true);
    const events = sseEvents(answer.body);
    expect(events.map((e) => e.data.type ?? e.event)).to.deep.equal(['hello', 'error', 'close']);
    expect(events[1]!.data.code).to.equal('RTDASH_TOKEN_EXPIRED');
  });

  it('answers a poll and the API with 401 once the token has expired, also a poll that was waiting', async () => {
    for (const path of ['/api/poll?dashboard=locked', '/api/dashboards/locked', '/api/dashboards/locked/widgets/w']) {
      const answer = await request(url(`${path}${path.includes('?') ? '&' : '?'}token=${expiredToken('locked')}`));
      expect(answer.status, path).to.equal(401);
      expect(errorOf(answer).code, path).to.equal('RTDASH_TOKEN_EXPIRED');
      expect(errorOf(answer).message, path).to.match(/^the embed token expired at \d{4}-\d\d-\d\dT/);
    }
    const tok = token('locked', undefined, 1000);
    const first = JSON.parse((await request(url(`/api/poll?dashboard=locked&token=${tok}`))).body) as { session: string };
    // Keep polling with the session: the poll that is waiting when the token runs out is answered 401.
    let last: Awaited<ReturnType<typeof request>>;
    const deadline = Date.now() + 5000;
    do last = await request(url(`/api/poll?dashboard=locked&token=${tok}&session=${first.session}&wait=10`));
    while (last.status === 200 && Date.now() < deadline);
    expect(last.status).to.equal(401);
    expect(errorOf(last).code).to.equal('RTDASH_TOKEN_EXPIRED');
  });
});

describe('token dashboards on a server without auth.embed_secret', function () {
  let t: TestServer;
  const warnings: string[] = [];
  before(async () => {
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        warnings.push(chunk.toString());
        done();
      },
    });
    t = await startTestServer({ 'locked.yaml': LOCKED, 'open.yaml': testDashboard('open', { a: { behave: 'counter', tag: 'nosecret' } }) }, {}, false, { logger: createLogger('warn', logs) });
  });
  after(() => t.stop());

  it('says so in the log once, at start', () => {
    const said = warnings.filter((line) => line.includes('auth.embed_secret'));
    expect(said).to.have.length(1);
    expect(JSON.parse(said[0]!)).to.deep.include({ level: 40, dashboards: ['locked'], msg: 'dashboards locked need embed tokens (access: token), but auth.embed_secret is not set: nobody can open them' });
  });

  it('cannot be opened at all, and the refusal says why', async () => {
    const answer = await request(`${t.server.url}/api/dashboards/locked`);
    expect(answer.status).to.equal(401);
    expect(errorOf(answer)).to.deep.equal({
      code: 'RTDASH_TOKEN_REQUIRED',
      message: 'dashboard "locked" is shown only with an embed token, and nobody can open it: this server cannot check tokens because auth.embed_secret is not set in its config.yaml',
    });
    const page = await request(`${t.server.url}/d/locked`);
    expect(page.status).to.equal(401);
    expect(page.body).to.include('auth.embed_secret is not set');
  });

  it('refuses any token, even a well-signed one, as one it cannot check', async () => {
    for (const dashboard of ['locked', 'open']) {
      const answer = await request(`${t.server.url}/api/dashboards/${dashboard}?token=${token(dashboard)}`);
      expect(answer.status).to.equal(401);
      expect(errorOf(answer)).to.deep.equal({ code: 'RTDASH_TOKEN_INVALID', message: 'this server cannot check embed tokens: auth.embed_secret is not set in its config.yaml' });
    }
    const client = new TestClient(`${t.wsUrl}?token=${token('locked')}`);
    expect(await client.closed).to.equal(4403);
    const client2 = await connect(t.wsUrl);
    client2.send({ type: 'subscribe', dashboard: 'locked' });
    expect((await client2.nextOf('error')).message).to.include('auth.embed_secret is not set');
    await client2.close();
  });
});
