/**
 * A widget's query for an `http` source, and the request it becomes: the URL (base URL + path, default and
 * query params), the method, headers and JSON body, with `:variable` values bound only as whole values.
 */
import type { FieldSpec } from './json-frame.js';
import type { HttpSettings } from './options.js';
import type { SeriesSelector } from './prometheus-frame.js';

/** A literal query value. */
export type ParamValue = string | number | boolean;
/** Any JSON value, for a POST body. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A widget's `query:` for an http source (see query.schema.json). */
export interface HttpQuery {
  /** `/path` under the base URL, or an absolute URL on an allowed host. No variables. */
  path?: string;
  /** Default GET. */
  method?: 'GET' | 'POST';
  /** Query values; a string that is exactly `:name` is the value of variable `name`. */
  params?: Record<string, ParamValue | ParamValue[]>;
  /** JSON body (POST only); strings that are exactly `:name` are replaced by the variable's value. */
  body?: JsonValue;
  /** How to read the response. Default json. */
  format?: 'json' | 'prometheus';
  /** JSONPath selecting the rows (json). Default `$`: the whole document is one row. */
  rows?: string;
  /** The columns of the frame (json). */
  fields?: FieldSpec[];
  /** The series to pick (prometheus). */
  series?: SeriesSelector | SeriesSelector[];
}

/** An HTTP request ready to send. */
export interface OutgoingRequest {
  url: URL;
  method: 'GET' | 'POST' | 'HEAD';
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | undefined;
}

/** A whole `:name` value: the only way a variable enters a request. */
const VARIABLE = /^:([A-Za-z_][A-Za-z0-9_]*)$/;
/** A `:name` inside longer text: what the dashboard loader counts as a variable use (see core/config/dashboard-variables.ts). */
const EMBEDDED_VARIABLE = /(?<![:\w]):[A-Za-z_]/;

const ACCEPT = { json: 'application/json', prometheus: 'text/plain;version=0.0.4;q=0.9,*/*;q=0.1' } as const;

/**
 * Resolves one string of a query: `":name"` becomes the variable's value, other text stays as it is. Text with
 * a `:name` inside is refused rather than spliced, so a value can never change the shape of what is sent.
 * @example bindText(':region', { region: 'eu' }, 'params.region') // 'eu'
 */
export function bindText(text: string, variables: Readonly<Record<string, string>>, where: string): string {
  const name = VARIABLE.exec(text)?.[1];
  if (name !== undefined) {
    // Own properties only: a variable named like an Object.prototype member must not resolve to it.
    const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
    if (value === undefined) throw new Error(`http: ${where}: variable "${name}" is not set`);
    return value;
  }
  if (EMBEDDED_VARIABLE.test(text)) {
    throw new Error(`http: ${where}: ${JSON.stringify(text)} mixes text and a :variable; a variable must be the whole value, like ":region"`);
  }
  return text;
}

/** A JSON body with every whole-string `:name` replaced by the variable's value (as a JSON string). */
export function bindJson(value: JsonValue, variables: Readonly<Record<string, string>>, where: string): JsonValue {
  if (typeof value === 'string') return bindText(value, variables, where);
  if (Array.isArray(value)) return value.map((item, i) => bindJson(item, variables, `${where}[${i}]`));
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays a key and reaches no prototype.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, bindJson(item, variables, `${where}.${key}`)]));
  }
  return value;
}

/**
 * The URL a query's `path` names: under the base URL, or an absolute URL on an allowed host.
 * @example targetUrl('/api/v1/query', settings).href // 'http://127.0.0.1:9090/api/v1/query' for url http://127.0.0.1:9090
 */
export function targetUrl(path: string | undefined, settings: HttpSettings): URL {
  const url = new URL(settings.base);
  if (path === undefined || path === '') return url;
  if (EMBEDDED_VARIABLE.test(path)) throw new Error(`http: path ${JSON.stringify(path)} may not hold variables (a value could reach another path); pass them as params`);
  if (/[?#]/.test(path)) throw new Error(`http: path ${JSON.stringify(path)} may not hold "?" or "#"; put query values under params`);
  if (/^https?:\/\//i.test(path)) {
    const absolute = new URL(path);
    if (absolute.username !== '' || absolute.password !== '') throw new Error('http: path must not hold credentials; send them with "headers"');
    if (!settings.hosts.allows(absolute)) throw new Error(`http: path ${absolute.origin} is not an allowed host (allowed: ${settings.hosts.describe()}); add it to allowed_hosts`);
    return absolute;
  }
  if (!path.startsWith('/')) throw new Error(`http: path must start with / or be an http(s) URL; got ${JSON.stringify(path)}`);
  // Setting pathname can only change the path: whatever the text, scheme, host and port stay the base URL's.
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  return url;
}

/**
 * Builds the request for one query run: default query values first, overridden by the query's own `params`;
 * configured headers over the defaults; the body as JSON.
 */
export function buildRequest(query: HttpQuery, settings: HttpSettings, variables: Readonly<Record<string, string>>): OutgoingRequest {
  const url = targetUrl(query.path, settings);
  const params = Object.entries(query.params ?? {});
  const own = new Set(params.map(([name]) => name));
  // URLSearchParams does the encoding: a value can never add a parameter, a fragment or a path segment.
  const search = new URLSearchParams();
  for (const [name, value] of settings.query) if (!own.has(name)) search.append(name, value);
  for (const [name, value] of params) {
    for (const item of Array.isArray(value) ? value : [value]) {
      search.append(name, typeof item === 'string' ? bindText(item, variables, `params.${name}`) : String(item));
    }
  }
  url.search = search.toString();
  const method = query.method ?? 'GET';
  const headers: Record<string, string> = { accept: ACCEPT[query.format ?? 'json'], 'user-agent': 'rtdash-http-source', ...settings.headers };
  let body: string | undefined;
  if (query.body !== undefined) {
    if (method !== 'POST') throw new Error('http: a body is only sent with method: POST');
    body = JSON.stringify(bindJson(query.body, variables, 'body'));
    headers['content-type'] ??= 'application/json';
  }
  return { url, method, headers, body };
}
