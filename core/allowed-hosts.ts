/**
 * The names this server answers to, checked against the `Host` header of every request (pages, API, streams,
 * WebSocket upgrades). It stops DNS rebinding: a page on `rebind.attacker.example`, whose name the attacker
 * points at 127.0.0.1 after the page has loaded, would otherwise be "same origin" with this server and could
 * read dashboards and call admin routes from the visitor's browser.
 *
 * Always answered: IP addresses (a page reached by its address cannot be a rebound name) and `localhost`.
 * Besides those: `server.host` when it is a name, the host of `server.public_url`, and `server.hostnames`
 * (`*` there turns the check off).
 */
import { isIP } from 'node:net';

/** Where the names come from. */
export interface HostNamesConfig {
  host: string;
  publicUrl?: string;
  hostnames?: string[];
}

/** Names no DNS answer can take over: a browser resolves them to this machine itself. */
const LOOPBACK_NAMES = ['localhost'];

/** The names this server answers to. */
export class AllowedHosts {
  readonly #names = new Set<string>();
  readonly #any: boolean;

  constructor(config: HostNamesConfig) {
    const given = config.hostnames ?? [];
    this.#any = given.includes('*');
    const fromUrl = config.publicUrl !== undefined && URL.canParse(config.publicUrl) ? new URL(config.publicUrl).hostname : undefined;
    for (const name of [...LOOPBACK_NAMES, config.host, fromUrl, ...given]) {
      if (name === undefined || name === '*') continue;
      const bare = normalise(name);
      if (isIP(bare) === 0) this.#names.add(bare);
    }
  }

  /** Whether a request with this `Host` header is for this server. A request without one (HTTP/1.0, no browser) is. */
  allows(host: string | undefined): boolean {
    if (host === undefined || host === '' || this.#any) return true;
    const name = hostnameOf(host);
    if (name === undefined) return false;
    return isIP(name) !== 0 || this.#names.has(name) || name.endsWith('.localhost');
  }

  /**
   * Why a request for `host` is refused, saying how to allow it. The names the server does answer to are
   * left out: the page asking may be the attacker's, and `server.hostnames` may hold internal names.
   * @example refusal('rebind.attacker.example') // 'this server does not answer to the name "rebind.attacker.example" …'
   */
  refusal(host: string): string {
    const name = hostnameOf(host) ?? host;
    return `this server does not answer to the name "${name.slice(0, 200)}" (the Host header). If it is one of this server's names, add it to server.hostnames (or set server.public_url) in config.yaml`;
  }
}

/** The name of a Host header without its port, lower case and without a final dot; undefined when it is not a host. */
function hostnameOf(host: string): string | undefined {
  const text = host.trim();
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed !== null) return isIP(bracketed[1]!) === 6 ? bracketed[1]!.toLowerCase() : undefined;
  const m = /^([A-Za-z0-9_.-]+)(?::\d{1,5})?$/.exec(text);
  return m === null ? undefined : normalise(m[1]!);
}

function normalise(name: string): string {
  return name.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
}
