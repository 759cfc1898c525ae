/**
 * Sign-in with OpenID Connect (openid-client): the authorization code flow with PKCE, state and nonce. The
 * provider is discovered when first needed and again after a failure, so a provider that is down at start makes
 * sign-in say why while public dashboards keep serving. A session keeps the refresh token: at each check of the
 * sockets opened with it, once the access token has run out, it is refreshed; a provider that refuses (the session
 * was revoked there) or that now puts the user in other groups ends the session, and its sockets close.
 */
import { issuerAllowed } from '../config/auth-config.js';
import * as client from 'openid-client';
import { RtdashError, messageOf } from '../errors.js';
import type { AuthConfig } from '../model.js';

/** How long a started sign-in may take at the provider. */
const PENDING_MS = 10 * 60_000;
/** How long a failed discovery is remembered before asking the provider again. */
const RETRY_DISCOVERY_MS = 10_000;

/** What a session signed in through the provider keeps of its tokens. */
export interface OidcTokens {
  refreshToken?: string;
  idToken?: string;
  /** When the access token runs out, epoch ms: the session is refreshed after it. */
  accessExpiresAt: number;
}

/** A signed-in user as the provider says. */
export interface OidcUser {
  name: string;
  groups: string[];
  tokens: OidcTokens;
}

type OidcConfig = NonNullable<AuthConfig['oidc']>;

/** One started sign-in, until the provider sends the browser back. */
interface Pending {
  verifier: string;
  nonce: string;
  next: string;
  at: number;
}

/** The provider of one server. */
export class OidcProvider {
  readonly #config: OidcConfig;
  readonly #pending = new Map<string, Pending>();
  #discovered: Promise<client.Configuration> | undefined;
  #failedAt = 0;

  constructor(config: OidcConfig) {
    this.#config = config;
  }

  /** The issuer's host, for the sign-in button. */
  get label(): string {
    return this.#config.label ?? new URL(this.#config.issuer).host;
  }

