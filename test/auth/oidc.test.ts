/**
 * Sign-in with OpenID Connect against a real provider (oidc-provider) on loopback: the whole code flow with PKCE,
 * and what must be refused — a state this browser did not start, a nonce it did not send, an expired code, a code issued to another client
 * (its tokens are for another audience), a provider that is down — and sessions that end when the provider revokes
 * the user or moves them out of a group, closing the sockets opened with them.
 */
import { expect } from 'chai';
import { RECHECK_MS } from '../../core/auth/sign-in.js';
import { CookieJar, browse, csrfToken } from '../support/sign-in.js';
import { CLIENT_ID, CLIENT_SECRET, loginAtProvider, startProvider, type TestProvider } from '../support/oidc.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { freePort } from '../support/tcp-proxy.js';
import { TestClient } from '../support/ws-client.js';

const widget = '  - { id: w, title: W, type: stat, source: test, query: { behave: counter, tag: oidc }, every: 200ms }\n';
const DASHBOARDS = {
  'open.yaml': `id: open\ntitle: Open\nwidgets:\n${widget}`,
  'ops.yaml': `id: ops\ntitle: Ops\naccess: { public: false, groups: [ops] }\nwidgets:\n${widget}`,
};
const SECRET = 'oidc-test-session-secret-32-chars-ok';

