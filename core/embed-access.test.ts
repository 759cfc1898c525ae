import { expect } from 'chai';
import { parseDashboard } from './config/index.js';
import { EmbedAccess, requestToken } from './embed-access.js';
import { signEmbedToken } from './embed-token.js';
import { RtdashError } from './errors.js';
import type { Dashboard } from './model.js';

const SECRET = 'k'.repeat(32);
const ctx = { sources: () => undefined };
const shop = parseDashboard('id: shop\ntitle: Shop\naccess: token\nvariables:\n  region: { type: select, options: [eu, us], default: eu }\n', 'shop.yaml', ctx);
const open = parseDashboard('id: open\ntitle: Open\n', 'open.yaml', ctx);
const find = (id: string): Dashboard | undefined => ({ shop, open })[id as 'shop' | 'open'];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(RtdashError);
    return (err as RtdashError).code;
  }
  return 'none';
}

describe('EmbedAccess', () => {
  const access = new EmbedAccess(SECRET);
  const grant = (dashboard: string, vars?: Record<string, string>, ttlMs = 60_000) => access.verify(signEmbedToken(SECRET, { dashboard, ttlMs, ...(vars && { vars }) }));

  it('reads `access` from the dashboard file, public by default', () => {
    expect(shop.access).to.equal('token');
    expect(open.access).to.equal('public');
    expect(access.listed(shop)).to.equal(false);
    expect(access.listed(open)).to.equal(true);
  });

  it('opens a token dashboard only with a token for it, and a token only its own dashboard', () => {
    expect(codeOf(() => access.admit('shop', undefined, find))).to.equal('RTDASH_TOKEN_REQUIRED');
    expect(access.admit('shop', grant('shop'), find).variables).to.deep.equal({ region: 'eu' });
    expect(codeOf(() => access.admit('open', grant('shop'), find))).to.equal('RTDASH_TOKEN_FORBIDDEN');
    expect(codeOf(() => access.admit('nope', grant('shop'), find))).to.equal('RTDASH_TOKEN_FORBIDDEN');
    expect(codeOf(() => access.admit('nope', undefined, find))).to.equal('RTDASH_DASHBOARD_NOT_FOUND');
    expect(access.admit('open', undefined, find).dashboard.id).to.equal('open');
    expect(access.admit('open', grant('open'), find).dashboard.id).to.equal('open');
  });

  it('applies fixed variables, accepts the same value and refuses another', () => {
    const g = grant('shop', { region: 'us' });
    expect(access.admit('shop', g, find).variables).to.deep.equal({ region: 'us' });
    expect(access.admit('shop', g, find, { region: 'us' }).variables).to.deep.equal({ region: 'us' });
    expect(codeOf(() => access.admit('shop', g, find, { region: 'eu' }))).to.equal('RTDASH_VARIABLE_FIXED');
    expect(codeOf(() => access.admit('shop', g, find, JSON.parse('{"__proto__":{"region":"eu"}}')))).to.equal('RTDASH_VARIABLE_INVALID');
    expect(codeOf(() => access.admit('shop', grant('shop', { region: 'mars' }), find))).to.equal('RTDASH_VARIABLE_INVALID');
  });

  it('refuses an expired grant', () => {
    const g = grant('shop', undefined, 1)!;
    expect(access.expired(g, g.expiresAt)).to.equal(true);
    expect(access.expired(g, g.expiresAt - 1)).to.equal(false);
    const expired = { ...g, expiresAt: Date.now() - 1 };
    expect(codeOf(() => access.admit('shop', expired, find))).to.equal('RTDASH_TOKEN_EXPIRED');
  });

  it('refuses a token living longer than its configured maximum (30 days by default) when verifying it', () => {
    const week = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 7 * 86_400_000, now: 1_800_000_000_000 });
    expect(access.verify(week, 1_800_000_000_000)?.dashboard).to.equal('shop');
    expect(() => new EmbedAccess(SECRET, 86_400_000).verify(week, 1_800_000_000_000)).to.throw(/lives 7d, longer than this server accepts \(auth\.embed_token_max_ttl: 1d\)/);
    expect(() => access.verify(signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 31 * 86_400_000 }))).to.throw(/auth\.embed_token_max_ttl: 30d/);
  });

  it('narrows the time settings a viewer is sent as its token fixes or bounds the range, and leaves them otherwise', () => {
    const timed = parseDashboard('id: timed\ntitle: Timed\ntime: { default: 7d, choices: [1h, 24h, 90h, 7d], max: 14d }\n', 'timed.yaml', ctx);
    const own = { default: { from: 'now-7d', to: 'now' }, choices: ['1h', '24h', '90h', '7d'], max: '14d', maxPoints: 600 };
    const withClaims = (claims: { range?: { from: string; to: string }; maxRangeMs?: number }) => access.verify(signEmbedToken(SECRET, { dashboard: 'timed', ttlMs: 60_000, ...claims }));
    expect(access.timeFor(withClaims({ range: { from: 'now-1d', to: 'now' } }), timed)).to.deep.equal({ ...own, default: { from: 'now-1d', to: 'now' }, choices: [], fixed: true });
    expect(access.timeFor(withClaims({ maxRangeMs: 90 * 3_600_000 }), timed)).to.deep.equal({ ...own, default: { from: 'now-90h', to: 'now' }, choices: ['1h', '24h', '90h'], max: '90h' });
    // A bound as long as one of the choices is written as that choice: "24h", not "1d".
    expect(access.timeFor(withClaims({ maxRangeMs: 24 * 3_600_000 }), timed)).to.deep.equal({ ...own, default: { from: 'now-24h', to: 'now' }, choices: ['1h', '24h'], max: '24h' });
    expect(access.timeFor(withClaims({ maxRangeMs: 30 * 86_400_000 }), timed), 'a bound past max changes nothing').to.deep.equal(own);
    expect(access.timeFor(withClaims({}), timed)).to.equal(undefined);
    expect(access.timeFor(undefined, timed)).to.equal(undefined);
    expect(access.timeFor(withClaims({ maxRangeMs: 3_600_000 }), open), 'a dashboard without time:').to.equal(undefined);
  });

  it('without a secret, says that nobody can open a token dashboard and that no token can be checked', () => {
    const none = new EmbedAccess(undefined);
    expect(none.enabled).to.equal(false);
    expect(() => none.admit('shop', undefined, find)).to.throw(/nobody can open it: this server cannot check tokens because auth\.embed_secret is not set/);
    expect(() => none.verify(signEmbedToken(SECRET, { dashboard: 'open', ttlMs: 1000 }))).to.throw(/cannot check embed tokens: auth\.embed_secret is not set/);
    expect(none.verify(undefined)).to.equal(undefined);
  });
});

describe('requestToken', () => {
  it('reads ?token= or Authorization: Bearer, and refuses two different ones', () => {
    expect(requestToken(new URLSearchParams('token=a'))).to.equal('a');
    expect(requestToken(new URLSearchParams(''), 'Bearer b')).to.equal('b');
    expect(requestToken(new URLSearchParams('token=a'), 'Bearer a')).to.equal('a');
    expect(requestToken(new URLSearchParams('token='))).to.equal(undefined);
    expect(() => requestToken(new URLSearchParams('token=a'), 'Bearer b')).to.throw(/more than one embed token/);
    expect(() => requestToken(new URLSearchParams('token=a&token=b'))).to.throw(/more than one embed token/);
  });
});
