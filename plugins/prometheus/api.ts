/**
 * One call to Prometheus' HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/), through the
 * `http` source's guarded fetch (allowed hosts, redirects, time-outs, size cap), and its answer read into
 * `data` or an error that says what went wrong: the server is down, answered an HTTP error, refused the query
 * (`bad_data` for a PromQL syntax error, with Prometheus' own message), or sent something that is not JSON.
 */
import { RtdashError } from '../../core/errors.js';
import { snippetOf } from '../http/json-frame.js';
import { describeUrl, send } from '../http/limited-fetch.js';
import type { HttpSettings } from '../http/options.js';
import { targetUrl } from '../http/request.js';

/** What a Prometheus API call returns on success. */
export interface ApiAnswer {
  data: unknown;
  /** Prometheus' warnings, if any (a query that touched too much, say). */
  warnings: string[];
}

/** Error types Prometheus reports when it ran out of time or was cancelled: the query's time-out code. */
const TIMEOUT_TYPES = new Set(['timeout', 'canceled']);

/**
 * GETs `path` (under the base URL) with `params` and reads Prometheus' JSON envelope.
 * @example await callApi('/api/v1/query', { query: 'up', time: '1700000000' }, settings, signal)
 */
export async function callApi(path: string, params: Record<string, string>, settings: HttpSettings, signal: AbortSignal): Promise<ApiAnswer> {
  const url = targetUrl(path, settings);
  url.search = new URLSearchParams(params).toString();
  const where = describeUrl(url);
  const exchange = await send({ url, method: 'GET', headers: { accept: 'application/json', 'user-agent': 'rtdash-prometheus-source', ...settings.headers }, body: undefined }, settings, signal).catch((err: unknown) => {
    throw renamed(err, signal);
  });
  try {
    const text = await exchange.text().catch((err: unknown) => {
      throw renamed(err, signal);
    });
    let envelope: { status?: unknown; data?: unknown; errorType?: unknown; error?: unknown; warnings?: unknown } | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) envelope = parsed as typeof envelope;
    } catch {
      envelope = undefined;
    }
    if (envelope?.status === 'error') {
      const type = typeof envelope.errorType === 'string' ? envelope.errorType : 'error';
      const message = `prometheus: ${where} refused the query (${type}, HTTP ${exchange.status}): ${String(envelope.error)}`;
      throw TIMEOUT_TYPES.has(type) ? new RtdashError('RTDASH_QUERY_TIMEOUT', message) : new Error(message);
    }
    if (exchange.status < 200 || exchange.status > 299) {
      const status = `${exchange.status}${exchange.statusText === '' ? '' : ` ${exchange.statusText}`}`;
      throw new Error(`prometheus: ${where} answered HTTP ${status}${text.trim() === '' ? '' : `: ${snippetOf(text)}`}`);
    }
    if (envelope === undefined || envelope.status !== 'success') {
      const what = exchange.mediaType === '' ? 'no content type' : exchange.mediaType;
      throw new Error(`prometheus: ${where} did not answer as the Prometheus API does (JSON with "status": "success"); got ${what}: ${snippetOf(text)}`);
    }
    const warnings = Array.isArray(envelope.warnings) ? envelope.warnings.map(String) : [];
    return { data: envelope.data, warnings };
  } finally {
    exchange.close();
  }
}

/**
 * The guarded fetch's error with this plugin's name in front, keeping the original as `cause`, which is
 * where the core reads the failure code (a refused connection is RTDASH_SOURCE_UNREACHABLE, a time-out
 * RTDASH_QUERY_TIMEOUT). A cancellation is passed on as it is.
 */
function renamed(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && err === signal.reason) return err;
  if (!(err instanceof Error)) return err;
  const message = err.message.replace(/^http: /, 'prometheus: ');
  return err instanceof RtdashError ? new RtdashError(err.code, message, { cause: err }) : new Error(message, { cause: err });
}
