/**
 * The options of an `http` source, checked once at create time and turned into settings the requests use:
 * the base URL, the host allowlist, durations in milliseconds and the limits with their defaults.
 */
import { parseDuration } from '../../core/duration.js';

/**
 * Options of an `http` instance in config.yaml (see options.schema.json). A type alias rather than an interface,
 * so it is assignable to Record<string, unknown> and the definition can be listed as a plain PluginDefinition.
 */
export type HttpOptions = {
  /** Base URL; its host is always allowed. */
  url: string;
  /** More hosts (`name`, `name:port`, `*.domain`) that queries and redirects may reach. */
  allowed_hosts?: string[];
  /** Sent with every request; values often hold secrets (`${ENV}`), so they are never logged. */
  headers?: Record<string, string>;
  /** Query values added to every request; a query's own `params` override them. */
  query?: Record<string, string | number | boolean>;
  /** Longest wait for the response headers, as a duration (`2s`). Unset: only the query's timeout applies. */
  header_timeout?: string;
  /** Longest time to read the whole body once the headers are in. Unset: only the query's timeout applies. */
  body_timeout?: string;
  /** Largest response body in bytes. Default 10 MiB. */
  max_bytes?: number;
  /** Most redirects followed per request. Default 3. */
  max_redirects?: number;
  /** Path GET by health(); without it, health() asks the base URL with HEAD. */
  health_path?: string;
};

/** The response size cap when `max_bytes` is unset: 10 MiB. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** Redirects followed when `max_redirects` is unset. */
export const DEFAULT_MAX_REDIRECTS = 3;

/** One allowlist entry: a host name (or `*.` suffix) and, optionally, one port. */
interface HostRule {
  hostname: string;
  /** True for `*.example.com`: any subdomain, not the domain itself. */
  subdomains: boolean;
  /** Only this port; any port when undefined. */
  port: number | undefined;
}

/** The hosts a source may reach. */
export class HostAllowlist {
  readonly #rules: HostRule[];

  /** Builds the list from the base URL (its host name at its own port) and the `allowed_hosts` entries. */
  constructor(base: URL, extra: readonly string[]) {
    this.#rules = [{ hostname: base.hostname, subdomains: false, port: effectivePort(base) }, ...extra.map(parseHostRule)];
  }

  /** Whether `url` is an http(s) URL on an allowed host and port. */
  allows(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const port = effectivePort(url);
    return this.#rules.some((rule) => {
      const nameOk = rule.subdomains ? url.hostname.endsWith(`.${rule.hostname}`) : url.hostname === rule.hostname;
      return nameOk && (rule.port === undefined || rule.port === port);
    });
  }

  /** The list as people write it, for error messages. */
  describe(): string {
    return this.#rules.map((r) => `${r.subdomains ? '*.' : ''}${r.hostname}${r.port === undefined ? '' : `:${r.port}`}`).join(', ');
  }
}

/** Everything a request needs from the options, resolved once. */
export interface HttpSettings {
  /** The base URL, without query or fragment. */
  base: URL;
  hosts: HostAllowlist;
  headers: Readonly<Record<string, string>>;
  /** Default query values, in config order. */
  query: ReadonlyArray<readonly [string, string]>;
  headerTimeoutMs: number | undefined;
  bodyTimeoutMs: number | undefined;
  maxBytes: number;
  maxRedirects: number;
  healthPath: string | undefined;
}

// RFC 9110 token characters: what a header name may hold.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks the options and resolves them. Throws a TypeError naming the option and what was expected; never
 * quotes a header value, since those hold secrets.
 * @example settingsOf({ url: 'http://127.0.0.1:8080', header_timeout: '2s' }).headerTimeoutMs // 2000
 */
export function settingsOf(options: HttpOptions): HttpSettings {
  // Guarded at run time too: a caller that skipped the schema still gets a message, not a TypeError deep inside.
  if (typeof options?.url !== 'string') throw new TypeError('http: "url" is required: the base URL, like https://api.example.com');
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    // Not repeated: a url may carry a token in its path.
    throw new TypeError('http: "url" must be an absolute http:// or https:// URL, like https://api.example.com/v1');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`http: "url" must use http or https; got ${base.protocol}`);
  if (base.username !== '' || base.password !== '') throw new TypeError('http: "url" must not hold credentials; send them with "headers" (Authorization: ...)');
  if (base.search !== '' || base.hash !== '') throw new TypeError('http: "url" must not have a query or fragment; put query values under "query"');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new TypeError(`http: header name ${JSON.stringify(name)} is not a valid HTTP token`);
    if (typeof value !== 'string') throw new TypeError(`http: the value of header "${name}" must be text; got a ${value === null ? 'null' : typeof value} (quote it, or a \${VAR} that fills it)`);
    if (/[\r\n\0]/.test(value)) throw new TypeError(`http: the value of header "${name}" must be one line of text`);
    headers[name.toLowerCase()] = value;
  }
  const query = Object.entries(options.query ?? {}).map(([k, v]) => [k, String(v)] as const);
  const healthPath = options.health_path;
  if (healthPath !== undefined && !healthPath.startsWith('/')) throw new TypeError(`http: "health_path" must start with /; got ${JSON.stringify(healthPath)}`);
  return {
    base,
    hosts: new HostAllowlist(base, options.allowed_hosts ?? []),
    headers,
    query,
    headerTimeoutMs: durationOption(options.header_timeout, 'header_timeout'),
    bodyTimeoutMs: durationOption(options.body_timeout, 'body_timeout'),
    maxBytes: integerOption(options.max_bytes, 'max_bytes', 1, DEFAULT_MAX_BYTES),
    maxRedirects: integerOption(options.max_redirects, 'max_redirects', 0, DEFAULT_MAX_REDIRECTS),
    healthPath,
  };
}

/** The port a URL connects to, with the scheme's default filled in. */
export function effectivePort(url: URL): number {
  return url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

function parseHostRule(entry: string): HostRule {
  const subdomains = entry.startsWith('*.');
  const text = `http://${subdomains ? entry.slice(2) : entry}`;
  const url = URL.canParse(text) ? new URL(text) : undefined;
  // A path, credentials or a bare "*" would silently widen or break the rule: refuse them.
  if (url === undefined || url.hostname === '' || url.hostname.includes('*') || /[/@?#\s]/.test(entry)) {
    throw new TypeError(`http: allowed_hosts entry ${JSON.stringify(entry)} must be a host name, "name:port" or "*.domain"`);
  }
  // URL drops the default port ("name:80" reads as no port), yet the entry asked for exactly that one.
  const port = url.port !== '' ? Number(url.port) : /:\d+$/.test(entry) ? 80 : undefined;
  return { hostname: url.hostname, subdomains, port };
}

function durationOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (typeof ms === 'string') throw new TypeError(`http: "${name}": ${ms}`);
  if (ms <= 0) throw new TypeError(`http: "${name}" must be positive; got ${JSON.stringify(value)}`);
  return ms;
}

function integerOption(value: number | undefined, name: string, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new TypeError(`http: "${name}" must be an integer of at least ${min}; got ${JSON.stringify(value)}`);
  return value;
}
