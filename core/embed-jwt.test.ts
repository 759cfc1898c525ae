/**
 * Embed tokens minted as standard JWTs by a JWT library (jose, as a Node backend would): read alongside rtdash's
 * own, refused with a reason when their algorithm, signature, claims or times are wrong.
 */
import { expect } from 'chai';
import { SignJWT, UnsecuredJWT } from 'jose';
import { verifyEmbedToken } from './embed-token.js';

const SECRET = 'a-shared-secret-of-at-least-32-chars!!';
const key = (secret = SECRET) => new TextEncoder().encode(secret);
const mint = (claims: Record<string, unknown>, alg = 'HS256', secret = SECRET) =>
  new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(key(secret));
const refusal = (token: string, options = {}) => {
  try {
    verifyEmbedToken(token, SECRET, options);
  } catch (err) {
    return err as Error & { code: string };
  }
  throw new Error('the token was accepted');
};

describe('embed tokens as JWTs', () => {
  it('reads the dashboard, variables and range of a JWT minted with HS256 and the embed secret', async () => {
    const token = await mint({ dashboard: 'shop', vars: { region: 'eu' }, range: { from: 'now-24h', to: 'now' } });
    const claims = verifyEmbedToken(token, SECRET, { dashboard: 'shop' });
    expect(claims).to.deep.include({ dashboard: 'shop', vars: { region: 'eu' }, range: { from: 'now-24h', to: 'now' } });
    expect(claims.expiresAt - claims.issuedAt).to.equal(3_600_000);
  });

  it('refuses another algorithm, none included, before looking at the signature', async () => {
    expect(refusal(new UnsecuredJWT({ dashboard: 'shop' }).setIssuedAt().setExpirationTime('1h').encode()).message).to.include('must be signed with HS256 and auth.embed_secret; this one says alg "none"');
    expect(refusal(await mint({ dashboard: 'shop' }, 'HS512')).message).to.include('this one says alg "HS512"');
  });

  it('refuses a JWT signed with another secret, or changed after signing', async () => {
    expect(refusal(await mint({ dashboard: 'shop' }, 'HS256', 'another-secret-of-at-least-32-chars')).message).to.include('bad signature');
    const [head, , signature] = (await mint({ dashboard: 'shop' })).split('.');
    const forged = Buffer.from(JSON.stringify({ dashboard: 'admin', iat: 1, exp: 9_999_999_999 })).toString('base64url');
    expect(refusal(`${head}.${forged}.${signature}`).message).to.include('bad signature');
  });

  it('says what is wrong with its claims and times', async () => {
    expect(refusal(await mint({ vars: { region: 'eu' } })).message).to.include('no dashboard id "dashboard"');
    expect(refusal(await mint({ dashboard: 'shop', vars: { region: 1 } })).message).to.include('variable "region" is not a string');
    expect(refusal(await new SignJWT({ dashboard: 'shop' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key())).message).to.include('need "iat" and "exp"');
    const expired = await new SignJWT({ dashboard: 'shop' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(key());
    expect(refusal(expired).code).to.equal('RTDASH_TOKEN_EXPIRED');
    const tooLong = await new SignJWT({ dashboard: 'shop' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('90d').sign(key());
    expect(refusal(tooLong).message).to.include('longer than this server accepts');
    expect(refusal(await mint({ dashboard: 'shop' }), { dashboard: 'other' }).code).to.equal('RTDASH_TOKEN_FORBIDDEN');
  });
});
