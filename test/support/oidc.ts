/**
 * A real OpenID provider (oidc-provider) on loopback for the sign-in tests, with its development login and consent
 * pages (any password goes), a client for rtdash, accounts whose groups a test can change, and a short access-token
 * lifetime so sessions refresh within a test.
 */
import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { CookieJar, browse } from './sign-in.js';

export const CLIENT_ID = 'rtdash';
export const CLIENT_SECRET = 'a-client-secret-for-rtdash-tests';

/** A running provider. */
export interface TestProvider {
  issuer: string;
  provider: Provider;
  /** Each account's groups (change them to change the next token's claim; delete one to remove the account). */
  groups: Map<string, string[]>;
  stop(): Promise<void>;
}

/** Starts a provider on `port` whose client `rtdash` may send browsers back to `rtdashBase`/auth/callback. */
export async function startProvider(port: number, rtdashBase: string, options: { accessTtlS?: number; codeTtlS?: number } = {}): Promise<TestProvider> {
  const issuer = `http://127.0.0.1:${port}`;
  const groups = new Map<string, string[]>([['alice', ['ops']], ['bob', []]]);
  const provider = new Provider(issuer, {
    clients: [
      { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${rtdashBase}/auth/callback`], post_logout_redirect_uris: [`${rtdashBase}/`], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      { client_id: 'another-app', client_secret: 'another-secret-another-secret', redirect_uris: [`${rtdashBase}/auth/callback`], grant_types: ['authorization_code'], response_types: ['code'] },
    ],
    // An account not in the map is gone: the provider then refuses to refresh its tokens.
    findAccount: (_ctx, sub) => (groups.has(sub) ? { accountId: sub, claims: () => ({ sub, preferred_username: sub, groups: groups.get(sub) ?? [] }) } : undefined),
    claims: { openid: ['sub'], profile: ['preferred_username', 'groups'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true }, revocation: { enabled: true } },
    issueRefreshToken: () => true,
    ttl: { AccessToken: options.accessTtlS ?? 3600, AuthorizationCode: options.codeTtlS ?? 60, IdToken: 3600, RefreshToken: 3600, Grant: 3600, Session: 3600, Interaction: 3600 },
    cookies: { keys: ['oidc-test-cookie-key'] },
  });
  // Its development pages warn on every start; the tests know.
  provider.on('server_error', () => undefined);
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, '127.0.0.1', () => resolve(s));
  });
  return {
    issuer,
    provider,
    groups,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Goes through the provider's login and consent pages from `start` (rtdash's /auth/oidc URL), as a browser would,
 * and stops at the redirect back to rtdash: returns that callback URL (not yet visited).
 */
export async function loginAtProvider(start: string, rtdash: CookieJar, account: string): Promise<string> {
  const atProvider = new CookieJar();
  // rtdash's /auth/oidc sets the browser's state cookie there; a start at the provider itself keeps to its jar.
  let res = await browse(start, new URL(start).pathname === '/auth/oidc' ? rtdash : atProvider);
  let location = res.headers.get('location')!;
  for (let hop = 0; hop < 12; hop++) {
    if (location.includes('/auth/callback')) return location;
    const url = new URL(location, res.url || start);
    res = await browse(url.href, atProvider);
    if (res.status >= 300 && res.status < 400) {
      location = new URL(res.headers.get('location')!, url).href;
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
    if (action === undefined || prompt === undefined) throw new Error(`no form at ${url.href}: ${html.slice(0, 200)}`);
    const body = new URLSearchParams(prompt === 'login' ? { prompt, login: account, password: 'any' } : { prompt });
    res = await browse(new URL(action, url).href, atProvider, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: body.toString() });
    location = new URL(res.headers.get('location')!, url).href;
  }
  throw new Error('the provider never sent the browser back');
}
