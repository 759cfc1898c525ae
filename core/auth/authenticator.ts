/**
 * Who is behind a request or a socket: a signed-in session (its cookie), or the user a trusted proxy names in its
 * header. Every door asks here, then asks the dashboard rule (dashboard-rule.ts) what that viewer may watch.
 */
import type { IncomingMessage } from 'node:http';
import { signInModes } from '../config/auth-config.js';
import type { AuthConfig } from '../model.js';
import { TrustedProxies } from '../trusted-proxies.js';
import type { LocalUsers } from './local-users.js';
import { OidcProvider } from './oidc.js';
import { roleOf, type Principal } from './principal.js';
import { SESSION_COOKIE, cookieValue, type Session, type SessionStore } from './sessions.js';

/** A viewer as a door sees them: the principal, and the session it came from (none for the proxy header). */
export interface Identity {
  principal: Principal;
  session?: Session;
}

/** Who is behind a request or an upgrade: what every door is given. */
export type Identify = (req: IncomingMessage) => Identity | undefined;

/** The sign-in modes of one server. */
export class Authenticator {
  readonly sessions: SessionStore;
  readonly users: LocalUsers | undefined;
  /** The OpenID Connect provider (auth.oidc), if any. */
  readonly oidc: OidcProvider | undefined;
  readonly #config: AuthConfig;
  readonly #proxies: TrustedProxies | undefined;
  readonly #own: (req: IncomingMessage) => boolean;
  /** Each request's answer (null: anonymous): a route asks several times (the rule, the role, the nav), the cookie is checked once. */
  readonly #seen = new WeakMap<IncomingMessage, Identity | null>();

  /** @param own whether a request comes from the server's own pages (or no page at all): only those act as a signed-in viewer. */
  constructor(config: AuthConfig, sessions: SessionStore, users: LocalUsers | undefined, own: (req: IncomingMessage) => boolean = () => true) {
    this.#config = config;
    this.#own = own;
    this.sessions = sessions;
    this.users = users;
    this.oidc = config.oidc === undefined ? undefined : new OidcProvider(config.oidc);
    this.#proxies = config.proxy === undefined ? undefined : new TrustedProxies(config.proxy.trusted);
  }

  /** Whether users can sign in at all (a provider, a users file or the proxy header). */
  get enabled(): boolean {
    return this.modes.length > 0;
  }

  /** Which ways of signing in this server offers, for the page. */
  get modes(): ('oidc' | 'local' | 'proxy')[] {
    return signInModes(this.#config);
  }

  /** A principal for `name` in `groups`, with the role `auth.roles` gives them. */
  principal(name: string, groups: readonly string[], via: Principal['via']): Principal {
    return { name, groups, role: roleOf(groups, this.#config.roles ?? { admin: [], editor: [] }), via };
  }

  /**
   * The viewer behind a request: the trusted proxy's header (only on a connection from one of `auth.proxy.trusted`;
   * from anyone else it is ignored), else a live session cookie; undefined for an anonymous viewer. A request from
   * another site's page (an Origin not the server's own, even one allowed to embed it) is anonymous: a page elsewhere
   * never acts, or reads, with a viewer's sign-in.
   */
  identify(req: IncomingMessage): Identity | undefined {
    const seen = this.#seen.get(req);
    // A session that ended during the request (its sign-out) is asked about again: it is gone.
    if (seen !== undefined && (seen?.session === undefined || this.sessions.live(seen.session))) return seen ?? undefined;
    const identity = this.#identify(req);
    this.#seen.set(req, identity ?? null);
    return identity;
  }

  #identify(req: IncomingMessage): Identity | undefined {
    if (!this.#own(req)) return undefined;
    const proxy = this.#config.proxy;
    if (proxy !== undefined && this.#proxies!.trusts(req.socket.remoteAddress ?? '')) {
      const name = headerOf(req, proxy.header)?.trim();
      if (name !== undefined && name !== '') {
        const groups = proxy.groupsHeader === undefined ? [] : (headerOf(req, proxy.groupsHeader) ?? '').split(',').map((g) => g.trim()).filter((g) => g !== '');
        return { principal: this.principal(name, groups, 'proxy') };
      }
    }
    const session = this.sessions.fromCookie(cookieValue(req.headers.cookie, SESSION_COOKIE));
    return session === undefined ? undefined : { principal: session.principal, session };
  }

  /** Makes sure the session a request's cookie names is known here (with `cluster.redis`, it may have started on another instance). */
  async warm(req: IncomingMessage): Promise<void> {
    if (!this.#own(req)) return;
    await this.sessions.warm(cookieValue(req.headers.cookie, SESSION_COOKIE));
    this.#seen.delete(req); // asked before the session was read: ask again
  }

  /**
   * Whether a session still stands, looked at again: live, and (for a local user) the user still in the users file,
   * with the groups it had. A user removed or regrouped ends their sessions; answers with the principal to use now.
   */
  async recheck(session: Session): Promise<Principal | undefined> {
    if (!this.sessions.live(session)) return undefined;
    if (await this.sessions.endedElsewhere(session)) {
      this.sessions.end(session.id);
      return undefined;
    }
    if (session.principal.via === 'oidc' && this.oidc !== undefined && session.oidc !== undefined) {
      const user = await this.oidc.refresh(session.oidc, session.principal.name);
      if (user === 'fresh') return session.principal;
      if (user !== undefined && sameGroups(user.groups, session.principal.groups)) {
        session.oidc = user.tokens;
        await this.sessions.save(session);
        return session.principal;
      }
      this.sessions.end(session.id);
      return undefined;
    }
    if (session.principal.via !== 'local' || this.users === undefined) return session.principal;
    const user = (await this.users.users().catch(() => undefined))?.get(session.principal.name);
    if (user !== undefined && sameGroups(user.groups, session.principal.groups)) return session.principal;
    this.sessions.end(session.id);
    return undefined;
  }
}

function sameGroups(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((g) => b.includes(g));
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
