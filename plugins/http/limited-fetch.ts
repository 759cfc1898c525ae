/**
 * One HTTP exchange within the source's limits: Node's fetch with redirects followed by hand (each hop's host
 * checked against the allowlist), a time-out for the headers and one for the body, and a cap on the body size.
 * Every limit aborts the request, which closes its socket: a stuck or oversized response holds nothing.
 */
import { RtdashError } from '../../core/errors.js';
import { formatDuration } from '../../core/duration.js';
import type { HttpSettings } from './options.js';
import type { OutgoingRequest } from './request.js';

/** A response whose headers are in; its body is read on demand, within the limits. */
export interface Exchange {
  status: number;
  statusText: string;
  /** Where the response came from, after redirects. */
  url: URL;
  /** The media type, lower case without parameters (`application/json`); '' when the server sent none. */
  mediaType: string;
  /** Reads the whole body as UTF-8 text, within `max_bytes` and `body_timeout`. */
  text(): Promise<string>;
  /** Reads at most `limit` bytes of the body (for error messages), then lets the rest go. */
  snippet(limit?: number): Promise<string>;
  /** Ends the exchange: an unread body is cancelled. Safe to call more than once. */
  close(): void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers the source sets itself; configured headers beside these stay with the configured origin. */
const OWN_HEADERS = new Set(['accept', 'user-agent', 'content-type']);

/**
 * Where a URL points, for messages and logs: origin and path only, since query values may hold secrets.
 * A scheme without an origin (file:, gopher:, data:) is shown as scheme, host and path, cut at 200 characters.
 * @example describeUrl(new URL('https://api.example.com/v1?key=s3cret')) // 'https://api.example.com/v1'
 * @example describeUrl(new URL('file:///etc/passwd')) // 'file:///etc/passwd'
 */
export function describeUrl(url: URL): string {
  if (url.origin !== 'null') return `${url.origin}${url.pathname}`;
  const slashes = url.href.startsWith(`${url.protocol}//`) ? `//${url.host}` : '';
  return `${url.protocol}${slashes}${url.pathname}`.slice(0, 200);
}

/** Why a redirect target is refused: a scheme other than http(s), or a host the config does not name. */
function refusal(url: URL, settings: HttpSettings): string {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `only http and https redirects are followed, never ${url.protocol}`;
  return `${url.host} is not an allowed host (allowed: ${settings.hosts.describe()}); add it to allowed_hosts if it is safe`;
}

/**
 * Sends a request and follows redirects up to `max_redirects`, refusing any hop to a host the config does
 * not name. Resolves when the final response's headers are in. Rejects with the signal's reason when the
 * query is cancelled, and with a message naming the URL (never its query or headers) on any other failure.
 */
export async function send(request: OutgoingRequest, settings: HttpSettings, signal: AbortSignal): Promise<Exchange> {
  signal.throwIfAborted();
  // One controller for the limits, joined with the caller's signal: whichever fires first ends the request.
  const limits = new AbortController();
  const combined = AbortSignal.any([signal, limits.signal]);
  let { url, method, headers, body } = request;
  for (let hop = 0; ; hop++) {
    if (!settings.hosts.allows(url)) throw new Error(`http: ${describeUrl(url)} is not on an allowed host (allowed: ${settings.hosts.describe()})`);
    const response = await fetchHeaders(url, { method, headers, body }, settings, combined, limits);
    if (!REDIRECTS.has(response.status)) return exchangeOf(response, url, settings, combined, limits);
    await response.body?.cancel().catch(() => undefined);
    if (hop >= settings.maxRedirects) {
      throw new Error(`http: too many redirects from ${describeUrl(request.url)} (more than max_redirects: ${settings.maxRedirects})`);
    }
    const location = response.headers.get('location');
    const next = location !== null && URL.canParse(location, url.href) ? new URL(location, url) : undefined;
    if (next === undefined) throw new Error(`http: ${describeUrl(url)} answered ${response.status} without a usable Location header`);
    if (!settings.hosts.allows(next)) {
      throw new Error(`http: redirect from ${describeUrl(url)} to ${describeUrl(next)} refused: ${refusal(next, settings)}`);
    }
    // What browsers do: 303 always, and 301/302 after a POST, continue as a GET without the body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = withoutHeader(headers, 'content-type');
    }
    // Configured headers often carry credentials meant for the configured origin only, not wherever it redirects.
    if (next.origin !== url.origin) headers = Object.fromEntries(Object.entries(headers).filter(([name]) => OWN_HEADERS.has(name)));
    url = next;
  }
}

async function fetchHeaders(
  url: URL,
  init: { method: string; headers: Record<string, string>; body: string | undefined },
  settings: HttpSettings,
  combined: AbortSignal,
  limits: AbortController,
): Promise<Response> {
  const ms = settings.headerTimeoutMs;
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => limits.abort(new RtdashError('RTDASH_QUERY_TIMEOUT', `http: no response headers from ${describeUrl(url)} within ${formatDuration(ms)} (header_timeout)`)), ms);
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: combined });
  } catch (err) {
    if (combined.aborted) throw combined.reason;
    throw new Error(`http: cannot reach ${describeUrl(url)}: ${causeOf(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

function exchangeOf(response: Response, url: URL, settings: HttpSettings, combined: AbortSignal, limits: AbortController): Exchange {
  const where = describeUrl(url);
  let consumed = false;
  const fail = (err: Error): never => {
    // Aborting is what closes the socket; a cancelled reader alone could leave it open to the next request.
    limits.abort(err);
    throw err;
  };
  const read = async (limit: number, enforce: boolean): Promise<string> => {
    consumed = true;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (enforce && declared > settings.maxBytes) {
      fail(new Error(`http: the response from ${where} is ${declared} bytes, more than max_bytes (${settings.maxBytes})`));
    }
    const reader = response.body?.getReader();
    if (reader === undefined) return '';
    const ms = settings.bodyTimeoutMs;
    const timer =
      ms === undefined
        ? undefined
        : setTimeout(() => limits.abort(new RtdashError('RTDASH_QUERY_TIMEOUT', `http: the body from ${where} did not end within ${formatDuration(ms)} (body_timeout)`)), ms);
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (total + value.byteLength > limit) {
          if (enforce) fail(new Error(`http: the response from ${where} is larger than max_bytes (${settings.maxBytes} bytes); reading stopped there`));
          chunks.push(value.subarray(0, limit - total));
          await reader.cancel();
          break;
        }
        total += value.byteLength;
        chunks.push(value);
      }
    } catch (err) {
      if (combined.aborted) throw combined.reason;
      throw new Error(`http: reading the response from ${where} failed: ${causeOf(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    // TextDecoder replaces broken UTF-8 instead of throwing, and drops a byte-order mark.
    return new TextDecoder().decode(Buffer.concat(chunks));
  };
  return {
    status: response.status,
    statusText: response.statusText,
    url,
    mediaType: ((response.headers.get('content-type') ?? '').split(';')[0] ?? '').trim().toLowerCase(),
    text: () => read(settings.maxBytes, true),
    snippet: (limit = 2048) => read(Math.min(limit, settings.maxBytes), false),
    close() {
      if (!consumed) response.body?.cancel().catch(() => undefined);
      consumed = true;
    },
  };
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
}

/** The useful part of a fetch failure: undici wraps the socket error ("connect ECONNREFUSED …") as its cause. */
function causeOf(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause !== undefined; depth++) current = current.cause;
  if (current instanceof AggregateError && current.errors[0] instanceof Error) current = current.errors[0];
  if (current instanceof Error) return current.message || (current as NodeJS.ErrnoException).code || current.name;
  return String(current);
}
