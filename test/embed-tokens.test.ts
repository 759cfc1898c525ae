/**
 * `access: token` dashboards and embed tokens, through every way a viewer reaches a dashboard: the
 * WebSocket, SSE, long polling, the API and the page. A token opens its own dashboard only, with its
 * variables fixed; a bad token is refused everywhere, never ignored.
 */
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import { TestClient, connect } from './support/ws-client.js';
import { errorOf, request, sseEvents } from './support/http-client.js';
import { startTestServer, testDashboard, type TestServer } from './support/test-server.js';
import { LOCKED, SECRET, token } from './support/embed.js';

describe('embed tokens', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'locked.yaml': LOCKED, 'open.yaml': testDashboard('open', { a: { behave: 'counter', tag: 'tok-open' } }) }, {}, false, { embedSecret: SECRET });
  });
  after(() => t.stop());
  const url = (path: string) => `${t.server.url}${path}`;
  const ws = (tok?: string) => (tok === undefined ? t.wsUrl : `${t.wsUrl}?token=${encodeURIComponent(tok)}`);

  /** Waits until the server has handled everything sent so far, then returns the snapshots of `dashboard`. */
  async function snapshotsOf(client: TestClient, dashboard: string) {
    client.send({ type: 'ping' });
    await client.nextOf('pong');
    return client.messages.filter((m) => m.type === 'snapshot' && m.dashboard === dashboard);
  }

  it('leaves token dashboards out of the list and refuses them without a token (401)', async () => {
    const list = JSON.parse((await request(url('/api/dashboards'))).body) as { id: string }[];
    expect(list.map((d) => d.id)).to.deep.equal(['open']);
    for (const path of ['/api/dashboards/locked', '/api/dashboards/locked/widgets/w', '/api/poll?dashboard=locked', '/sse?dashboard=locked']) {
      const answer = await request(url(path), {}, { readMs: 2000 });
      expect(answer.status, path).to.equal(401);
      expect(errorOf(answer).code, path).to.equal('RTDASH_TOKEN_REQUIRED');
      expect(errorOf(answer).message, path).to.include('dashboard "locked" is shown only with an embed token');
    }
    const client = await connect(ws());
    client.send({ type: 'subscribe', dashboard: 'locked' });
    expect(await client.nextOf('error')).to.include({ code: 'RTDASH_TOKEN_REQUIRED', dashboard: 'locked' });
    expect(await snapshotsOf(client, 'locked')).to.deep.equal([]);
    await client.close();
  });

  it('serves a token dashboard with a valid token, on every route', async () => {
    const tok = token('locked');
    const client = await connect(ws(tok));
    client.send({ type: 'subscribe', dashboard: 'locked' });
    const snapshot = await client.nextOf('snapshot');
    expect(snapshot).to.deep.include({ dashboard: 'locked', vars: { region: 'eu' } });
    await client.nextOf('update');
    await client.close();

    expect(JSON.parse((await request(url(`/api/dashboards/locked?token=${tok}`))).body)).to.include({ id: 'locked', title: 'Locked sales' });
    expect((await request(url('/api/dashboards/locked'), { Authorization: `Bearer ${tok}` })).status).to.equal(200);
    expect(JSON.parse((await request(url(`/api/dashboards/locked/widgets/w?token=${tok}`))).body)).to.include({ w: 'w', status: 'ok' });
    const poll = JSON.parse((await request(url(`/api/poll?dashboard=locked&token=${tok}`))).body) as { messages: { type: string }[] };
    expect(poll.messages[0]!.type).to.equal('snapshot');
    const sse = await request(url(`/sse?dashboard=locked&token=${tok}`), {}, { readMs: 400 });
    expect(sse.status).to.equal(200);
    expect(sseEvents(sse.body).map((e) => e.data.type).slice(0, 2)).to.deep.equal(['hello', 'snapshot']);
  });

  it('takes a JWT minted by a JWT library (HS256, the same secret) on every route, its variables fixed', async () => {
    const jwt = await new SignJWT({ dashboard: 'locked', vars: { region: 'eu' } }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(SECRET));
    const client = await connect(ws(jwt));
    client.send({ type: 'subscribe', dashboard: 'locked' });
    expect(await client.nextOf('snapshot')).to.deep.include({ dashboard: 'locked', vars: { region: 'eu' } });
    await client.close();
    expect((await request(url('/api/dashboards/locked'), { Authorization: `Bearer ${jwt}` })).status).to.equal(200);
    expect(JSON.parse((await request(url(`/api/poll?dashboard=locked&token=${jwt}`))).body).messages[0].type).to.equal('snapshot');
    const sse = await request(url(`/sse?dashboard=locked&token=${jwt}`), {}, { readMs: 400 });
    expect(sseEvents(sse.body).map((e) => e.data.type).slice(0, 2)).to.deep.equal(['hello', 'snapshot']);
    const unsigned = new UnsecuredJWT({ dashboard: 'locked' }).setIssuedAt().setExpirationTime('10m').encode();
    const refused = await request(url(`/api/dashboards/locked?token=${unsigned}`));
    expect(refused.status).to.equal(401);
    expect(errorOf(refused).message).to.include('must be signed with HS256');
  });

  it('opens only the token’s own dashboard: another one gets RTDASH_TOKEN_FORBIDDEN and no data', async () => {
    const tok = token('locked');
    const client = await connect(ws(tok));
    for (const dashboard of ['open', 'no-such-dashboard']) {
      client.send({ type: 'subscribe', dashboard });
      const err = await client.nextOf('error');
      expect(err).to.include({ code: 'RTDASH_TOKEN_FORBIDDEN', dashboard });
      expect(err.message).to.equal(`the embed token is for dashboard "locked", not "${dashboard}"`);
    }
    expect(await snapshotsOf(client, 'open')).to.deep.equal([]);
    await client.close();
    for (const path of [`/api/dashboards/open?token=${tok}`, `/api/poll?dashboard=open&token=${tok}`, `/sse?dashboard=open&token=${tok}`]) {
      const answer = await request(url(path), {}, { readMs: 2000 });
      expect(answer.status, path).to.equal(403);
      expect(errorOf(answer).code, path).to.equal('RTDASH_TOKEN_FORBIDDEN');
      expect(answer.body).to.not.include('Test open');
    }
  });

  it('fixes the token’s variables: the same value is fine, another is refused naming the variable', async () => {
    const tok = token('locked', { region: 'us' });
    const client = await connect(ws(tok));
    client.send({ type: 'subscribe', dashboard: 'locked' });
    expect((await client.nextOf('snapshot')).vars).to.deep.equal({ region: 'us' });
    client.send({ type: 'subscribe', dashboard: 'locked', vars: { region: 'us' } });
    expect((await client.nextOf('snapshot')).vars).to.deep.equal({ region: 'us' });
    client.send({ type: 'subscribe', dashboard: 'locked', vars: { region: 'eu' } });
    const err = await client.nextOf('error');
    expect(err).to.include({ code: 'RTDASH_VARIABLE_FIXED', dashboard: 'locked' });
    expect(err.message).to.include('variable "region" is fixed to "us"');
    expect((await snapshotsOf(client, 'locked')).map((s) => (s.vars as { region: string }).region)).to.deep.equal(['us', 'us']);
    await client.close();
    for (const path of [`/api/poll?dashboard=locked&var-region=eu&token=${tok}`, `/sse?dashboard=locked&var-region=eu&token=${tok}`, `/api/dashboards/locked/widgets/w?var-region=eu&token=${tok}`]) {
      const answer = await request(url(path), {}, { readMs: 2000 });
      expect(answer.status, path).to.equal(403);
      expect(errorOf(answer).code, path).to.equal('RTDASH_VARIABLE_FIXED');
    }
    const same = JSON.parse((await request(url(`/api/poll?dashboard=locked&var-region=us&token=${tok}`))).body) as { messages: { vars: object }[] };
    expect(same.messages[0]!.vars).to.deep.equal({ region: 'us' });
  });

  it('serves a public dashboard with or without a token for it', async () => {
    for (const tok of [undefined, token('open')]) {
      const client = await connect(ws(tok));
      client.send({ type: 'subscribe', dashboard: 'open' });
      await client.nextOf('snapshot');
      await client.close();
    }
  });

  it('answers the page of a token dashboard with 401 before it renders, unless the token is valid', async () => {
    const without = await request(url('/d/locked'));
    expect(without.status).to.equal(401);
    expect(without.headers['content-type']).to.match(/^text\/plain/);
    expect(without.body).to.include('dashboard "locked" is shown only with an embed token');
    expect(without.body).to.not.include('Locked sales');
    const page = await request(url(`/d/locked?token=${token('locked')}`));
    expect(page.status).to.equal(200);
    expect(page.headers['referrer-policy']).to.equal('no-referrer');
    // A value the token fixes otherwise: the page is served, and its element goes on with the token's value.
    const fixedOtherwise = await request(url(`/d/locked?token=${token('locked', { region: 'us' })}&var-region=eu`));
    expect(fixedOtherwise.status).to.equal(200);
    expect(fixedOtherwise.body).to.include('<rt-dashboard ');
    expect(fixedOtherwise.headers['referrer-policy']).to.equal('no-referrer');
    const other = await request(url(`/d/locked?token=${token('open')}`));
    expect(other.status).to.equal(403);
    expect(other.body).to.not.include('Locked sales');
  });

  it('cuts off viewers without a token when their dashboard becomes access: token', async () => {
    const client = await connect(ws());
    client.send({ type: 'subscribe', dashboard: 'open' });
    await client.nextOf('snapshot');
    t.write('open.yaml', testDashboard('open', { a: { behave: 'counter', tag: 'tok-open' } }, '100ms', 'access: token'));
    await t.server.store.reload();
    expect(await client.nextOf('error')).to.include({ code: 'RTDASH_TOKEN_REQUIRED', dashboard: 'open' });
    const count = client.messages.filter((m) => m.type === 'update').length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(client.messages.filter((m) => m.type === 'update').length).to.equal(count);
    await client.close();
    t.write('open.yaml', testDashboard('open', { a: { behave: 'counter', tag: 'tok-open' } }));
    await t.server.store.reload();
  });
});