  /**
   * Starts a sign-in: the provider's URL to send the browser to, and the state that the browser's cookie keeps.
   * Throws RTDASH_SIGN_IN_FAILED, saying why, when the provider cannot be reached.
   */
  async start(redirectUri: string, next: string, now = Date.now()): Promise<{ url: URL; state: string }> {
    const config = await this.#configuration();
    for (const [state, p] of this.#pending) if (now - p.at > PENDING_MS) this.#pending.delete(state);
    if (this.#pending.size > 10_000) this.#pending.delete(this.#pending.keys().next().value!);
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    this.#pending.set(state, { verifier, nonce, next, at: now });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.#config.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state };
  }

  /**
   * Ends a sign-in: `callback` is the URL the provider sent the browser to, `state` the one its cookie kept. Checks the
   * state, exchanges the code with the PKCE verifier, checks the ID token (issuer, audience, nonce, expiry) and
   * reads the user. Throws RTDASH_SIGN_IN_FAILED with the reason.
   */
  async finish(callback: URL, state: string | undefined, now = Date.now()): Promise<OidcUser & { next: string }> {
    const pending = state === undefined ? undefined : this.#pending.get(state);
    if (state === undefined || pending === undefined || callback.searchParams.get('state') !== state) {
      throw new RtdashError('RTDASH_SIGN_IN_FAILED', 'the sign-in came back with a state this browser did not start (an old tab, or a forged link): start again');
    }
    this.#pending.delete(state);
    if (now - pending.at > PENDING_MS) throw new RtdashError('RTDASH_SIGN_IN_FAILED', 'the sign-in took longer than 10 minutes: start again');
    const provider = callback.searchParams.get('error');
    if (provider !== null) throw new RtdashError('RTDASH_SIGN_IN_FAILED', `the identity provider refused: ${provider}${callback.searchParams.has('error_description') ? ` (${callback.searchParams.get('error_description')})` : ''}`);
    const config = await this.#configuration();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, callback, { pkceCodeVerifier: pending.verifier, expectedState: state, expectedNonce: pending.nonce, idTokenExpected: true });
    } catch (err) {
      // The provider's own error code (invalid_grant for an expired or used code, a code of another client) says most.
      // openid-client wraps the check that failed (which claim, say) as the cause.
      const cause = (err as { cause?: unknown }).cause;
      const said = err instanceof client.ResponseBodyError ? `${err.error}${err.error_description ? ` (${err.error_description})` : ''}` : cause instanceof Error ? `${messageOf(err)}: ${cause.message}` : messageOf(err);
      throw new RtdashError('RTDASH_SIGN_IN_FAILED', `the identity provider's answer was refused: ${said}`);
    }
    return { ...this.#user(tokens, now), next: pending.next };
  }

  /**
   * Refreshes a session's tokens once its access token has run out. Returns the user as the provider now sees them,
   * `fresh` when no refresh was due (or the provider gave no refresh token: the session lasts its own time), or
   * undefined when the provider refused (the session revoked there, the user removed).
   */
  async refresh(tokens: OidcTokens, name: string, now = Date.now()): Promise<OidcUser | 'fresh' | undefined> {
    if (now < tokens.accessExpiresAt || tokens.refreshToken === undefined) return 'fresh';
    try {
      const fresh = await client.refreshTokenGrant(await this.#configuration(), tokens.refreshToken);
      const user = this.#user(fresh, now, name);
      return { ...user, tokens: { ...user.tokens, refreshToken: user.tokens.refreshToken ?? tokens.refreshToken, idToken: user.tokens.idToken ?? tokens.idToken } };
    } catch {
      return undefined;
    }
  }

  /** Where to send the browser to sign out at the provider too, when it offers that. */
  async endSessionUrl(idToken: string | undefined, after: string): Promise<URL | undefined> {
    const config = await this.#configuration().catch(() => undefined);
    if (config?.serverMetadata().end_session_endpoint === undefined) return undefined;
    return client.buildEndSessionUrl(config, { post_logout_redirect_uri: after, ...(idToken !== undefined && { id_token_hint: idToken }) });
  }

  #user(tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, now: number, known?: string): OidcUser {
    const claims: Record<string, unknown> = tokens.claims() ?? {};
    const named = [this.#config.nameClaim, 'preferred_username', 'email', 'sub'].map((c) => claims[c]).find((v): v is string => typeof v === 'string' && v !== '');
    const raw = claims[this.#config.groupsClaim];
    const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : typeof raw === 'string' ? raw.split(/[,\s]+/).filter((g) => g !== '') : [];
    const expiresIn = tokens.expiresIn();
    return {
      name: named ?? known ?? 'unknown',
      groups,
      tokens: {
        ...(tokens.refresh_token !== undefined && { refreshToken: tokens.refresh_token }),
        ...(tokens.id_token !== undefined && { idToken: tokens.id_token }),
        accessExpiresAt: now + (expiresIn ?? 300) * 1000,
      },
    };
  }

  /** The provider's configuration, discovered once; a failure is remembered for a few seconds, then tried again. */
  #configuration(): Promise<client.Configuration> {
    if (this.#discovered === undefined && Date.now() - this.#failedAt < RETRY_DISCOVERY_MS) {
      return Promise.reject(new RtdashError('RTDASH_SIGN_IN_FAILED', `the identity provider at ${this.#config.issuer} did not answer a moment ago; try again in a few seconds`));
    }
    this.#discovered ??= this.#discover().catch((err: unknown) => {
      this.#discovered = undefined;
      this.#failedAt = Date.now();
      throw new RtdashError('RTDASH_SIGN_IN_FAILED', `the identity provider at ${this.#config.issuer} cannot be reached: ${messageOf(err)}`);
    });
    return this.#discovered;
  }

  #discover(): Promise<client.Configuration> {
    const issuer = new URL(this.#config.issuer);
    // Plain http only to this machine (a provider on loopback, as in tests): the config refuses it elsewhere.
    const insecure = issuer.protocol === 'http:' && issuerAllowed(issuer);
    // Without a secret, a public client: PKCE alone proves the code is ours.
    const authentication = this.#config.clientSecret === undefined ? client.None() : undefined;
    return client.discovery(issuer, this.#config.clientId, this.#config.clientSecret, authentication, {
      timeout: 5,
      ...(insecure && { execute: [client.allowInsecureRequests] }),
    });
  }
}