describe('sign-in with OpenID Connect (a real provider on loopback)', function () {
  this.timeout(120_000);
  let idp: TestProvider;
  let t: TestServer;
  let base: string;

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startProvider(await freePort(), base, { accessTtlS: 2, codeTtlS: 2 });
    t = await startTestServer(DASHBOARDS, {}, false, {
      port,
      auth: { sessionSecret: SECRET, oidc: { issuer: idp.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scopes: ['openid', 'profile'], groupsClaim: 'groups', nameClaim: 'preferred_username' }, roles: { admin: [], editor: ['ops'] } },
    });
  });
  after(async () => {
    await t?.stop();
    await idp?.stop();
  });

  /** Signs `account` in through the provider; returns the browser's jar and where rtdash sent it after. */
  const signInAs = async (account: string, next = '/d/ops') => {
    const jar = new CookieJar();
    const callback = await loginAtProvider(`${base}/auth/oidc?next=${encodeURIComponent(next)}`, jar, account);
    const back = await browse(callback, jar);
    return { jar, back };
  };
  const me = async (jar: CookieJar) => (await (await browse(`${base}/api/me`, jar)).json()) as { signedIn: boolean; name?: string; groups?: string[]; role?: string; via?: string };

  it('signs a user in with the code flow and PKCE, and the groups claim decides what they see', async () => {
    const alice = await signInAs('alice');
    expect(alice.back.status).to.equal(303);
    expect(alice.back.headers.get('location')).to.equal('/d/ops');
    expect(await me(alice.jar)).to.deep.include({ signedIn: true, name: 'alice', groups: ['ops'], role: 'editor', via: 'oidc' });
    expect((await browse(`${base}/api/dashboards/ops`, alice.jar)).status).to.equal(200);
    const bob = await signInAs('bob');
    expect((await browse(`${base}/api/dashboards/ops`, bob.jar)).status).to.equal(403);
    expect((await browse(`${base}/api/dashboards/open`, bob.jar)).status).to.equal(200);
  });

  it('refuses a state this browser did not start, and a callback in another browser', async () => {
    const jar = new CookieJar();
    const callback = new URL(await loginAtProvider(`${base}/auth/oidc`, jar, 'alice'));
    const forged = new URL(callback);
    forged.searchParams.set('state', 'a-state-nobody-started');
    const refused = await browse(forged.href, jar);
    expect(refused.status).to.equal(401);
    expect(await refused.text()).to.include('a state this browser did not start');
    expect((await me(jar)).signedIn).to.equal(false);
    // The real callback, but opened in a browser that did not start the sign-in (no state cookie).
    const elsewhere = await browse(callback.href, new CookieJar());
    expect(elsewhere.status).to.equal(401);
  });

  it('refuses an expired code', async () => {
    const jar = new CookieJar();
    const callback = await loginAtProvider(`${base}/auth/oidc`, jar, 'alice');
    await new Promise((resolve) => setTimeout(resolve, 3_000)); // the code lives 2 s
    const res = await browse(callback, jar);
    expect(res.status).to.equal(401);
    const text = await res.text();
    expect(text, text.slice(text.indexOf('<strong>'), text.indexOf('</strong>'))).to.match(/answer was refused: .*(invalid_grant|grant request is invalid)/);
    expect((await me(jar)).signedIn).to.equal(false);
  });

  it('refuses an ID token whose nonce is not the one this sign-in sent', async () => {
    const jar = new CookieJar();
    const start = await browse(`${base}/auth/oidc`, jar);
    const authorize = new URL(start.headers.get('location')!);
    authorize.searchParams.set('nonce', 'a-nonce-of-someone-else'); // the provider signs what it was asked for
    const res = await browse(await loginAtProvider(authorize.href, jar, 'alice'), jar);
    expect(res.status).to.equal(401);
    const text = await res.text();
    expect(text, text.slice(text.indexOf('<strong>'), text.indexOf('</strong>'))).to.match(/answer was refused: .*nonce/);
    expect((await me(jar)).signedIn).to.equal(false);
  });

  it('refuses a code issued to another client (its tokens are for another audience)', async () => {
    const jar = new CookieJar();
    const start = await browse(`${base}/auth/oidc`, jar);
    const authorize = new URL(start.headers.get('location')!);
    authorize.searchParams.set('client_id', 'another-app');
    const callback = await loginAtProvider(authorize.href, jar, 'alice');
    const res = await browse(callback, jar);
    expect(res.status).to.equal(401);
    expect(await res.text()).to.include('answer was refused');
    expect((await me(jar)).signedIn).to.equal(false);
  });

  it(`ends the session and closes its socket when the provider moves the user out of a group, or revokes them (within ${RECHECK_MS / 1000} s)`, async () => {
    idp.groups.set('carol', ['ops']);
    idp.groups.set('dave', ['ops']);
    const watch = async (account: string) => {
      const { jar } = await signInAs(account);
      const client = new TestClient(t.wsUrl, { headers: { Cookie: jar.header() } });
      await client.opened;
      client.send({ type: 'subscribe', dashboard: 'ops' });
      await client.nextOf('snapshot');
      return { jar, client };
    };
    const carol = await watch('carol');
    const dave = await watch('dave');
    const started = Date.now();
    idp.groups.set('carol', []); // her next token says she is no longer in ops
    idp.groups.delete('dave'); // gone at the provider: it refuses to refresh his session
    expect(await carol.client.closed).to.equal(4402);
    expect(await dave.client.closed).to.equal(4402);
    expect(Date.now() - started).to.be.below(RECHECK_MS + 10_000);
    expect((await me(carol.jar)).signedIn).to.equal(false);
  });

  it('signs out at rtdash and at the provider', async () => {
    const { jar } = await signInAs('alice', '/');
    const out = await browse(`${base}/logout`, jar, { method: 'POST', headers: { 'X-CSRF-Token': await csrfToken(base, jar) } });
    expect(out.status).to.equal(303);
    expect(out.headers.get('location')).to.match(new RegExp(`^${idp.issuer}/session/end`));
    expect((await me(jar)).signedIn).to.equal(false);
  });

  it('a provider that is down at start: sign-in says why, public dashboards keep serving', async () => {
    const down = await startTestServer(DASHBOARDS, {}, false, { auth: { sessionSecret: SECRET, oidc: { issuer: `http://127.0.0.1:${await freePort()}`, clientId: CLIENT_ID, scopes: ['openid'], groupsClaim: 'groups', nameClaim: 'preferred_username' } } });
    try {
      const url = down.server.url;
      const login = await fetch(`${url}/login`);
      expect(await login.text()).to.include('Sign in with 127.0.0.1:');
      const start = await fetch(`${url}/auth/oidc`, { redirect: 'manual' });
      expect(start.status).to.equal(503);
      expect(await start.text()).to.match(/cannot be reached/);
      expect((await fetch(`${url}/api/dashboards/open`)).status).to.equal(200);
      expect((await fetch(`${url}/api/dashboards/ops`)).status).to.equal(401);
    } finally {
      await down.stop();
    }
  });
});
