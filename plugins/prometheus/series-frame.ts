/**
 * Prometheus API results into frames: a `time` field, then one number field per series, named by its labels
 * (`up{instance="a",job="b"}`) or by the query's legend template (`{{instance}}`).
 */
import { frameTooWide } from '../../core/frame.js';
import type { Field, Frame } from '../../core/plugin.js';

/** The `data` of a successful answer of /api/v1/query or /api/v1/query_range. */
export interface PromData {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown;
}

/** One series of a vector (`value`) or a matrix (`values`). */
interface PromSeries {
  metric?: Record<string, string>;
  value?: [number, string];
  values?: [number, string][];
}

/** What names the fields and bounds the frame. */
export interface FrameLimits {
  /** The query's legend template, if any. */
  legend: string | undefined;
  /** The source's max_columns: more series than fit (with the time field) is RTDASH_FRAME_TOO_WIDE. */
  maxColumns: number;
  /** The source instance's name, for the error. */
  source: string;
  /** The evaluation time of an instant query, epoch ms: the row's time. */
  time: number;
}

/**
 * The frame for a result. Series are sorted by field name, so columns keep their order from run to run;
 * a matrix's rows are the union of its series' timestamps, a series without a point there is null; NaN and
 * ±Inf read as null. Refuses more series than `maxColumns` allows before building anything.
 * @example seriesFrame({ resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [1, '1'] }] }, limits)
 */
export function seriesFrame(data: PromData, limits: FrameLimits): Frame {
  switch (data.resultType) {
    case 'scalar':
    case 'string': {
      const [, value] = pair(data.result);
      const field: Field = data.resultType === 'scalar' ? { name: limits.legend ?? 'value', type: 'number', values: [numberOf(value)] } : { name: limits.legend ?? 'value', type: 'string', values: [value] };
      return { fields: [{ name: 'time', type: 'time', values: [limits.time] }, field] };
    }
    case 'vector':
    case 'matrix': {
      if (!Array.isArray(data.result)) throw new Error(`prometheus: the answer's "result" is not a list`);
      const series = data.result as PromSeries[];
      if (series.length + 1 > limits.maxColumns) {
        throw frameTooWide(limits.source, `matched ${series.length} series (one column each, plus time)`, limits.maxColumns);
      }
      const named = series.map((s) => ({ name: seriesName(s.metric ?? {}, limits.legend), points: data.resultType === 'vector' ? [pair(s.value)] : (s.values ?? []).map(pair) }));
      named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (let i = 1; i < named.length; i++) {
        if (named[i]?.name === named[i - 1]?.name) {
          throw new Error(`prometheus: two series would both be the field ${JSON.stringify(named[i]?.name)}; ${limits.legend === undefined ? 'aggregate them' : 'use more labels in "legend"'} so each series has its own name`);
        }
      }
      if (named.some((s) => s.name === 'time')) throw new Error('prometheus: a series would be the field "time", which is the time column; change "legend"');
      const times = data.resultType === 'vector' ? [limits.time] : [...new Set(named.flatMap((s) => s.points.map(([t]) => t)))].sort((a, b) => a - b);
      const row = new Map(times.map((t, i) => [t, i]));
      const fields: Field[] = [{ name: 'time', type: 'time', values: times }];
      for (const s of named) {
        const values: (number | null)[] = times.map(() => null);
        for (const [t, v] of s.points) {
          const at = data.resultType === 'vector' ? 0 : row.get(t);
          if (at !== undefined) values[at] = numberOf(v);
        }
        fields.push({ name: s.name, type: 'number', values });
      }
      return { fields };
    }
    default:
      throw new Error(`prometheus: unexpected resultType ${JSON.stringify((data as { resultType?: unknown }).resultType)}`);
  }
}

/**
 * A series' field name: the legend with `{{label}}` filled in (a missing label is empty), or the labels in
 * Prometheus notation, the metric name first and the rest sorted; `value` for a series without labels.
 * @example seriesName({ __name__: 'up', job: 'b', instance: 'a' }, undefined) // 'up{instance="a",job="b"}'
 */
export function seriesName(metric: Readonly<Record<string, string>>, legend: string | undefined): string {
  if (legend !== undefined) {
    const name = legend.replace(/\{\{\s*([A-Za-z_]\w*)\s*\}\}/g, (_m, label: string) => (Object.hasOwn(metric, label) ? (metric[label] as string) : ''));
    if (name.trim() === '') throw new Error(`prometheus: the legend ${JSON.stringify(legend)} gives an empty name for a series with labels ${seriesName(metric, undefined)}`);
    return name;
  }
  const name = metric['__name__'] ?? '';
  const labels = Object.entries(metric)
    .filter(([label]) => label !== '__name__')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([label, value]) => `${label}=${JSON.stringify(value)}`);
  if (labels.length === 0) return name === '' ? 'value' : name;
  return `${name}{${labels.join(',')}}`;
}

/** A `[seconds, "value"]` sample as [epoch ms, text]. */
function pair(sample: unknown): [number, string] {
  if (!Array.isArray(sample) || typeof sample[0] !== 'number' || typeof sample[1] !== 'string') {
    throw new Error(`prometheus: expected a sample [time, "value"], got ${JSON.stringify(sample)?.slice(0, 80)}`);
  }
  return [Math.round(sample[0] * 1000), sample[1]];
}

function numberOf(text: string): number | null {
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}
