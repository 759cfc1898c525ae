/**
 * The `http` data source: JSON (mapped with JSONPath) or the Prometheus text format, over HTTP(S), from the
 * hosts its config names and no others. See README.md for options, queries and limits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import { DEFAULT_MAX_COLUMNS } from '../../core/frame.js';
import { definePlugin, type DataSource, type Frame, type Health, type JsonSchema, type PluginContext } from '../../core/plugin.js';
import { jsonFrame, parseJsonBody, snippetOf } from './json-frame.js';
import { describeUrl, send, type Exchange } from './limited-fetch.js';
import { settingsOf, type HttpOptions, type HttpSettings } from './options.js';
import { parsePrometheusBody, seriesFrame, type SeriesSelector } from './prometheus-frame.js';
import { buildRequest, targetUrl, type HttpQuery, type OutgoingRequest } from './request.js';
import { sourceLifetime } from './run-signal.js';

/** The option and query types, re-exported so a config tool or a test needs only this module. */
export type { HttpOptions } from './options.js';
export type { HttpQuery } from './request.js';
export type { FieldSpec } from './json-frame.js';
export type { SeriesSelector } from './prometheus-frame.js';

/**
 * Builds an http source from its context: checks the options (failing fast with what to fix) and answers
 * queries and health checks within the configured limits.
 * @example const source = createHttpSource(fakePluginContext({ url: 'http://127.0.0.1:8080' }));
 */
export function createHttpSource(ctx: PluginContext<HttpOptions>): DataSource<HttpQuery> {
  const settings = settingsOf(ctx.options);
  // Closing the source (or the core closing it) cancels whatever it still has in flight.
  const lifetime = sourceLifetime(`http source "${ctx.name}"`, ctx.signal);
  // Malformed lines of a scrape are skipped; the log says so when what was skipped changes, not every run.
  let lastSkipped = '';
  const reportSkipped = (where: string, problems: readonly string[]): void => {
    const said = problems.length === 0 ? '' : `${where}\n${problems.join('\n')}`;
    if (said === lastSkipped) return;
    lastSkipped = said;
    if (problems.length > 0) ctx.logger.warn({ url: where, skipped: problems.length, first: problems[0] }, 'skipped malformed lines of a Prometheus exposition');
  };

  return {
    async query(query, qctx): Promise<Frame> {
      qctx.signal.throwIfAborted();
      lifetime.signal.throwIfAborted();
      // A query the schema would have refused fails here, before anything is sent.
      const selectors = query.format === 'prometheus' ? selectorsOf(query) : undefined;
      if (selectors === undefined && (!Array.isArray(query.fields) || query.fields.length === 0)) {
        throw new Error('http: a json query needs "fields": [{ name, path, type }]');
      }
      const request = buildRequest(query, settings, qctx.variables);
      const started = performance.now();
      return lifetime.during(qctx.signal, async (signal) => {
        const exchange = await send(request, settings, signal);
        try {
          const where = describeUrl(exchange.url);
          if (exchange.status < 200 || exchange.status > 299) throw await statusError(exchange);
          const text = await exchange.text();
          // Never the headers or the query string: both may carry secrets from config.
          ctx.logger.debug({ url: where, status: exchange.status, chars: text.length, ms: Math.round(performance.now() - started) }, 'http response');
          if (selectors !== undefined) {
            const { samples, problems } = parsePrometheusBody(text, exchange.mediaType, where);
            reportSkipped(where, problems);
            return seriesFrame(samples, selectors, qctx.variables, qctx.range.to, qctx.maxColumns ?? DEFAULT_MAX_COLUMNS, ctx.name);
          }
          return jsonFrame(parseJsonBody(text, exchange.mediaType, where), query.rows ?? '$', query.fields ?? [], qctx.maxRows);
        } finally {
          exchange.close();
        }
      });
    },

    health(signal): Promise<Health> {
      return lifetime.during(signal, (joined) => checkHealth(settings, joined)).catch((err: unknown): Health => ({ status: 'down', message: messageOf(err) }));
    },

    close(): void {
      lifetime.close();
    },
  };
}

/** The `http` plugin definition. */
export default definePlugin<HttpOptions, HttpQuery>({
  type: 'http',
  description: 'JSON (picked with JSONPath) or the Prometheus text format over HTTP(S), only from the hosts its config names.',
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  checkOptions: (options) => void settingsOf(options),
  create: createHttpSource,
});

/**
 * With `health_path`: a GET that must answer 2xx. Without: a HEAD of the base URL (a GET where HEAD is not
 * allowed), where any answer below 500 counts as up, since an API's bare base URL often answers 404 or 401.
 */
async function checkHealth(settings: HttpSettings, signal: AbortSignal): Promise<Health> {
  const path = settings.healthPath;
  const request: OutgoingRequest = {
    url: path === undefined ? new URL(settings.base) : targetUrl(path, settings),
    method: path === undefined ? 'HEAD' : 'GET',
    headers: { accept: '*/*', 'user-agent': 'rtdash-http-source', ...settings.headers },
    body: undefined,
  };
  let exchange = await send(request, settings, signal);
  if (path === undefined && (exchange.status === 405 || exchange.status === 501)) {
    exchange.close();
    exchange = await send({ ...request, method: 'GET' }, settings, signal);
  }
  try {
    const up = path === undefined ? exchange.status < 500 : exchange.status >= 200 && exchange.status <= 299;
    if (up) return { status: 'ok' };
    return { status: 'down', message: (await statusError(exchange)).message };
  } finally {
    exchange.close();
  }
}

/** The error for a response that is not 2xx: its status and the start of its body, which usually says why. */
async function statusError(exchange: Exchange): Promise<Error> {
  // A body that fails or stalls must not hide the status, which is the news here.
  const body = exchange.status === 204 ? '' : await exchange.snippet().catch(() => '');
  const status = `${exchange.status}${exchange.statusText === '' ? '' : ` ${exchange.statusText}`}`;
  return new Error(`http: ${describeUrl(exchange.url)} answered HTTP ${status}${body.trim() === '' ? '' : `: ${snippetOf(body)}`}`);
}

function selectorsOf(query: HttpQuery): SeriesSelector[] {
  const series = query.series === undefined ? [] : Array.isArray(query.series) ? query.series : [query.series];
  if (series.length === 0) throw new Error('http: a prometheus query needs "series": { metric, labels }');
  return series;
}

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'http', file), 'utf8')) as JsonSchema;
}
