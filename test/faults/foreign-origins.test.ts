/**
 * server.origins: a page on another site gets data only when its origin is listed. Everywhere else the
 * stream and the API refuse it with a 403 the page can read, and nothing of a dashboard.
 */
import { expect } from 'chai';
import { connect, refusedUpgrade } from '../support/ws-client.js';
import { errorOf, request, sseEvents } from '../support/http-client.js';
import { startTestServer, testDashboard, type TestServer } from '../support/test-server.js';

const SHOP = 'https://shop.example';
const EVIL = 'https://evil.example';

describe('server.origins', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'secret-sales.yaml': testDashboard('secret-sales', { a: { behave: 'counter', tag: 'origins-a' } }, '100ms') }, {}, false, { origins: [SHOP, 'http://localhost:3000'] });
  });
  after(() => t.stop());
  const url = (path: string) => `${t.server.url}${path}`;
  const refusal = `this site (${EVIL}) is not in server.origins of this rtdash server`;

  it('refuses a WebSocket upgrade from another site with 403 and says why', async () => {
    const { status, body } = await refusedUpgrade(t.wsUrl, { origin: EVIL });
    expect(status).to.equal(403);
    expect(JSON.parse(body)).to.deep.equal({ error: { code: 'RTDASH_ORIGIN_NOT_ALLOWED', message: refusal } });
    expect(t.server.hub.connections).to.equal(0);
  });

  for (const path of ['/sse?dashboard=secret-sales', '/api/poll?dashboard=secret-sales', '/api/dashboards/secret-sales', '/api/dashboards/secret-sales/widgets/a', '/api/dashboards', '/api/datasources']) {
    it(`refuses ${path} from another site with a 403 the page can read, and no data`, async () => {
      const answer = await request(url(path), { Origin: EVIL }, { readMs: 2000 });
      expect(answer.status).to.equal(403);
      expect(answer.ended).to.equal(true);
      expect(errorOf(answer)).to.deep.equal({ code: 'RTDASH_ORIGIN_NOT_ALLOWED', message: refusal });
      expect(answer.headers['access-control-allow-origin']).to.equal(EVIL);
      expect(answer.headers.vary).to.match(/Origin/);
      expect(answer.body).to.not.include('Test secret-sales');
    });
  }

  it('refuses an admin action from another site before it runs', async () => {
    const answer = await request(url('/api/reload'), { Origin: EVIL }, { method: 'POST' });
    expect(answer.status).to.equal(403);
    expect(errorOf(answer).code).to.equal('RTDASH_ORIGIN_NOT_ALLOWED');
  });

  it('lets a refused page’s preflight through, so that it reads the 403 of the request itself', async () => {
    const preflight = await request(url('/api/dashboards/secret-sales'), { Origin: EVIL, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' }, { method: 'OPTIONS' });
    expect(preflight.status).to.equal(204);
    expect(preflight.body).to.equal('');
    expect(preflight.headers['access-control-allow-headers']).to.match(/Authorization/);
    const answer = await request(url('/api/dashboards/secret-sales'), { Origin: EVIL, Authorization: 'Bearer whatever' });
    expect(answer.status).to.equal(403);
    expect(errorOf(answer).code).to.equal('RTDASH_ORIGIN_NOT_ALLOWED');
  });

  it('streams and answers an allowed site, with CORS headers for it', async () => {
    const client = await connect(t.wsUrl, { origin: SHOP });
    client.send({ type: 'subscribe', dashboard: 'secret-sales' });
    await client.nextOf('snapshot');
    await client.close();

    const definition = await request(url('/api/dashboards/secret-sales'), { Origin: SHOP });
    expect(definition.status).to.equal(200);
    expect(definition.headers['access-control-allow-origin']).to.equal(SHOP);
    expect(JSON.parse(definition.body)).to.include({ id: 'secret-sales' });

    const sse = await request(url('/sse?dashboard=secret-sales'), { Origin: 'http://localhost:3000' }, { readMs: 500 });
    expect(sse.status).to.equal(200);
    expect(sse.headers['access-control-allow-origin']).to.equal('http://localhost:3000');
    expect(sseEvents(sse.body).map((e) => e.data.type).slice(0, 2)).to.deep.equal(['hello', 'snapshot']);

    const poll = await request(url('/api/poll?dashboard=secret-sales'), { Origin: SHOP });
    expect(poll.status).to.equal(200);
    expect(poll.headers['access-control-allow-origin']).to.equal(SHOP);
    expect((JSON.parse(poll.body) as { messages: { type: string }[] }).messages[0]!.type).to.equal('snapshot');

    const preflight = await request(url('/api/poll?dashboard=secret-sales'), { Origin: SHOP, 'Access-Control-Request-Method': 'GET' }, { method: 'OPTIONS' });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers['access-control-allow-origin']).to.equal(SHOP);
  });

  it('serves clients without an Origin header and the server’s own pages as before, without CORS headers', async () => {
    const curl = await request(url('/api/dashboards/secret-sales'));
    expect(curl.status).to.equal(200);
    expect(curl.headers['access-control-allow-origin']).to.equal(undefined);
    const own = await request(url('/api/dashboards/secret-sales'), { Origin: t.server.url });
    expect(own.status).to.equal(200);
    const client = await connect(t.wsUrl, { origin: t.server.url });
    await client.close();
  });

  it('leaves pages, health and the web-component bundle open to other sites (they carry no dashboard data)', async () => {
    expect((await request(url('/healthz'), { Origin: EVIL })).status).to.equal(200);
    const bundle = await request(url('/rt-dashboard.js'), { Origin: EVIL });
    expect(bundle.status).to.equal(200);
    expect(bundle.headers['access-control-allow-origin']).to.equal('*');
    const page = await request(url('/d/secret-sales'), { Origin: EVIL });
    expect(page.status).to.equal(200);
    expect(page.headers['access-control-allow-origin']).to.equal(undefined);
  });
});

describe('server.origins: "*"', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'any.yaml': testDashboard('any', { a: { behave: 'counter', tag: 'origins-any' } }) }, {}, false, { origins: ['*'] });
  });
  after(() => t.stop());

  it('allows every site', async () => {
    const answer = await request(`${t.server.url}/api/dashboards/any`, { Origin: EVIL });
    expect(answer.status).to.equal(200);
    expect(answer.headers['access-control-allow-origin']).to.equal(EVIL);
    const client = await connect(t.wsUrl, { origin: 'null' });
    await client.close();
  });
});
