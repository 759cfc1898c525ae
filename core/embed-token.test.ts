import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { RtdashError } from './errors.js';
import { MAX_TOKEN_TTL_MS, decodeEmbedToken, signEmbedToken, verifyEmbedToken } from './embed-token.js';

const SECRET = 's'.repeat(40);
const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

/** The code and message an RtdashError thrown by `fn` carries. */
function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(RtdashError);
    return { code: (err as RtdashError).code, message: (err as RtdashError).message };
  }
  throw new Error('expected a refusal');
}

/** A token with any payload, signed properly: what a buggy or foreign signer could produce. */
function signedPayload(payload: unknown): string {
  const body = `v1.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

describe('embed tokens', () => {
  it('have the documented form: v1.<payload>.<HMAC-SHA256 of "v1.<payload>">', () => {
    const token = signEmbedToken(SECRET, { dashboard: 'shop', vars: { region: 'eu' }, ttlMs: 3_600_000, now: NOW });
    const [version, body, signature] = token.split('.');
    expect(version).to.equal('v1');
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString())).to.deep.equal({ d: 'shop', v: { region: 'eu' }, iat: NOW / 1000, exp: NOW / 1000 + 3600 });
    expect(signature).to.equal(createHmac('sha256', SECRET).update(`v1.${body}`).digest('base64url'));
  });

  it('round-trip their dashboard, fixed variables and times', () => {
    const token = signEmbedToken(SECRET, { dashboard: 'shop', vars: { region: 'eu' }, ttlMs: 60_000, now: NOW });
    expect(verifyEmbedToken(token, SECRET, { dashboard: 'shop', now: NOW + 59_999 })).to.deep.equal({ dashboard: 'shop', vars: { region: 'eu' }, issuedAt: NOW, expiresAt: NOW + 60_000 });
    const plain = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 60_000, now: NOW });
    expect(JSON.parse(Buffer.from(plain.split('.')[1]!, 'base64url').toString())).to.not.have.property('v');
    expect(verifyEmbedToken(plain, SECRET, { now: NOW }).vars).to.deep.equal({});
  });

  it('live at least their ttl when signed between whole seconds', () => {
    const claims = decodeEmbedToken(signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 1000, now: NOW + 900 }), SECRET);
    expect(claims.expiresAt - (NOW + 900)).to.be.at.least(1000).and.below(2000);
  });

  it('are refused once expired, naming when', () => {
    const token = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 60_000, now: NOW });
    expect(refusal(() => verifyEmbedToken(token, SECRET, { now: NOW + 60_000 }))).to.deep.equal({
      code: 'RTDASH_TOKEN_EXPIRED',
      message: 'the embed token expired at 2030-01-01T12:01:00.000Z; get a new one',
    });
  });

  it('open only their own dashboard', () => {
    const token = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 60_000, now: NOW });
    expect(refusal(() => verifyEmbedToken(token, SECRET, { dashboard: 'ops', now: NOW }))).to.deep.equal({ code: 'RTDASH_TOKEN_FORBIDDEN', message: 'the embed token is for dashboard "shop", not "ops"' });
  });

  it('are refused when signed with another secret or changed after signing', () => {
    const token = signEmbedToken(SECRET, { dashboard: 'shop', vars: { region: 'eu' }, ttlMs: 60_000, now: NOW });
    expect(refusal(() => verifyEmbedToken(token, 'o'.repeat(40), { now: NOW })).message).to.match(/bad signature/);
    const [version, body, signature] = token.split('.') as [string, string, string];
    const widened = Buffer.from(JSON.stringify({ d: 'shop', v: { region: 'us' }, iat: NOW / 1000, exp: NOW / 1000 + 60 })).toString('base64url');
    expect(refusal(() => verifyEmbedToken(`${version}.${widened}.${signature}`, SECRET, { now: NOW }))).to.deep.include({ code: 'RTDASH_TOKEN_INVALID' });
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    expect(refusal(() => verifyEmbedToken(`${version}.${body}.${flipped}`, SECRET, { now: NOW })).message).to.match(/bad signature/);
    expect(refusal(() => verifyEmbedToken(`${version}.${body}.${signature.slice(0, 20)}`, SECRET, { now: NOW })).message).to.match(/bad signature/);
  });

  it('name what is malformed', () => {
    const cases: [string, RegExp][] = [
      ['', /three parts/],
      ['v1.abc', /three parts/],
      ['v1.a.b.c', /three parts/],
      ['v2.abc.def', /its header \(a JWT header, or "v1" for an rtdash token\) is not a base64url JSON object/],
      ['v1.a+b.def', /base64url/],
      ['v1..def', /base64url/],
      [`v1.${'a'.repeat(5000)}.b`, /longer than 4096/],
    ];
    for (const [token, message] of cases) {
      const r = refusal(() => decodeEmbedToken(token, SECRET));
      expect(r.code, token).to.equal('RTDASH_TOKEN_INVALID');
      expect(r.message, token).to.match(/^the embed token is malformed: /).and.match(message);
    }
  });

  it('check the payload even when the signature is right', () => {
    expect(refusal(() => decodeEmbedToken(signedPayload(['shop']), SECRET)).message).to.match(/its payload is not a base64url JSON object/);
    expect(refusal(() => decodeEmbedToken(signedPayload({ d: 'Shop!', iat: 1, exp: 2 }), SECRET)).message).to.match(/no dashboard id/);
    expect(refusal(() => decodeEmbedToken(signedPayload({ d: 'shop', iat: 1 }), SECRET)).message).to.match(/"iat" and "exp"/);
    expect(refusal(() => decodeEmbedToken(signedPayload({ d: 'shop', iat: 1, exp: 1e15 }), SECRET)).message).to.match(/"iat" and "exp"/);
    expect(refusal(() => decodeEmbedToken(signedPayload({ d: 'shop', v: { region: 1 }, iat: 1, exp: 2 }), SECRET)).message).to.match(/variable "region" is not a string/);
    const proto = decodeEmbedToken(signedPayload({ d: 'shop', v: JSON.parse('{"__proto__":"eu"}') as object, iat: 1, exp: 2 }), SECRET);
    expect(Object.getPrototypeOf(proto.vars)).to.equal(Object.prototype);
    expect(Object.hasOwn(proto.vars, '__proto__')).to.equal(true);
  });

  it('refuse a second spelling of the same signature', () => {
    const token = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 60_000, now: NOW });
    // 32 bytes take 43 characters with 2 spare bits: the last character has a sibling that decodes to the same bytes.
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1]!;
    const twin = token.slice(0, -1) + sibling;
    expect(Buffer.from(twin.split('.')[2]!, 'base64url').equals(Buffer.from(token.split('.')[2]!, 'base64url'))).to.equal(true);
    expect(refusal(() => decodeEmbedToken(twin, SECRET)).message).to.match(/bad signature/);
  });

  it('are not signed without a secret, for a bad id, or for no time or too long', () => {
    expect(() => signEmbedToken('', { dashboard: 'shop', ttlMs: 1000 })).to.throw(RangeError);
    expect(() => signEmbedToken(SECRET, { dashboard: '../x', ttlMs: 1000 })).to.throw(RangeError);
    expect(() => signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 0 })).to.throw(RangeError);
    expect(() => signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: MAX_TOKEN_TTL_MS + 1 })).to.throw(RangeError);
  });
});

describe('embed token lifetimes', () => {
  it('refuse a token living longer than the maximum (30 days unless set), whatever its expiry', () => {
    const long = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 31 * 86_400_000, now: NOW });
    expect(refusal(() => verifyEmbedToken(long, SECRET, { now: NOW }))).to.deep.equal({
      code: 'RTDASH_TOKEN_INVALID',
      message: 'the embed token lives 31d, longer than this server accepts (auth.embed_token_max_ttl: 30d); sign a shorter one',
    });
    expect(verifyEmbedToken(long, SECRET, { now: NOW, maxTtlMs: 31 * 86_400_000 }).dashboard).to.equal('shop');
    // Signed for exactly the maximum at an odd millisecond: its whole-second iat and exp are a second apart more.
    expect(verifyEmbedToken(signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 30 * 86_400_000, now: NOW + 999 }), SECRET, { now: NOW }).dashboard).to.equal('shop');
  });

  it('refuse a token issued more than a minute after the server’s clock', () => {
    const ahead = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 3_600_000, now: NOW + 120_000 });
    expect(refusal(() => verifyEmbedToken(ahead, SECRET, { now: NOW }))).to.deep.equal({
      code: 'RTDASH_TOKEN_INVALID',
      message: 'the embed token is issued in the future (2030-01-01T12:02:00.000Z, 120 s after this server\'s clock; at most 60 s are allowed): check the clock of the machine that signs tokens',
    });
    const skewed = signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 3_600_000, now: NOW + 30_000 });
    expect(verifyEmbedToken(skewed, SECRET, { now: NOW }).dashboard).to.equal('shop');
  });
});
