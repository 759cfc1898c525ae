/**
 * The options of a `prometheus` source, resolved into the `http` source's settings: the same host allowlist,
 * redirect rules, time-outs and size cap (one implementation of those rules, in plugins/http), plus the
 * Authorization header that `basic_auth` or `bearer_token` make.
 */
import { settingsOf as httpSettingsOf, type HttpOptions, type HttpSettings } from '../http/options.js';

/**
 * Options of a `prometheus` instance in config.yaml (see options.schema.json). A type alias, so it is
 * assignable to Record<string, unknown>.
 */
export type PrometheusOptions = {
  /** The server's base URL, like http://127.0.0.1:9090 (or with a path prefix, http://host/prometheus). */
  url: string;
  /** More hosts that redirects may reach; any other is refused. */
  allowed_hosts?: string[];
  /** Sent with every request; never logged. */
  headers?: Record<string, string>;
  /** HTTP basic authentication; the password is never logged. */
  basic_auth?: { username: string; password: string };
  /** Sent as `Authorization: Bearer …`; never logged. */
  bearer_token?: string;
  /** Longest wait for the response headers, as a duration (`2s`). */
  header_timeout?: string;
  /** Longest time to read a whole body once the headers are in. */
  body_timeout?: string;
  /** Largest response body in bytes. Default 10 MiB. */
  max_bytes?: number;
  /** Most redirects followed per request. Default 3. */
  max_redirects?: number;
};

/**
 * Checks the options and resolves them into request settings. Throws a TypeError naming the option; never
 * quotes a header value, a password or a token.
 * @example settingsOf({ url: 'http://127.0.0.1:9090', bearer_token: 't' }).headers.authorization // 'Bearer t'
 */
export function settingsOf(options: PrometheusOptions): HttpSettings {
  if (typeof options?.url !== 'string') throw new TypeError('prometheus: "url" is required: the server\'s base URL, like http://127.0.0.1:9090');
  if (URL.canParse(options.url)) {
    const url = new URL(options.url);
    if (url.username !== '' || url.password !== '') throw new TypeError('prometheus: "url" must not hold credentials; use "basic_auth" or "bearer_token"');
    if (url.search !== '' || url.hash !== '') throw new TypeError('prometheus: "url" must not have a query or fragment: give the server\'s base URL, like http://127.0.0.1:9090');
  }
  const headers = { ...(options.headers ?? {}) };
  const given = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
  const auth = authorization(options);
  if (auth !== undefined) {
    if (given) throw new TypeError('prometheus: give the Authorization header once: in "headers", or with "basic_auth" or "bearer_token"');
    headers['authorization'] = auth;
  }
  const http: HttpOptions = {
    url: options.url,
    headers,
    ...(options.allowed_hosts === undefined ? {} : { allowed_hosts: options.allowed_hosts }),
    ...(options.header_timeout === undefined ? {} : { header_timeout: options.header_timeout }),
    ...(options.body_timeout === undefined ? {} : { body_timeout: options.body_timeout }),
    ...(options.max_bytes === undefined ? {} : { max_bytes: options.max_bytes }),
    ...(options.max_redirects === undefined ? {} : { max_redirects: options.max_redirects }),
  };
  try {
    return httpSettingsOf(http);
  } catch (err) {
    // The rules are the http source's; the message names this plugin, whose options the user wrote.
    if (err instanceof TypeError) throw new TypeError(err.message.replace(/^http: /, 'prometheus: '));
    throw err;
  }
}

function authorization(options: PrometheusOptions): string | undefined {
  const basic = options.basic_auth;
  const bearer = options.bearer_token;
  if (basic !== undefined && bearer !== undefined) throw new TypeError('prometheus: "basic_auth" and "bearer_token" exclude each other; give one');
  if (bearer !== undefined) {
    if (typeof bearer !== 'string' || bearer === '' || /[\r\n\0]/.test(bearer)) throw new TypeError('prometheus: "bearer_token" must be one line of text');
    return `Bearer ${bearer}`;
  }
  if (basic !== undefined) {
    if (typeof basic?.username !== 'string' || typeof basic.password !== 'string') throw new TypeError('prometheus: "basic_auth" needs "username" and "password", both text');
    if (basic.username.includes(':')) throw new TypeError('prometheus: "basic_auth.username" may not contain ":"');
    return `Basic ${Buffer.from(`${basic.username}:${basic.password}`, 'utf8').toString('base64')}`;
  }
  return undefined;
}
