/**
 * Prometheus text responses into frames: each selector names a metric and label values to match, and the
 * frame is one row at the time of the run, with a number field per matching series.
 */
import type { Field, Frame } from '../../core/plugin.js';
import { frameTooWide } from '../../core/frame.js';
import { snippetOf } from './json-frame.js';
import { parsePrometheusText, type PromSample } from './prometheus.js';
import { bindText } from './request.js';

/** Which series to pick from an exposition. */
export interface SeriesSelector {
  /** The sample name as exposed, e.g. `rtdash_queries_total` or `http_request_duration_seconds_bucket`. */
  metric: string;
  /** Label values a series must have; a value may be `":name"` for a variable. A missing label reads as "". */
  labels?: Record<string, string>;
  /** The field name; by default the metric name. The labels not pinned by `labels` are appended when present. */
  name?: string;
}

/** Media types read as the text format. Anything else (an HTML page, JSON) is refused with its type named. */
const TEXT_FORMATS = new Set(['', 'text/plain', 'application/openmetrics-text', 'application/octet-stream']);

/**
 * Parses a response body as the Prometheus text format, or explains why it cannot: a body with no good line is
 * refused with its first problem; otherwise the malformed lines are skipped and returned as `problems`.
 * @example parsePrometheusBody('up 1\n', 'text/plain', 'http://127.0.0.1:9100/metrics').samples[0]?.value // 1
 */
export function parsePrometheusBody(text: string, mediaType: string, where: string): { samples: PromSample[]; problems: string[] } {
  if (!TEXT_FORMATS.has(mediaType)) throw new Error(`http: expected the Prometheus text format, got ${mediaType} from ${where}: ${snippetOf(text)}`);
  const { samples, problems } = parsePrometheusText(text, { timestampsInSeconds: mediaType === 'application/openmetrics-text' });
  if (samples.length === 0 && problems.length > 0) throw new Error(`http: the response from ${where} is not in the Prometheus text format: ${problems[0]}`);
  return { samples, problems };
}

/**
 * The frame for a Prometheus query: a `time` field holding `time`, then one number field per matching series
 * in selector order (NaN and ±Inf read as null). A selector that matches nothing still gives its field, with
 * null, so a widget's columns do not come and go. Selectors that match more series than `maxColumns` allows
 * (the time field included) are refused with RTDASH_FRAME_TOO_WIDE before the frame grows that wide.
 * @example seriesFrame(samples, [{ metric: 'rtdash_queries_total', labels: { source: ':source' } }], { source: 'demo' }, now, 1000, 'prom')
 */
export function seriesFrame(
  samples: readonly PromSample[],
  selectors: readonly SeriesSelector[],
  variables: Readonly<Record<string, string>>,
  time: number,
  maxColumns: number,
  source: string,
): Frame {
  const fields: Field[] = [{ name: 'time', type: 'time', values: [time] }];
  const taken = new Set(['time']);
  const add = (name: string, value: number | null): void => {
    if (taken.has(name)) throw new Error(`http: two series would both be the field "${name}"; give the selectors different "name"s`);
    if (fields.length >= maxColumns) throw frameTooWide(source, `matched more series than fit in ${maxColumns} columns (one per series, plus time)`, maxColumns);
    taken.add(name);
    fields.push({ name, type: 'number', values: [value] });
  };
  selectors.forEach((selector, i) => {
    const wanted = Object.entries(selector.labels ?? {}).map(([label, value]) => [label, bindText(value, variables, `series[${i}].labels.${label}`)] as const);
    const base = selector.name ?? selector.metric;
    const seen = new Set<string>();
    let matched = false;
    for (const sample of samples) {
      if (sample.name !== selector.metric || !wanted.every(([label, value]) => (sample.labels.get(label) ?? '') === value)) continue;
      const name = base + labelSuffix(sample.labels, selector.labels ?? {});
      // An exposition should not repeat a series; if one does, its first sample counts.
      if (seen.has(name)) continue;
      seen.add(name);
      matched = true;
      add(name, Number.isFinite(sample.value) ? sample.value : null);
    }
    if (!matched) add(base, null);
  });
  return { fields };
}

/** `{a="1",b="2"}` for the labels a selector did not pin, sorted by name; '' when there are none. */
function labelSuffix(labels: ReadonlyMap<string, string>, pinned: Readonly<Record<string, string>>): string {
  const rest = [...labels].filter(([label]) => !Object.hasOwn(pinned, label)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (rest.length === 0) return '';
  return `{${rest.map(([label, value]) => `${label}="${value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}`;
}
