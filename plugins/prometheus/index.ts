/**
 * The `prometheus` data source: PromQL over Prometheus' HTTP API, instant queries for stats and tables and
 * range queries (start, end and step from the dashboard's time range) for charts. It only reads, and reaches
 * only the hosts its config names, by the `http` source's rules. See README.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf } from '../../core/errors.js';
import { DEFAULT_MAX_COLUMNS, rowCount, sliceFrame } from '../../core/frame.js';
import { packageRoot } from '../../core/paths.js';
import { definePlugin, type DataSource, type Frame, type Health, type JsonSchema, type PluginContext } from '../../core/plugin.js';
import type { HttpSettings } from '../http/options.js';
import { sourceLifetime } from '../http/run-signal.js';
import { callApi } from './api.js';
import { settingsOf, type PrometheusOptions } from './options.js';
import { planQuery, unixSeconds, type PrometheusQuery } from './query.js';
import { seriesFrame, type PromData } from './series-frame.js';

export type { PrometheusOptions } from './options.js';
export type { PrometheusQuery } from './query.js';

/**
 * Builds a prometheus source: checks the options (failing fast with what to fix) and answers queries and
 * health checks.
 * @example const source = createPrometheusSource(fakePluginContext({ url: 'http://127.0.0.1:9090' }));
 */
export function createPrometheusSource(ctx: PluginContext<PrometheusOptions>): DataSource<PrometheusQuery> {
  const settings = settingsOf(ctx.options);
  const lifetime = sourceLifetime(`prometheus source "${ctx.name}"`, ctx.signal);

  return {
    async query(query, qctx): Promise<Frame> {
      qctx.signal.throwIfAborted();
      lifetime.signal.throwIfAborted();
      const plan = planQuery(query, qctx);
      const kind = plan.kind;
      const [path, params]: [string, Record<string, string>] = kind.instant
        ? ['/api/v1/query', { query: plan.promql, time: unixSeconds(kind.time) }]
        : ['/api/v1/query_range', { query: plan.promql, start: unixSeconds(kind.start), end: unixSeconds(kind.end), step: String(kind.stepSeconds) }];
      const started = performance.now();
      const answer = await lifetime.during(qctx.signal, (signal) => callApi(path, params, settings, signal));
      // Never the headers (credentials) nor the PromQL, which holds the viewers' variable values.
      ctx.logger.debug({ path, ms: Math.round(performance.now() - started), warnings: answer.warnings.length }, 'prometheus response');
      if (answer.warnings.length > 0) ctx.logger.warn({ path, warnings: answer.warnings.slice(0, 5) }, 'prometheus answered with warnings');
      const data = answer.data as PromData | undefined;
      if (typeof data !== 'object' || data === null) throw new Error('prometheus: the answer has no "data"');
      const time = kind.instant ? kind.time : kind.end;
      let frame = seriesFrame(data, { legend: plan.legend, maxColumns: qctx.maxColumns ?? DEFAULT_MAX_COLUMNS, source: ctx.name, time });
      let truncated = plan.truncated;
      const rows = rowCount(frame);
      if (rows > qctx.maxRows) {
        // A range selector in an instant query (`up[1h]`) can hold more points than max_rows: keep the latest.
        frame = sliceFrame(frame, rows - qctx.maxRows);
        truncated = true;
      }
      if (truncated) frame.meta = { truncated: true };
      return frame;
    },

    health(signal): Promise<Health> {
      return lifetime.during(signal, (joined) => checkHealth(settings, joined)).catch((err: unknown): Health => ({ status: 'down', message: messageOf(err) }));
    },

    close(): void {
      lifetime.close();
    },
  };
}

/** The `prometheus` plugin definition. */
export default definePlugin<PrometheusOptions, PrometheusQuery>({
  type: 'prometheus',
  description: "PromQL over Prometheus' HTTP API: instant queries for stats, range queries for charts; only from the hosts its config names.",
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  answersRanges: true,
  checkOptions: (options) => void settingsOf(options),
  create: createPrometheusSource,
});

/**
 * Asks /api/v1/status/buildinfo, which needs a working API (and its authentication) rather than a bare
 * process, and reports the version. `/-/ready` would say less: it answers without credentials on most setups.
 */
async function checkHealth(settings: HttpSettings, signal: AbortSignal): Promise<Health> {
  const answer = await callApi('/api/v1/status/buildinfo', {}, settings, signal);
  const version = (answer.data as { version?: unknown } | undefined)?.version;
  return typeof version === 'string' ? { status: 'ok', message: `Prometheus ${version}` } : { status: 'ok' };
}

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'prometheus', file), 'utf8')) as JsonSchema;
}
