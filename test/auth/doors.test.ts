/**
 * Sign-in and the dashboard rule, tried from every door a viewer comes through: the list, the API, the page,
 * `/ws`, `/sse` and `/api/poll`, as an anonymous viewer, local users in and out of the dashboard's group, an
 * admin, a user named by a trusted proxy (and the same header from an untrusted address), and an embed token.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser } from '../../core/auth/local-users.js';
import { signEmbedToken } from '../../core/embed-token.js';
import { request } from '../support/http-client.js';
import { CookieJar, browse, signIn } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TestClient } from '../support/ws-client.js';

const SECRET = 'a-test-session-secret-of-32-chars!!';
const EMBED = 'an-embed-secret-for-these-tests-0123456789';
const widget = '  - { id: w, title: W, type: stat, source: test, query: { behave: counter, tag: doors }, every: 200ms }\n';
const DASHBOARDS = {
  'open.yaml': `id: open\ntitle: Open\nwidgets:\n${widget}`,
  'ops.yaml': `id: ops\ntitle: Ops\naccess: { public: false, groups: [ops] }\nwidgets:\n${widget}`,
  'staff.yaml': `id: staff\ntitle: Staff\naccess: { public: false }\nwidgets:\n${widget}`,
};

/** What one door answered: `ok`, or the error code. */
type Outcome = string;

