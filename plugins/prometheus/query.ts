/**
 * A widget's PromQL query and how it is asked: the query's two shapes, variables bound as PromQL string
 * literals, and the choice between an instant query and a range query with its start, end and step.
 */
import type { QueryContext } from '../../core/plugin.js';

/** A widget's `query:` on a prometheus source: PromQL text, or an object with options. */
export type PrometheusQuery =
  | string
  | {
      /** The PromQL expression. */
      promql: string;
      /** true: an instant query (one row); false: a range query; unset: range on a dashboard with `time:`, instant otherwise. */
      instant?: boolean;
      /** The field name of each series, with `{{label}}` replaced by the series' label value, like `{{instance}}`. */
      legend?: string;
    };

/** The query resolved for one run. */
export interface QueryPlan {
  promql: string;
  legend: string | undefined;
  /** Which API to ask, with its time parameters in epoch milliseconds (step in seconds). */
  kind: { instant: true; time: number } | { instant: false; start: number; end: number; stepSeconds: number };
  /** True when the range was cut to `maxRows` points (the latest kept). */
  truncated: boolean;
}

/** A `:name` reference, as the dashboard loader finds them (core/config/dashboard-variables.ts). */
const REFERENCE = /(?<![:\w]):([A-Za-z_]\w*)/y;

/** On a dashboard with `time:`: the range and bucket that `:from`, `:to` and `:bucket` stand for. */
export interface TimeParameters {
  fromMs: number;
  toMs: number;
  bucketSeconds: number;
}

/**
 * The PromQL with every `:name` outside string literals and comments replaced by the variable's value as a
 * PromQL string literal, so a value is only ever a string: `up{job=:job}` with job `api` asks `up{job="api"}`.
 * With `time`, `:bucket` is a duration (`rate(x[:bucket])` asks `rate(x[60s])`) and `:from`, `:to` are
 * Unix times in seconds (`x @ :to`). A reference inside quotes is refused with how to write it, since it
 * would be spliced into the string.
 * @example bindPromql('up{job=:job}', { job: 'a"b' }) // 'up{job="a\\"b"}'
 */
export function bindPromql(promql: string, variables: Readonly<Record<string, string>>, time?: TimeParameters): string {
  let out = '';
  let i = 0;
  while (i < promql.length) {
    const c = promql[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const end = stringEnd(promql, i);
      const literal = promql.slice(i, end);
      const inside = /(?<![:\w]):([A-Za-z_]\w*)/.exec(literal.slice(1, -1));
      if (inside !== null && Object.hasOwn(variables, inside[1] as string)) {
        throw new Error(`prometheus: :${inside[1]} is inside quotes in ${literal}; write the variable without quotes (like {job=:job}): its value becomes a quoted string`);
      }
      out += literal;
      i = end;
    } else if (c === '#') {
      const end = promql.indexOf('\n', i);
      out += promql.slice(i, end === -1 ? promql.length : end);
      i = end === -1 ? promql.length : end;
    } else if (c === ':') {
      REFERENCE.lastIndex = i;
      const match = i > 0 && /[:\w]/.test(promql[i - 1] as string) ? null : REFERENCE.exec(promql);
      if (match === null) {
        out += c;
        i++;
        continue;
      }
      const name = match[1] as string;
      i += match[0].length;
      const bound = time === undefined ? undefined : name === 'bucket' ? `${time.bucketSeconds}s` : name === 'from' ? unixSeconds(time.fromMs) : name === 'to' ? unixSeconds(time.toMs) : undefined;
      if (bound !== undefined) {
        out += bound;
        continue;
      }
      const value = Object.hasOwn(variables, name) ? variables[name] : undefined;
      if (value === undefined) throw new Error(`prometheus: the query uses :${name}, and no variable "${name}" is set`);
      out += JSON.stringify(value);
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Epoch milliseconds as the Unix seconds Prometheus reads, without trailing zeros.
 * @example unixSeconds(1700000060250) // '1700000060.25'
 */
export function unixSeconds(ms: number): string {
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, '');
}

/** The index just past the string literal that starts at `start` (its end, unclosed). */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '`') i++;
    else if (text[i] === quote) return i + 1;
  }
  return text.length;
}

/**
 * What to ask for one run. A range query covers the points of the step grid in (from, to]: aligned, so
 * successive runs of a live chart ask the same instants, and exclusive at `from`, so a run that starts where
 * the last one ended repeats no point (one shorter than a step asks the latest point). The step is `bucketSeconds` when the dashboard has `time:`, else the
 * widget's interval (at least one second); a range of more than `maxRows` points keeps the latest.
 * @example planQuery('up', ctx).kind // { instant: true, time: ctx.range.to } on a dashboard without time
 */
export function planQuery(query: PrometheusQuery, ctx: QueryContext): QueryPlan {
  const spec = typeof query === 'string' ? { promql: query } : query;
  if (typeof spec?.promql !== 'string' || spec.promql.trim() === '') throw new Error('prometheus: the query needs PromQL: a string, or { promql: "…" }');
  const time = ctx.bucketSeconds === undefined ? undefined : { fromMs: ctx.range.from, toMs: ctx.range.to, bucketSeconds: ctx.bucketSeconds };
  const promql = bindPromql(spec.promql, ctx.variables, time);
  const legend = typeof query === 'string' ? undefined : query.legend;
  const instant = (typeof query === 'string' ? undefined : query.instant) ?? ctx.bucketSeconds === undefined;
  if (instant) return { promql, legend, kind: { instant: true, time: ctx.range.to }, truncated: false };
  const stepSeconds = ctx.bucketSeconds ?? Math.max(1, Math.round(ctx.intervalMs / 1000));
  const stepMs = stepSeconds * 1000;
  const end = Math.floor(ctx.range.to / stepMs) * stepMs;
  // A run shorter than a step asks the latest point again, rather than nothing: a frame without the series'
  // fields would replace a chart's history, while a repeated last row merely refreshes it.
  let start = Math.min(end, Math.floor(ctx.range.from / stepMs) * stepMs + stepMs);
  let truncated = false;
  const maxRows = Math.max(1, ctx.maxRows);
  if ((end - start) / stepMs + 1 > maxRows) {
    start = end - (maxRows - 1) * stepMs;
    truncated = true;
  }
  return { promql, legend, kind: { instant: false, start, end, stepSeconds }, truncated };
}
