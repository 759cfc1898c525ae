/**
 * Sign-in sessions, kept on the server: the cookie carries only a random id and its signature, so a session can be
 * ended (sign-out, expiry, a user removed) and every socket opened with it closed. Kept in memory, and with
 * `cluster.redis` in Redis too (shared-sessions.ts), so a viewer signed in on one instance is on all of them.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from './principal.js';
import type { OidcTokens } from './oidc.js';
import type { SharedSessions } from './shared-sessions.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'rtdash_session';

/** One signed-in viewer's session. */
export interface Session {
  readonly id: string;
  readonly principal: Principal;
  /** Sent back by the page on every state-changing request (X-CSRF-Token). */
  readonly csrf: string;
  readonly expiresAt: number;
  /** A session signed in through OpenID Connect: its tokens, replaced at each refresh. */
  oidc?: OidcTokens;
}

/** How often ended sessions are looked for (and their sockets told). */
const SWEEP_MS = 15_000;

/** The sessions of one server, and the cookie that names them. */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #ended = new Set<(session: Session) => void>();
  readonly #sweep: NodeJS.Timeout;
  readonly #shared: SharedSessions | undefined;

  /**
   * @param secret `auth.session_secret`; without one, a random secret (sessions end when the process does).
   * @param shared with `cluster.redis`: where every instance's sessions are, and where ending one is heard.
   */
  constructor(secret: string | undefined, ttlMs: number, shared?: SharedSessions) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret);
    this.#ttlMs = ttlMs;
    this.#shared = shared;
    this.#sweep = setInterval(() => this.#expire(Date.now()), SWEEP_MS).unref();
    // Another instance's sign-out (or this one's, heard back): its sockets here close too.
    shared?.onEnded((id) => this.#endHere(id));
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Starts a session (stored where every instance reads it, with `cluster.redis`); returns it and the cookie value that names it. */
  async start(principal: Principal, oidc?: OidcTokens, now = Date.now()): Promise<{ session: Session; cookie: string }> {
    const id = randomBytes(24).toString('base64url');
    const session: Session = { id, principal, csrf: randomBytes(24).toString('base64url'), expiresAt: now + this.#ttlMs, ...(oidc !== undefined && { oidc }) };
    this.#sessions.set(id, session);
    await this.#shared?.put(session, now);
    return { session, cookie: `${id}.${this.#sign(id)}` };
  }

  /** Stores a session again after its tokens changed (a refresh), for the other instances. */
  async save(session: Session): Promise<void> {
    await this.#shared?.put(session);
  }

  /**
   * Makes sure a session another instance started is known here before a request is answered: with `cluster.redis`,
   * a validly signed cookie naming a session not known here is read from Redis. Without it, nothing to do.
   */
  async warm(value: string | undefined, now = Date.now()): Promise<void> {
    if (this.#shared === undefined || value === undefined) return;
    const id = this.#verified(value);
    if (id === undefined || this.#sessions.has(id)) return;
    const stored = await this.#shared.get(id);
    if (stored === undefined || now >= stored.expiresAt || this.#sessions.has(id)) return;
    this.#sessions.set(id, stored);
  }

  /** Whether another instance ended the session (its key is gone from Redis); false without Redis, or when Redis does not answer. */
  async endedElsewhere(session: Session): Promise<boolean> {
    return (await this.#shared?.exists(session.id)) === false;
  }

  /** The live session a cookie value names; undefined for a forged, foreign (another secret), ended or expired one. */
  fromCookie(value: string | undefined, now = Date.now()): Session | undefined {
    const id = value === undefined ? undefined : this.#verified(value);
    if (id === undefined) return undefined;
    const session = this.#sessions.get(id);
    if (session === undefined) return undefined;
    if (now >= session.expiresAt) {
      this.end(session.id);
      return undefined;
    }
    return session;
  }

  /** Whether the session is still live (not ended, not expired). */
  live(session: Session, now = Date.now()): boolean {
    return this.#sessions.get(session.id) === session && now < session.expiresAt;
  }

  /** Ends a session (sign-out) here and, with `cluster.redis`, on every instance: its sockets are closed. */
  end(id: string): void {
    this.#endHere(id);
    void this.#shared?.remove(id);
  }

  #endHere(id: string): void {
    const session = this.#sessions.get(id);
    if (session === undefined) return;
    this.#sessions.delete(id);
    for (const listener of this.#ended) listener(session);
  }

  /** Ends every session of a user (removed, or their password changed). */
  endUser(name: string): void {
    for (const session of [...this.#sessions.values()]) if (session.principal.name === name) this.end(session.id);
  }

  /** Calls `listener` with each session that ends, however it ends. */
  onEnd(listener: (session: Session) => void): () => void {
    this.#ended.add(listener);
    return () => this.#ended.delete(listener);
  }

  close(): void {
    clearInterval(this.#sweep);
    this.#shared?.close();
  }

  /** The session id a cookie value names, when its signature is this server's. */
  #verified(value: string): string | undefined {
    const dot = value.indexOf('.');
    if (dot <= 0) return undefined;
    const id = value.slice(0, dot);
    const given = Buffer.from(value.slice(dot + 1));
    const expected = Buffer.from(this.#sign(id));
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  #expire(now: number): void {
    for (const session of [...this.#sessions.values()]) if (now >= session.expiresAt) this.end(session.id);
  }

  #sign(id: string): string {
    return createHmac('sha256', this.#secret).update(id).digest('base64url');
  }
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
