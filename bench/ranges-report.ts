/** The ranges suite's table: each figure's min, median and max over the runs, and the notes under it. */
import type { CacheResult, CpuResult, PaintResult } from './ranges-measure.js';
import { fixed, formatTable } from './stats.js';

/** One interleaved run of the suite; a measurement that failed is absent. */
export interface RangesRun {
  paint?: PaintResult;
  /** The same "last 7 days" query run directly with the pg client, ms. */
  directMs?: number;
  cache?: CacheResult;
  cpu?: CpuResult;
}

/** What the table says about the runs. */
export interface RangesContext {
  /** Why the paint rows are empty, when they are (no Chromium). */
  paintSkipped?: string;
}

/** The text for a row whose figure this build cannot give. */
export const NO_CACHE = 'n/a (no range cache in this build)';

/** min, median and max of the defined values, formatted; dashes when there are none. */
function spread(values: readonly (number | undefined)[], digits: number): [string, string, string] {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return ['-', '-', '-'];
  const mid = v.length % 2 === 1 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  return [fixed(v[0]!, digits), fixed(mid, digits), fixed(v[v.length - 1]!, digits)];
}

/** The table of figures over `runs`. */
export function rangesTable(runs: readonly RangesRun[], context: RangesContext): string {
  const rows: string[][] = [];
  const row = (label: string, values: readonly (number | undefined)[], digits: number) => rows.push([label, ...spread(values, digits)]);
  const text = (label: string, value: string) => rows.push([label, value, '', '']);

  if (context.paintSkipped !== undefined) text('"last 7 days": first paint of the chart', `skipped (${context.paintSkipped})`);
  else {
    row('"last 7 days": first paint of the chart, ms', runs.map((r) => r.paint?.paintMs), 0);
    row('  its query in rtdash (rtdash_query_duration_seconds), ms', runs.map((r) => r.paint?.queryMs), 0);
    row("  the query's share of the first paint, %", runs.map((r) => (r.paint === undefined ? undefined : (100 * r.paint.queryMs) / r.paint.paintMs)), 0);
    row('  points drawn', runs.map((r) => r.paint?.points), 0);
  }
  row('  the same query with the pg client (floor), ms', runs.map((r) => r.directMs), 0);

  const cacheRuns = runs.flatMap((r) => (r.cache === undefined ? [] : [r.cache]));
  const viewers = cacheRuns[0]?.viewers;
  const label = viewers === undefined ? 'viewers' : `${viewers} viewers`;
  if (cacheRuns.length > 0 && cacheRuns.every((c) => c.hits !== undefined)) {
    row(`${label} on fixed ranges: cache hit ratio, %`, cacheRuns.map((c) => (c.hits! + c.misses! === 0 ? undefined : (100 * c.hits!) / (c.hits! + c.misses!))), 1);
    row('  cache hits', cacheRuns.map((c) => c.hits), 0);
    row('  cache misses', cacheRuns.map((c) => c.misses), 0);
  } else {
    text(`${label} on fixed ranges: cache hit ratio`, cacheRuns.length === 0 ? '-' : NO_CACHE);
  }
  row('  scans of the table in PostgreSQL (pg_stat_user_tables)', cacheRuns.map((c) => c.scans), 0);
  row('  queries rtdash ran (rtdash_queries_total)', cacheRuns.map((c) => c.queries), 0);
  row('  viewers that got no chart', cacheRuns.map((c) => c.failed), 0);
  row('  all viewers served, s', cacheRuns.map((c) => c.ms / 1000), 1);

  const cpuRuns = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu]));
  row('server CPU per widget API request from the database, µs', cpuRuns.map((c) => c.database.cpuMicros), 0);
  row('  wall time per request, ms', cpuRuns.map((c) => c.database.wallMs), 1);
  // A repeated range that still queried the database was not served from a cache: no figure for it.
  if (cpuRuns.length > 0 && cpuRuns.every((c) => c.repeated.queries === 0)) {
    row('server CPU per widget API request from cache, µs', cpuRuns.map((c) => c.repeated.cpuMicros), 0);
    row('  wall time per request, ms', cpuRuns.map((c) => c.repeated.wallMs), 2);
  } else {
    text('server CPU per widget API request from cache', cpuRuns.length === 0 ? '-' : NO_CACHE);
    // What the same requests cost when each went to the database: the figure a cache would be compared with.
    row('  the same range asked again, from the database, µs', cpuRuns.map((c) => c.repeated.cpuMicros), 0);
  }
  return formatTable(['figure', 'min', 'median', 'max'], rows);
}

/** The lines under the table: what was not as expected. */
export function rangesNoteLines(runs: readonly RangesRun[]): string[] {
  const notes: string[] = [];
  const paintQueries = runs.flatMap((r) => (r.paint === undefined ? [] : [r.paint.queries]));
  if (paintQueries.some((q) => q !== 1)) notes.push(`- the page's load ran ${paintQueries.join('/')} queries (1 expected): the query share adds them up`);
  const repeated = runs.flatMap((r) => (r.cpu === undefined ? [] : [r.cpu.repeated]));
  if (repeated.some((p) => p.queries > 0)) {
    notes.push(`- a fixed range asked again still queried the database (${repeated.map((p) => `${p.queries} of ${p.requests}`).join(', ')} requests): nothing was served from a cache`);
  }
  const counted = runs.flatMap((r) => (r.cache === undefined ? [] : [r.cache]));
  if (counted.some((c) => c.scans > c.queries)) {
    notes.push(
      `- PostgreSQL counted more scans of the table than rtdash sent queries (${counted.map((c) => `${c.scans} for ${c.queries}`).join(', ')}): ` +
        "its statistics count scans, not statements (parallel workers and the planner's index probes count too), so the scans are an upper bound",
    );
  }
  const failed = runs.flatMap((r) => (r.cache?.firstError === undefined ? [] : [r.cache.firstError]));
  if (failed.length > 0) notes.push(`- a viewer failed: ${failed[0]}`);
  if (notes.length === 0) notes.push('- none');
  return notes;
}
