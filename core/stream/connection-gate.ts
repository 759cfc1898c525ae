/**
 * Who may connect: the Origin header against `server.origins` (for streams and the API), and a cap on
 * connections per IP address (for the WebSocket and SSE endpoints).
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../errors.js';

/** Why a connection was refused. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  reason: string;
}

/**
 * The message for a browser on an origin that is not allowed.
 * @example originRefusal('https://x.example') // 'this site (https://x.example) is not in server.origins of this rtdash server'
 */
export function originRefusal(origin: string): string {
  return `this site (${origin.slice(0, 200)}) is not in server.origins of this rtdash server`;
}

/** Counts connections per IP and checks origins. */
export class ConnectionGate {
  readonly #perIp = new Map<string, number>();
  readonly #allowed: Set<string>;
  readonly #maxPerIp: number;
  readonly #ownOrigins: Set<string>;

  /**
   * @param origins `server.origins`: origins that may connect from a browser (`*` allows any); the server's
   *   own origin is always allowed, and requests without an Origin header (non-browser clients) are too.
   */
  constructor(origins: string[], maxPerIp: number, ownOrigins: string[] = []) {
    this.#allowed = new Set(origins.map(normalise));
    this.#maxPerIp = maxPerIp;
    this.#ownOrigins = new Set(ownOrigins.map(normalise));
  }

  /** Whether a browser on `origin` may connect. */
  originAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    const o = normalise(origin);
    if (this.#allowed.has('*') || this.#allowed.has(o) || this.#ownOrigins.has(o)) return true;
    // Same origin as the Host the request was sent to: the server's own pages.
    return host !== undefined && (o === `http://${host}` || o === `https://${host}`);
  }

  /** Counts the connection in, or says why not. Call `release` when it closes. */
  admit(req: IncomingMessage): Refusal | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined && !this.originAllowed(origin, req.headers.host)) return { status: 403, code: 'RTDASH_ORIGIN_NOT_ALLOWED', reason: originRefusal(origin) };
    const ip = this.ipOf(req);
    const n = this.#perIp.get(ip) ?? 0;
    if (n >= this.#maxPerIp) return { status: 429, code: 'RTDASH_TOO_MANY_CONNECTIONS', reason: 'Too many connections from this address' };
    this.#perIp.set(ip, n + 1);
    return undefined;
  }

  /** Counts a connection out. */
  release(req: IncomingMessage): void {
    const ip = this.ipOf(req);
    const n = (this.#perIp.get(ip) ?? 1) - 1;
    if (n <= 0) this.#perIp.delete(ip);
    else this.#perIp.set(ip, n);
  }

  /** The peer address of a request. */
  ipOf(req: IncomingMessage): string {
    return req.socket.remoteAddress ?? 'unknown';
  }
}

function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
