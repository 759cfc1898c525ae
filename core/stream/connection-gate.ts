/**
 * Who may connect: the Host header against the server's own names (core/allowed-hosts.ts), the Origin header
 * against `server.origins` (for streams and the API), and a cap on connections per client IP address (for the
 * streams), where the client behind a trusted proxy is found by core/trusted-proxies.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorCode } from '../errors.js';
import { AllowedHosts } from '../allowed-hosts.js';
import { TrustedProxies, isLoopbackAddress } from '../trusted-proxies.js';

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

/** The names and proxies a gate checks requests against. */
export interface GateNetwork {
  /** The server's own names; by default IP addresses, localhost and 127.0.0.1. */
  hosts?: AllowedHosts;
  /** `server.trusted_proxies`; by default none. */
  proxies?: TrustedProxies;
}

/** Counts connections per IP and checks hosts and origins. */
export class ConnectionGate {
  readonly #perIp = new Map<string, number>();
  readonly #allowed: Set<string>;
  readonly #maxPerIp: number;
  readonly #ownOrigins: Set<string>;
  readonly #hosts: AllowedHosts;
  readonly #proxies: TrustedProxies;

  /**
   * @param origins `server.origins`: origins that may connect from a browser (`*` allows any); the server's
   *   own origin is always allowed, and requests without an Origin header (non-browser clients) are too.
   */
  constructor(origins: string[], maxPerIp: number, ownOrigins: string[] = [], network: GateNetwork = {}) {
    this.#allowed = new Set(origins.map(normalise));
    this.#maxPerIp = maxPerIp;
    this.#ownOrigins = new Set(ownOrigins.map(normalise));
    this.#hosts = network.hosts ?? new AllowedHosts({ host: '127.0.0.1' });
    this.#proxies = network.proxies ?? new TrustedProxies();
  }

  /** Whether a request with this Host header is for this server (not a rebound name); undefined (no header) is. */
  hostAllowed(host: string | undefined): boolean {
    return this.#hosts.allows(host);
  }

  /** The RTDASH_HOST_NOT_ALLOWED refusal of a request for another name. */
  hostRefusal(host: string): Refusal {
    return { status: 421, code: 'RTDASH_HOST_NOT_ALLOWED', reason: this.#hosts.refusal(host) };
  }

  /**
   * Whether a request comes straight from this machine: a loopback peer that is no proxy and that forwarded
   * nothing. Behind a reverse proxy on the same host every visitor arrives from loopback, so forwarding marks
   * a request as someone else's.
   */
  localCaller(req: IncomingMessage): boolean {
    const client = this.#proxies.clientOf(req);
    return !client.proxied && isLoopbackAddress(client.ip);
  }

  /** Whether a browser on `origin` may connect. */
  originAllowed(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined) return true;
    const o = normalise(origin);
    if (this.#allowed.has('*') || this.#allowed.has(o) || this.#ownOrigins.has(o)) return true;
    // Same origin as the Host the request was sent to: the server's own pages.
    return host !== undefined && (o === `http://${host}` || o === `https://${host}`);
  }

  /**
   * Whether `origin` is the server's own (its public_url, or the Host the request was sent to), not merely a site
   * allowed to embed it: only the server's own pages act with a viewer's sign-in. No Origin (not a browser page's
   * request) counts as own.
   */
  ownOrigin(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || origin === '') return true;
    const o = normalise(origin);
    return this.#ownOrigins.has(o) || (host !== undefined && (o === `http://${host}` || o === `https://${host}`));
  }

  /** Counts the connection in, or says why not. Call `release` when it closes. */
  admit(req: IncomingMessage): Refusal | undefined {
    const host = req.headers.host;
    if (!this.hostAllowed(host)) return this.hostRefusal(host!);
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

  /** Slots counted in and not yet out, over all addresses: 0 once every connection has closed. */
  get slots(): number {
    let n = 0;
    for (const count of this.#perIp.values()) n += count;
    return n;
  }

  /** The client address of a request: the peer's, or the one a trusted proxy forwarded. Per-IP caps and logs use it. */
  ipOf(req: IncomingMessage): string {
    return this.#proxies.clientOf(req).ip;
  }
}

function normalise(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}