describe('sign-in: one rule at every door', function () {
  this.timeout(60_000);
  let t: TestServer;
  let base: string;
  let users: string;
  const jars: Record<string, CookieJar> = {};

  before(async () => {
    users = mkdtempSync(join(tmpdir(), 'rtdash-users-'));
    const file = join(users, 'users.yaml');
    await addUser(file, 'alice', 'alice password', ['ops']);
    await addUser(file, 'bob', 'bob password', []);
    await addUser(file, 'root', 'root password', ['admins']);
    t = await startTestServer(DASHBOARDS, {}, false, {
      embedSecret: EMBED,
      auth: { sessionSecret: SECRET, usersFile: file, proxy: { header: 'x-forwarded-user', groupsHeader: 'x-forwarded-groups', trusted: ['127.0.0.2'] }, roles: { admin: ['admins'], editor: ['ops'] } },
    });
    base = t.server.url;
    for (const [name, password] of [['alice', 'alice password'], ['bob', 'bob password'], ['root', 'root password']] as const) {
      jars[name] = new CookieJar();
      expect((await signIn(base, jars[name]!, name, password)).status, `${name} signs in`).to.equal(303);
    }
  });
  after(async () => {
    await t.stop();
    rmSync(users, { recursive: true, force: true });
  });

  /** Headers and address of each kind of viewer. */
  const viewer = (who: string): { headers: Record<string, string>; localAddress?: string; query?: string } => {
    if (who === 'anonymous') return { headers: {} };
    if (who === 'proxy carol (ops)') return { headers: { 'X-Forwarded-User': 'carol', 'X-Forwarded-Groups': 'ops, other' }, localAddress: '127.0.0.2' };
    if (who === 'untrusted proxy header') return { headers: { 'X-Forwarded-User': 'carol', 'X-Forwarded-Groups': 'ops' } };
    if (who === 'embed token for ops') return { headers: {}, query: `&token=${signEmbedToken(EMBED, { dashboard: 'ops', ttlMs: 60_000 })}` };
    return { headers: { Cookie: jars[who]!.header() } };
  };

  const code = (body: string): Outcome => (JSON.parse(body) as { error?: { code: string } }).error?.code ?? 'ok';

  const doors: Record<string, (who: string, id: string) => Promise<Outcome>> = {
    list: async (who, id) => {
      const v = viewer(who);
      const r = await request(`${base}/api/dashboards?x=1${v.query ?? ''}`, { Host: new URL(base).host, ...v.headers }, { ...(v.localAddress && { localAddress: v.localAddress }) });
      return (JSON.parse(r.body) as { id: string }[]).some((d) => d.id === id) ? 'ok' : 'unlisted';
    },
    api: async (who, id) => {
      const v = viewer(who);
      const r = await request(`${base}/api/dashboards/${id}?x=1${v.query ?? ''}`, { Host: new URL(base).host, ...v.headers }, { ...(v.localAddress && { localAddress: v.localAddress }) });
      return r.status === 200 ? 'ok' : code(r.body);
    },
    page: async (who, id) => {
      const v = viewer(who);
      const r = await request(`${base}/d/${id}?x=1${v.query ?? ''}`, { Host: new URL(base).host, ...v.headers }, { ...(v.localAddress && { localAddress: v.localAddress }) });
      if (r.status === 302) return `redirect ${r.headers.location}`;
      return r.status === 200 ? 'ok' : `${r.status}`;
    },
    ws: async (who, id) => {
      const v = viewer(who);
      const client = new TestClient(`${t.wsUrl}?x=1${v.query ?? ''}`, { headers: v.headers, ...(v.localAddress && { localAddress: v.localAddress }) });
      await client.opened;
      await client.nextOf('hello');
      client.send({ type: 'subscribe', dashboard: id });
      const answer = await client.next((m) => m.type === 'snapshot' || m.type === 'error');
      await client.close();
      return answer.type === 'snapshot' ? 'ok' : String(answer.code);
    },
    sse: async (who, id) => {
      const v = viewer(who);
      const r = await request(`${base}/sse?dashboard=${id}${v.query ?? ''}`, { Host: new URL(base).host, ...v.headers }, { readMs: 500, ...(v.localAddress && { localAddress: v.localAddress }) });
      return r.status === 200 ? (r.body.includes('"type":"snapshot"') ? 'ok' : 'no snapshot') : code(r.body);
    },
    poll: async (who, id) => {
      const v = viewer(who);
      const r = await request(`${base}/api/poll?dashboard=${id}&wait=0${v.query ?? ''}`, { Host: new URL(base).host, ...v.headers }, { ...(v.localAddress && { localAddress: v.localAddress }) });
      return r.status === 200 ? 'ok' : code(r.body);
    },
  };

  const expected: Record<string, Record<string, Outcome>> = {
    anonymous: { open: 'ok', ops: 'RTDASH_SIGN_IN_REQUIRED', staff: 'RTDASH_SIGN_IN_REQUIRED' },
    bob: { open: 'ok', ops: 'RTDASH_FORBIDDEN', staff: 'ok' },
    alice: { open: 'ok', ops: 'ok', staff: 'ok' },
    root: { open: 'ok', ops: 'ok', staff: 'ok' },
    'proxy carol (ops)': { open: 'ok', ops: 'ok', staff: 'ok' },
    'untrusted proxy header': { open: 'ok', ops: 'RTDASH_SIGN_IN_REQUIRED', staff: 'RTDASH_SIGN_IN_REQUIRED' },
    'embed token for ops': { ops: 'ok' },
  };

  for (const [who, dashboards] of Object.entries(expected)) {
    it(`${who}: every door gives the same answer`, async () => {
      for (const [id, outcome] of Object.entries(dashboards)) {
        for (const [door, ask] of Object.entries(doors)) {
          const got = await ask(who, id);
          if (door === 'list') {
            // Token holders list nothing new; the list shows exactly what the rule lets a viewer watch.
            if (who !== 'embed token for ops') expect(got, `${who} ${door} ${id}`).to.equal(outcome === 'ok' ? 'ok' : 'unlisted');
          } else if (door === 'page') {
            const page = outcome === 'ok' ? 'ok' : outcome === 'RTDASH_SIGN_IN_REQUIRED' ? `redirect /login?next=${encodeURIComponent(`/d/${id}?x=1`)}` : '403';
            expect(got, `${who} ${door} ${id}`).to.equal(page);
          } else expect(got, `${who} ${door} ${id}`).to.equal(outcome);
        }
      }
    });
  }

  it('a forged cookie, or one signed by another server\'s secret, is nobody', async () => {
    const other = await startTestServer(DASHBOARDS, {}, false, { auth: { sessionSecret: 'another-servers-secret-of-32-chars!!', usersFile: join(users, 'users.yaml') } });
    try {
      const theirs = new CookieJar();
      expect((await signIn(other.server.url, theirs, 'alice', 'alice password')).status).to.equal(303);
      const me = async (jar: CookieJar) => (await (await browse(`${base}/api/me`, jar)).json()) as { signedIn: boolean };
      expect(await me(theirs), 'a session from another server').to.deep.equal({ signedIn: false, signIn: ['local', 'proxy'] });
      const forged = new CookieJar();
      const [id] = jars['alice']!.get('rtdash_session')!.split('.');
      forged.set('rtdash_session', `${id}.${'A'.repeat(43)}`);
      expect((await me(forged)).signedIn, 'a real session id with a forged signature').to.equal(false);
      expect((await me(jars['alice']!)).signedIn, 'the real cookie').to.equal(true);
    } finally {
      await other.stop();
    }
  });
});
