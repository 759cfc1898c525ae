import { expect } from 'chai';
import { dashboardListed, dashboardRefusal } from './dashboard-rule.js';
import { hasRole, roleOf, type Principal } from './principal.js';
import { SessionStore, cookieValue } from './sessions.js';

const user = (name: string, groups: string[], role: Principal['role'] = 'viewer'): Principal => ({ name, groups, role, via: 'local' });
const ops = { id: 'ops', access: 'signed-in' as const, groups: ['ops'] };

describe('the dashboard rule', () => {
  it('lets anyone watch a public dashboard, signed-in users one for them, their groups one for groups, admins all', () => {
    expect(dashboardRefusal({ id: 'open', access: 'public' }, undefined)).to.equal(undefined);
    expect(dashboardRefusal({ id: 'staff', access: 'signed-in' }, undefined)?.code).to.equal('RTDASH_SIGN_IN_REQUIRED');
    expect(dashboardRefusal({ id: 'staff', access: 'signed-in' }, user('bob', []))).to.equal(undefined);
    expect(dashboardRefusal(ops, user('alice', ['ops']))).to.equal(undefined);
    expect(dashboardRefusal(ops, user('root', [], 'admin'))).to.equal(undefined);
    const refused = dashboardRefusal(ops, user('bob', ['sales']));
    expect([refused?.code, refused?.message]).to.deep.equal(['RTDASH_FORBIDDEN', 'dashboard "ops" is shown only to the groups ops; bob is in groups sales']);
  });

  it('lists what a viewer may watch, and never a token dashboard', () => {
    expect(dashboardListed(ops, undefined)).to.equal(false);
    expect(dashboardListed(ops, user('alice', ['ops']))).to.equal(true);
    expect(dashboardListed({ id: 'tok', access: 'token' }, user('root', [], 'admin'))).to.equal(false);
  });
});

describe('roles', () => {
  it('come from groups, the highest wins, and rank viewer < editor < admin', () => {
    const roles = { admin: ['sre'], editor: ['ops'] };
    expect([roleOf([], roles), roleOf(['ops'], roles), roleOf(['ops', 'sre'], roles)]).to.deep.equal(['viewer', 'editor', 'admin']);
    expect([hasRole(user('a', [], 'editor'), 'viewer'), hasRole(user('a', [], 'editor'), 'admin'), hasRole(undefined, 'viewer')]).to.deep.equal([true, false, false]);
  });
});

describe('SessionStore', () => {
  it('names a session by a signed cookie; a forged, foreign, ended or expired one is none', async () => {
    const store = new SessionStore('a-secret-of-at-least-32-characters!!', 60_000);
    const other = new SessionStore('another-secret-of-32-characters-xx!', 60_000);
    try {
      const ended: string[] = [];
      store.onEnd((s) => ended.push(s.principal.name));
      const { session, cookie } = await store.start(user('alice', ['ops']), undefined, 1_000);
      expect(store.fromCookie(cookie, 2_000)).to.equal(session);
      expect(other.fromCookie(cookie, 2_000), 'another server\'s secret').to.equal(undefined);
      expect(store.fromCookie(`${session.id}.forged`, 2_000)).to.equal(undefined);
      expect(store.fromCookie(session.id, 2_000), 'no signature').to.equal(undefined);
      expect(store.fromCookie(cookie, 61_000), 'expired').to.equal(undefined);
      expect(ended).to.deep.equal(['alice']);
      expect(store.fromCookie(cookie, 2_000), 'an expired session stays ended').to.equal(undefined);
    } finally {
      store.close();
      other.close();
    }
  });

  it('ends every session of a user', async () => {
    const store = new SessionStore(undefined, 60_000);
    try {
      const a = await store.start(user('alice', []));
      const b = await store.start(user('alice', []));
      const c = await store.start(user('bob', []));
      store.endUser('alice');
      expect([a, b, c].map((s) => store.fromCookie(s.cookie) !== undefined)).to.deep.equal([false, false, true]);
    } finally {
      store.close();
    }
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; rtdash_session=x.y; b=2', 'rtdash_session')).to.equal('x.y');
    expect(cookieValue('rtdash_session_old=1', 'rtdash_session')).to.equal(undefined);
  });
});
