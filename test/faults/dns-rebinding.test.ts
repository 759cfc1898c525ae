/**
 * DNS rebinding: a page on rebind.attacker.example, whose name then resolves to 127.0.0.1, sends its requests
 * to this server with `Host: rebind.attacker.example`. Every route refuses them with 421 before anything runs
 * (no silence, no reload, no dashboard, no stream), while the server's own names keep working. And a
 * browser on this machine (a request with an Origin, or marked by Sec-Fetch-Site) never gets the admin
 * routes without a token.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needChromium } from '../support/browser.js';
import { connect, refusedUpgrade } from '../support/ws-client.js';
import { errorOf, request, sseEvents, type Answer } from '../support/http-client.js';
import { startTestServer, testDashboard, type TestServer } from '../support/test-server.js';

const SILENCE = JSON.stringify({ matchers: { severity: 'critical' }, ends_at: '2099-01-01T00:00:00Z', comment: 'mute everything' });
const JSON_BODY = { 'Content-Type': 'application/json' };

describe('DNS rebinding', function () {
  let t: TestServer;
  let foreign: string;
  before(async () => {
    t = await startTestServer({ 'ops.yaml': testDashboard('ops', { a: { behave: 'counter', tag: 'rebind-a' } }) }, {}, false, { publicUrl: 'https://dash.example.com', hostnames: ['rtdash.internal'] });
    foreign = `rebind.attacker.example:${t.server.port}`;
  });
  after(() => t.stop());
  const url = (path: string) => `${t.server.url}${path}`;

  /** Checks a refusal of the rebound name: 421, the code, the name and how to allow a name. */
  function expectRefused(answer: Answer, what: string): void {
    expect(answer.status, what).to.equal(421);
    expect(answer.ended, what).to.equal(true);
    const error = errorOf(answer);
    expect(error.code, what).to.equal('RTDASH_HOST_NOT_ALLOWED');
    expect(error.message, what).to.include('"rebind.attacker.example"').and.include('server.hostnames').and.not.include('rtdash.internal');
    expect(answer.body, what).to.not.include('Test ops');
  }

  it('refuses pages, the bundle and the API for a foreign Host', async () => {
    for (const path of ['/', '/d/ops', '/rt-dashboard.js', '/api/dashboards', '/api/dashboards/ops', '/api/dashboards/ops/widgets/a', '/api/datasources', '/api/alerts', '/metrics', '/readyz']) {
      expectRefused(await request(url(path), { Host: foreign }), path);
    }
  });

  it('refuses admin POSTs for a foreign Host before they act: no silence, no reload', async () => {
    const origin = `http://${foreign}`;
    t.write('late.yaml', testDashboard('late', { a: { behave: 'counter', tag: 'rebind-late' } }));
    expectRefused(await request(url('/api/silences'), { Host: foreign, Origin: origin, ...JSON_BODY }, { method: 'POST', body: SILENCE }), 'POST /api/silences');
    expectRefused(await request(url('/api/reload'), { Host: foreign, Origin: origin }, { method: 'POST' }), 'POST /api/reload');
    expect(t.server.alerts.silences.active(Date.now())).to.deep.equal([]);
    expect(t.server.store.get('late')).to.equal(undefined);
  });

  it('refuses the streams for a foreign Host: /ws, /sse and /api/poll, and keeps no viewer', async () => {
    const upgrade = await refusedUpgrade(t.wsUrl, { headers: { Host: foreign } });
    expect(upgrade.status).to.equal(421);
    expect(JSON.parse(upgrade.body)).to.have.nested.property('error.code', 'RTDASH_HOST_NOT_ALLOWED');
    expectRefused(await request(url('/sse?dashboard=ops'), { Host: foreign }, { readMs: 2000 }), '/sse');
    expectRefused(await request(url('/api/poll?dashboard=ops&wait=0'), { Host: foreign }), '/api/poll');
    expect([t.server.hub.connections, t.server.hub.viewers]).to.deep.equal([0, 0]);
  });

  it('answers the configured names: public_url, hostnames, localhost and IP addresses', async () => {
    for (const host of ['dash.example.com', 'rtdash.internal', `localhost:${t.server.port}`, `127.0.0.1:${t.server.port}`]) {
      const answer = await request(url('/api/dashboards'), { Host: host });
      expect(answer.status, host).to.equal(200);
      expect((JSON.parse(answer.body) as { id: string }[]).map((d) => d.id), host).to.include('ops');
    }
    const client = await connect(t.wsUrl, { headers: { Host: 'dash.example.com' } });
    client.send({ type: 'subscribe', dashboard: 'ops' });
    await client.nextOf('snapshot');
    await client.close();
    const sse = await request(url('/sse?dashboard=ops'), { Host: 'rtdash.internal' }, { readMs: 500 });
    expect(sseEvents(sse.body).map((e) => e.data.type).slice(0, 2)).to.deep.equal(['hello', 'snapshot']);
    const poll = await request(url('/api/poll?dashboard=ops'), { Host: 'dash.example.com' });
    expect((JSON.parse(poll.body) as { messages: { type: string }[] }).messages[0]!.type).to.equal('snapshot');
  });

  it('never lets a browser on this machine use the admin routes without a token, even on the server’s own origin', async () => {
    const own = { Host: `127.0.0.1:${t.server.port}`, Origin: t.server.url };
    const posted = await request(url('/api/silences'), { ...own, ...JSON_BODY }, { method: 'POST', body: SILENCE });
    expect(posted.status).to.equal(401);
    expect(errorOf(posted)).to.deep.equal({ code: 'RTDASH_UNAUTHORIZED', message: 'admin routes called from a web page need an admin token: set auth.admin_tokens in config.yaml and send one as "Authorization: Bearer TOKEN"' });
    // A same-origin GET carries no Origin, but the browser marks it.
    const listed = await request(url('/api/alerts'), { 'Sec-Fetch-Site': 'same-origin', 'Sec-Fetch-Mode': 'cors' });
    expect(listed.status).to.equal(401);
    expect((await request(url('/api/reload'), { ...own }, { method: 'POST' })).status).to.equal(401);
    expect(t.server.alerts.silences.active(Date.now())).to.deep.equal([]);
    // A tool on this machine (no Origin, no Sec-Fetch-Site) still has the shortcut, as documented.
    const curl = await request(url('/api/silences'), { ...JSON_BODY }, { method: 'POST', body: SILENCE });
    expect(curl.status).to.equal(201);
    expect(t.server.alerts.silences.active(Date.now())).to.have.length(1);
  });
  describe('in a real browser', function () {
    let browser: Browser;
    before(async function () {
      needChromium(this);
      // The name resolves to this machine, as after the rebinding. Private Network Access, which would stop the
      // page's requests in Chromium, is off: Firefox and Safari have none, and an attacker picks such a browser.
      browser = await launchChromium(['--host-resolver-rules=MAP rebind.attacker.example 127.0.0.1', '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,LocalNetworkAccessChecks']);
    });
    after(() => browser?.close());

    /** What a page's same-origin `fetch` of `path` got: the status and the error code, if any. */
    const fetchFrom = (page: Page, path: string, method = 'GET') =>
      page.evaluate(async ([p, m, body]) => {
        const res = await fetch(p!, m === 'POST' ? { method: m, headers: { 'Content-Type': 'application/json' }, body: body! } : {});
        const text = await res.text();
        return { status: res.status, code: text.startsWith('{"error"') ? (JSON.parse(text) as { error: { code: string } }).error.code : undefined };
      }, [path, method, SILENCE] as const);

    it('refuses the rebound page’s requests: it cannot silence, reload or read', async () => {
      const page = await browser.newPage();
      const origin = `http://rebind.attacker.example:${t.server.port}`;
      // The attacker's page, as loaded before the name was pointed at 127.0.0.1.
      await page.route(`${origin}/attack`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>nothing to see</p>' }));
      await page.goto(`${origin}/attack`);
      const silences = t.server.alerts.silences.active(Date.now()).length;
      expect(await fetchFrom(page, '/api/silences', 'POST')).to.deep.equal({ status: 421, code: 'RTDASH_HOST_NOT_ALLOWED' });
      expect(await fetchFrom(page, '/api/reload', 'POST')).to.deep.equal({ status: 421, code: 'RTDASH_HOST_NOT_ALLOWED' });
      expect(await fetchFrom(page, '/api/dashboards/ops')).to.deep.equal({ status: 421, code: 'RTDASH_HOST_NOT_ALLOWED' });
      expect(t.server.alerts.silences.active(Date.now())).to.have.length(silences);
      await page.close();
    });

    it('refuses admin calls without a token from a page on the server’s own origin', async () => {
      const page = await browser.newPage();
      await page.goto(`${t.server.url}/`);
      const silences = t.server.alerts.silences.active(Date.now()).length;
      expect(await fetchFrom(page, '/api/silences', 'POST')).to.deep.equal({ status: 401, code: 'RTDASH_UNAUTHORIZED' });
      expect(await fetchFrom(page, '/api/alerts')).to.deep.equal({ status: 401, code: 'RTDASH_UNAUTHORIZED' });
      expect(t.server.alerts.silences.active(Date.now())).to.have.length(silences);
      await page.close();
    });
  });
});
