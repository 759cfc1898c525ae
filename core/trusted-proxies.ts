/**
 * Who is the client behind a reverse proxy: `server.trusted_proxies` lists the proxies (addresses or CIDR
 * ranges) whose `X-Forwarded-For` is believed. From anyone else the header is a claim the client made about
 * itself, so it is ignored, and the peer address of the socket is the client.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** The client of one request, as far as the trusted proxies tell. */
export interface ClientAddress {
  /** The client's IP address: the right-most address of X-Forwarded-For that is not a trusted proxy, else the peer's. */
  ip: string;
  /** Whether a proxy stands between: the peer is a trusted proxy, or the request carries forwarding headers. */
  proxied: boolean;
}

/** Headers that say a proxy forwarded the request (from a trusted proxy or not). */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host'];

/**
 * Why an entry of `server.trusted_proxies` is not an address or a CIDR range, or undefined when it is one.
 * @example proxyEntryProblem('10.0.0.0/33') // 'the prefix length of an IPv4 range is 0 to 32'
 */
export function proxyEntryProblem(entry: string): string | undefined {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return 'expected an IP address such as 10.0.0.5 or a CIDR range such as 10.0.0.0/8 or fd00::/8';
  if (prefix === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > max) return `the prefix length of an IPv${family} range is 0 to ${max}`;
  return undefined;
}

/** An address as written by Node for an IPv4 client on a dual-stack socket (`::ffff:10.0.0.1`), as plain IPv4. */
export function bareAddress(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** Whether an address is this machine's loopback (127.0.0.0/8 or ::1). */
export function isLoopbackAddress(ip: string): boolean {
  const bare = bareAddress(ip);
  return bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

/** The proxies of `server.trusted_proxies`, and the client address of a request through them. */
export class TrustedProxies {
  readonly #list = new BlockList();
  readonly #size: number;

  /** @param entries addresses and CIDR ranges; entries `proxyEntryProblem` refuses are skipped (the config loader reports them). */
  constructor(entries: readonly string[] = []) {
    let size = 0;
    for (const entry of entries) {
      if (proxyEntryProblem(entry) !== undefined) continue;
      const [address, prefix] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.#list.addAddress(address, type);
      else this.#list.addSubnet(address, Number(prefix), type);
      size++;
    }
    this.#size = size;
  }

  /** Whether `ip` is one of the trusted proxies. */
  trusts(ip: string): boolean {
    if (this.#size === 0) return false;
    const bare = bareAddress(ip);
    const family = isIP(bare);
    return family !== 0 && this.#list.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client of a request. Only a trusted peer's X-Forwarded-For is read, from the right: each trusted
   * address is a proxy that passed the request on, and the first one that is not is the client. Addresses
   * further left were written by the client itself, so they are never believed.
   */
  clientOf(req: IncomingMessage): ClientAddress {
    const peer = bareAddress(req.socket.remoteAddress ?? 'unknown');
    const forwarded = FORWARDING_HEADERS.some((h) => req.headers[h] !== undefined);
    if (!this.trusts(peer)) return { ip: peer, proxied: forwarded };
    let client = peer;
    const hops = String(req.headers['x-forwarded-for'] ?? '').split(',').reverse();
    for (const hop of hops) {
      const ip = hopAddress(hop);
      if (ip === undefined) break;
      client = ip;
      if (!this.trusts(ip)) break;
    }
    return { ip: client, proxied: true };
  }
}

/** One entry of X-Forwarded-For as an address: `1.2.3.4`, `1.2.3.4:5678`, `::1` or `[::1]:5678`. */
function hopAddress(hop: string): string | undefined {
  const text = hop.trim();
  if (isIP(text) !== 0) return bareAddress(text);
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(text) ?? /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return m !== null && isIP(m[1]!) !== 0 ? bareAddress(m[1]!) : undefined;
}
