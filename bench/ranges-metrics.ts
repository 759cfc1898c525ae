/** Reading rtdash's /metrics text: the counters and histograms the ranges suite counts with. */

/**
 * The sum of the samples named `name` whose labels include all of `labels`; 0 when the metric is declared
 * (a `# TYPE` line) but has no matching sample yet; undefined when the server does not have the metric at all.
 * @example metricValue(text, 'rtdash_queries_total', { source: 'rangesdb' })
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let declared = false;
  let sum = 0;
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) {
      if (line.startsWith(`# TYPE ${name} `)) declared = true;
      continue;
    }
    const brace = line.indexOf('{');
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const sample = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    if (sample !== name) continue;
    declared = true;
    const labelText = brace >= 0 ? line.slice(brace + 1, line.lastIndexOf('}')) : '';
    const have = labelText === '' ? [] : labelText.split(/,(?=[a-zA-Z_]\w*=")/);
    if (!wanted.every((pair) => have.includes(pair))) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return declared ? sum : undefined;
}

/** Fetches the server's /metrics text. */
export async function fetchMetrics(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  return res.text();
}

/** The counters the suite reads, at one moment. */
export interface Counters {
  /** Queries the server ran on the bench source (rtdash_queries_total, every outcome). */
  queries: number;
  /** Their summed duration, s (rtdash_query_duration_seconds_sum). */
  querySeconds: number;
  /** Range cache hits and misses, when the build has a range cache. */
  cacheHits?: number;
  cacheMisses?: number;
}

/** Reads the counters of source `source` from the server at `base`. */
export async function readCounters(base: string, source: string): Promise<Counters> {
  const text = await fetchMetrics(base);
  const hits = metricValue(text, 'rtdash_range_cache_hits_total');
  const misses = metricValue(text, 'rtdash_range_cache_misses_total');
  return {
    queries: metricValue(text, 'rtdash_queries_total', { source }) ?? 0,
    querySeconds: metricValue(text, 'rtdash_query_duration_seconds_sum', { source }) ?? 0,
    ...(hits !== undefined && misses !== undefined && { cacheHits: hits, cacheMisses: misses }),
  };
}
