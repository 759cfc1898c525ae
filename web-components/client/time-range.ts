/**
 * Time ranges as a viewer sees them: the Grafana-style expressions the server takes (`now-6h`, ISO-8601 times,
 * epoch ms), the picker's choices, and the words that say which range is shown ("Last 6 hours", or two times).
 * Uses no DOM, so the Node tests import it as it is.
 */
import type { DashboardRange, RangeRequest, TimeDefinition } from './types.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const UNITS: Record<string, [string, string]> = {
  s: ['second', 'seconds'],
  m: ['minute', 'minutes'],
  h: ['hour', 'hours'],
  d: ['day', 'days'],
  w: ['week', 'weeks'],
};

/** The range a picker choice (`6h`) stands for: from `now-6h` to `now`. */
export function choiceRange(choice: string): RangeRequest {
  return { from: `now-${choice}`, to: 'now' };
}

/** `from|to`, the key a range is known by in the picker (and the server's jobs). */
export function rangeKey(range: RangeRequest | undefined): string {
  return range === undefined ? '' : `${range.from}|${range.to}`;
}

/** Whether both ends are the same expressions. */
export function sameRange(a: RangeRequest | undefined, b: RangeRequest | undefined): boolean {
  return rangeKey(a) === rangeKey(b);
}

/** Whether an end is relative to the clock (`now`, `now-6h`): a range ending so is live. */
export function isRelative(end: string): boolean {
  return /^now\b/.test(end.trim());
}

/**
 * "Last 6 hours" for a range from `now-<n><unit>` to `now`; undefined for any other range.
 * @example relativeLabel({ from: 'now-15m', to: 'now' }) // 'Last 15 minutes'
 */
export function relativeLabel(range: RangeRequest): string | undefined {
  if (range.to.trim() !== 'now') return undefined;
  const m = /^now-(\d+)([smhdw])$/.exec(range.from.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const [one, many] = UNITS[m[2]!]!;
  return n === 1 ? `Last ${one}` : `Last ${n} ${many}`;
}

/** Reads an absolute end (epoch ms as digits, or an ISO-8601 time) as epoch ms; undefined for a relative or unreadable one. */
export function absoluteMs(end: string | number): number | undefined {
  if (typeof end === 'number') return Number.isFinite(end) ? end : undefined;
  const text = end.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (isRelative(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Two times as a reader's clock shows them, the date said once when both are on the same day. */
export function absoluteLabel(fromMs: number, toMs: number, locale?: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return format.formatRange(fromMs, toMs);
}

/**
 * What the picker shows for a range: "Last 6 hours", or the two times it spans (from the snapshot's resolved
 * `fromMs`/`toMs` when known, else the expressions read as times), or the expressions themselves.
 */
export function describeRange(range: RangeRequest, resolved?: Pick<DashboardRange, 'fromMs' | 'toMs'>, locale?: string): string {
  const relative = relativeLabel(range);
  if (relative !== undefined) return relative;
  const from = absoluteMs(range.from);
  const to = absoluteMs(range.to);
  if (from !== undefined && to !== undefined) return absoluteLabel(from, to, locale);
  if (resolved !== undefined && !isRelative(range.to)) return absoluteLabel(resolved.fromMs, resolved.toMs, locale);
  return `${range.from} to ${range.to}`;
}

/** One entry of the picker: the range it asks for and its words. */
export interface RangeChoice {
  range: RangeRequest;
  label: string;
}

/**
 * The picker's entries: the dashboard's choices, and the range in force first when it is none of them (an
 * absolute range after a zoom, or one from the address), so the picker always says what is shown.
 */
export function pickerChoices(time: TimeDefinition, current: RangeRequest | undefined, resolved?: Pick<DashboardRange, 'fromMs' | 'toMs'>, locale?: string): RangeChoice[] {
  const choices = time.choices.map((c) => {
    const range = choiceRange(c);
    return { range, label: relativeLabel(range) ?? c };
  });
  if (current === undefined || choices.some((c) => sameRange(c.range, current))) return choices;
  // The same span written otherwise (`now-1d` for the choice `24h`) is that choice, not another entry.
  const same = choices.find((c) => sameSpan(c.range, current));
  if (same !== undefined) same.range = current;
  else choices.unshift({ range: current, label: describeRange(current, resolved, locale) });
  return choices;
}

/** Whether two ranges both end now and start the same time before it, however their spans are written. */
function sameSpan(a: RangeRequest, b: RangeRequest): boolean {
  const span = (r: RangeRequest) => (r.to.trim() === 'now' ? /^now-(.+)$/.exec(r.from.trim())?.[1] : undefined);
  const [x, y] = [span(a), span(b)];
  return x !== undefined && y !== undefined && durationMs(x) !== undefined && durationMs(x) === durationMs(y);
}

/**
 * A duration as `definition.time` writes it (`24h`, `90m`, `1d12h`) in ms; undefined for anything else.
 * @example durationMs('1d12h') // 129600000
 */
export function durationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|[smhdw]))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|[smhdw])/g)) total += Number(n) * (unit === 'ms' ? 1 : UNIT_MS[unit!]!);
  return total;
}

/**
 * The absolute range a drag from `fromMs` to `toMs` zooms to, in whole seconds, never longer than `maxMs` (the
 * dashboard's `max`, or the embed token's bound): a longer one keeps its end and starts `maxMs` before it.
 * @example zoomRange(1_000_500, 9_000_500, 5000) // { from: '8995000', to: '9000000' }
 */
export function zoomRange(fromMs: number, toMs: number, maxMs?: number): RangeRequest {
  const to = Number(zoomEnd(toMs, 'down'));
  const from = Number(zoomEnd(fromMs, 'down'));
  return { from: String(maxMs !== undefined && to - from > maxMs ? Number(zoomEnd(to - maxMs, 'up')) : from), to: String(to) };
}

/** The epoch-ms expression of a time a viewer zoomed to (whole seconds: the server's buckets are no finer). */
export function zoomEnd(ms: number, round: 'down' | 'up'): string {
  return String(round === 'down' ? Math.floor(ms / 1000) * 1000 : Math.ceil(ms / 1000) * 1000);
}
