/**
 * Sessions as a signed-in team sees them: signing out closes the sockets opened with the session (and the same
 * cookie opens nothing after), a user taken out of a group is closed at the next check, state-changing requests
 * taken with the cookie need the server's own origin and the session's CSRF token, and sign-in floods are refused
 * per user and per address, saying which.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser } from '../../core/auth/local-users.js';
import { RECHECK_MS } from '../../core/auth/sign-in.js';
import { LOCK_AFTER, LOGIN_PER_ADDRESS } from '../../core/http/sign-in-routes.js';
import { request } from '../support/http-client.js';
import { CookieJar, browse, csrfToken, signIn } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TestClient } from '../support/ws-client.js';

const widget = '  - { id: w, title: W, type: stat, source: test, query: { behave: counter, tag: sessions }, every: 200ms }\n';
const DASHBOARDS = { 'ops.yaml': `id: ops\ntitle: Ops\naccess: { public: false, groups: [ops] }\nwidgets:\n${widget}` };

describe('sign-in: sessions, CSRF and floods', function () {
  this.timeout(90_000);
  let t: TestServer;
  let base: string;
  let dir: string;
  let file: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-users-'));
    file = join(dir, 'users.yaml');
    await addUser(file, 'alice', 'alice password', ['ops']);
    await addUser(file, 'dave', 'dave password', ['ops']);
    await addUser(file, 'bob', 'bob password', []);
    t = await startTestServer(DASHBOARDS, {}, false, { auth: { sessionSecret: 'sessions-test-secret-of-32-chars-ok!', usersFile: file, roles: { admin: [], editor: ['ops'] } } });
    base = t.server.url;
  });
  after(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const watch = async (jar: CookieJar) => {
    const client = new TestClient(t.wsUrl, { headers: { Cookie: jar.header() } });
    await client.opened;
    client.send({ type: 'subscribe', dashboard: 'ops' });
    await client.nextOf('snapshot');
    return client;
  };

  it('signing out closes the open socket (4402, RTDASH_SESSION_ENDED), and the cookie opens nothing after', async () => {
    const jar = new CookieJar();
    expect((await signIn(base, jar, 'alice', 'alice password')).status).to.equal(303);
    const cookie = jar.header();
    const client = await watch(jar);
    const out = await browse(`${base}/logout`, jar, { method: 'POST', headers: { 'X-CSRF-Token': await csrfToken(base, jar) } });
    expect(out.status).to.equal(303);
    expect(await client.closed).to.equal(4402);
    expect(client.messages.find((m) => m.type === 'error')?.code).to.equal('RTDASH_SESSION_ENDED');
    // The old cookie, kept by someone: refused on the socket and the API.
    const again = new TestClient(t.wsUrl, { headers: { Cookie: cookie } });
    await again.opened;
    again.send({ type: 'subscribe', dashboard: 'ops' });
    expect((await again.nextOf('error')).code).to.equal('RTDASH_SIGN_IN_REQUIRED');
    await again.close();
    const api = await fetch(`${base}/api/dashboards/ops`, { headers: { Cookie: cookie } });
    expect(api.status).to.equal(401);
  });

  it(`a user taken out of the group while watching is closed at the next check (within ${RECHECK_MS / 1000} s)`, async () => {
    const jar = new CookieJar();
    expect((await signIn(base, jar, 'dave', 'dave password')).status).to.equal(303);
    const client = await watch(jar);
    const started = Date.now();
    await addUser(file, 'dave', 'dave password', []);
    expect(await client.closed).to.equal(4402);
    expect(Date.now() - started).to.be.below(RECHECK_MS + 5_000);
    expect((await (await browse(`${base}/api/me`, jar)).json()).signedIn, 'the session is over').to.equal(false);
  });

  it('a state-changing request with the cookie needs the own origin and the CSRF token', async () => {
    const jar = new CookieJar();
    expect((await signIn(base, jar, 'alice', 'alice password')).status).to.equal(303);
    const token = await csrfToken(base, jar);
    const reload = (headers: Record<string, string>) => browse(`${base}/api/reload`, jar, { method: 'POST', headers });
    const refusal = async (res: Response) => ({ status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code });
    expect(await refusal(await reload({})), 'no token').to.deep.equal({ status: 403, code: 'RTDASH_CSRF' });
    expect(await refusal(await reload({ 'X-CSRF-Token': 'not-the-token' })), 'a wrong token').to.deep.equal({ status: 403, code: 'RTDASH_CSRF' });
    expect(await refusal(await reload({ 'X-CSRF-Token': token, Origin: 'http://evil.example' })), 'another site').to.deep.equal({ status: 403, code: 'RTDASH_ORIGIN_NOT_ALLOWED' });
    expect((await reload({ 'X-CSRF-Token': token, Origin: base })).status, 'the own page, with the token').to.equal(200);
    // A viewer has no reload, token or not.
    const viewer = new CookieJar();
    await signIn(base, viewer, 'bob', 'bob password');
    const bob = await browse(`${base}/api/reload`, viewer, { method: 'POST', headers: { 'X-CSRF-Token': await csrfToken(base, viewer) } });
    expect(await refusal(bob)).to.deep.equal({ status: 403, code: 'RTDASH_FORBIDDEN' });
    // Signing out is state-changing too: without the token, the session stays.
    expect((await browse(`${base}/logout`, jar, { method: 'POST' })).status).to.equal(403);
    expect((await (await browse(`${base}/api/me`, jar)).json()).signedIn).to.equal(true);
  });

  it('answers sign-in only for its own host names (no DNS rebinding), like every route', async () => {
    const rebound = await request(`${base}/login`, { Host: 'evil.example:80', 'Content-Type': 'application/x-www-form-urlencoded' }, { method: 'POST', body: 'user=alice&password=alice+password' });
    expect(rebound.status).to.equal(421);
    expect(JSON.parse(rebound.body).error.code).to.equal('RTDASH_HOST_NOT_ALLOWED');
    expect((await request(`${base}/api/me`, { Host: 'evil.example' })).status).to.equal(421);
  });

  it('the sign-in form must come from this browser\'s own copy of it', async () => {
    const res = await fetch(`${base}/login`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'user=alice&password=alice+password&csrf=guessed', redirect: 'manual' });
    expect(res.status).to.equal(403);
    expect(await res.text()).to.include('came from another site');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('rtdash_session='))).to.equal(false);
  });

  it(`locks a user name after ${LOCK_AFTER} wrong passwords, whoever tries, and says so`, async () => {
    // A server of its own, so the address limit (shared by every test here, all on 127.0.0.1) stays out of it.
    const other = await startTestServer(DASHBOARDS, {}, false, { auth: { sessionSecret: 'sessions-test-secret-of-32-chars-ok!', usersFile: file } });
    try {
      const url = other.server.url;
      for (let i = 0; i < LOCK_AFTER; i++) expect((await signIn(url, new CookieJar(), 'bob', 'wrong')).status).to.equal(401);
      const locked = await signIn(url, new CookieJar(), 'bob', 'bob password');
      expect(locked.status, 'even the right password').to.equal(429);
      expect(await locked.text()).to.match(/Too many failed sign-ins for &#34;bob&#34;: it is locked for 15 more minute/);
      expect((await signIn(url, new CookieJar(), 'alice', 'alice password')).status, 'another user').to.equal(303);
    } finally {
      await other.stop();
    }
  });

  it(`refuses more than ${LOGIN_PER_ADDRESS} sign-ins a minute from one address`, async () => {
    const other = await startTestServer(DASHBOARDS, {}, false, { auth: { sessionSecret: 'sessions-test-secret-of-32-chars-ok!', usersFile: file } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i <= LOGIN_PER_ADDRESS; i++) statuses.push((await signIn(other.server.url, new CookieJar(), `nobody${i}`, 'x')).status);
      expect(statuses.slice(0, LOGIN_PER_ADDRESS).every((s) => s === 401)).to.equal(true);
      const last = await signIn(other.server.url, new CookieJar(), 'alice', 'alice password');
      expect(last.status).to.equal(429);
      expect(await last.text()).to.include('Too many sign-in attempts from your address');
    } finally {
      await other.stop();
    }
  });
});
