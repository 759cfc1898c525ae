/**
 * How values read on a dashboard: numbers by unit through `Intl.NumberFormat`, changes, times, and the colour a
 * value takes from thresholds. Uses no DOM, so the Node tests import it as it is.
 */
import type { Threshold } from './types.js';

/** What an absent value reads as. */
export const NO_VALUE = '–';
/** Keeps a number and its unit on one line. */
const NBSP = '\u00a0';
/** From here on, counts read compact ("123K"): the last digits of a six-figure number are noise on a dashboard. */
const COMPACT_COUNT_FROM = 100_000;
/** Money stays exact up to a million; past it, "€1.23M" reads better than seven digits. */
const COMPACT_MONEY_FROM = 1_000_000;
/** IEC units, because the steps are 1024: "kB" would claim steps of 1000 (see docs/elements.md). */
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter: building one costs far more than using it, and a table formats every cell on each update. */
function numberFormat(locale: string | undefined, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (format === undefined) {
    format = new Intl.DateTimeFormat(locale, options);
    dateFormats.set(key, format);
  }
  return format;
}

/** Decimals worth showing for a magnitude: 0.35, 2.8, 45.7, 850. */
function decimals(abs: number): number {
  if (abs === 0 || abs >= 100) return 0;
  return abs < 1 ? 2 : 1;
}

/** A plain number with grouping: "1,234.5", or compact from a hundred thousand: "123K". */
function formatCount(value: number, locale?: string): string {
  const abs = Math.abs(value);
  if (abs >= COMPACT_COUNT_FROM) return numberFormat(locale, { notation: 'compact', maximumSignificantDigits: 3 }).format(value);
  return numberFormat(locale, { maximumFractionDigits: decimals(abs) }).format(value);
}

function formatCurrency(value: number, code: string, locale?: string): string {
  const abs = Math.abs(value);
  const options: Intl.NumberFormatOptions =
    abs >= COMPACT_MONEY_FROM
      ? { style: 'currency', currency: code, notation: 'compact', maximumSignificantDigits: 3 }
      : abs >= 1000
        ? { style: 'currency', currency: code, maximumFractionDigits: 0 }
        : { style: 'currency', currency: code };
  try {
    return numberFormat(locale, options).format(value);
  } catch {
    // Not an ISO 4217 code Intl knows: still show the number and what the dashboard called it.
    return `${formatCount(value, locale)}${NBSP}${code}`;
  }
}

function formatBytes(value: number, locale?: string): string {
  let amount = Math.abs(value);
  let step = 0;
  while (amount >= 1024 && step < BYTE_UNITS.length - 1) {
    amount /= 1024;
    step += 1;
  }
  const digits = step === 0 ? 0 : decimals(amount);
  return `${numberFormat(locale, { maximumFractionDigits: digits }).format(Math.sign(value) * amount)}${NBSP}${BYTE_UNITS[step]}`;
}

/** Duration units, largest first: SI symbols read the same in every language, unlike Intl's "sec" and "hr". */
const DURATIONS: [ms: number, symbol: string][] = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/** A duration in ms in the largest unit that keeps it at one or more: "850 ms", "1.2 s", "3 min", "2.5 h". */
export function formatDuration(ms: number, locale?: string): string {
  const abs = Math.abs(ms);
  const [size, symbol] = DURATIONS.find(([size]) => abs >= size) ?? [1, 'ms'];
  const amount = ms / size;
  return `${numberFormat(locale, { maximumFractionDigits: decimals(Math.abs(amount)) }).format(amount)}${NBSP}${symbol}`;
}

/**
 * A value as a dashboard shows it, by the widget's `unit`: `count`, `percent` (the value is in percent points),
 * `currency:XXX` (any ISO 4217 code), `bytes`, `ms`, `s`, or any other unit text shown after the number.
 * @example formatValue(2.8, 'percent') // "2.8%" (en) or "2,8 %" (de)
 * @example formatValue(1_234_567, 'bytes') // "1.2 MiB"
 */
export function formatValue(value: number | null | undefined, unit?: string, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NO_VALUE;
  const kind = unit?.trim() ?? '';
  if (kind === '' || kind === 'count') return formatCount(value, locale);
  if (kind === 'percent') return numberFormat(locale, { style: 'percent', maximumFractionDigits: decimals(Math.abs(value)) }).format(value / 100);
  if (kind.startsWith('currency:')) return formatCurrency(value, kind.slice('currency:'.length).toUpperCase(), locale);
  if (kind === 'bytes') return formatBytes(value, locale);
  if (kind === 'ms') return formatDuration(value, locale);
  if (kind === 's') return formatDuration(value * 1000, locale);
  return `${formatCount(value, locale)}${NBSP}${kind}`;
}

/** A number with no unit as a table shows it: grouped, never compact (an id must stay whole), at most 2 decimals. */
export function formatPlain(value: number | null | undefined, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NO_VALUE;
  return numberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}

/**
 * A value as an axis or a scale's end reads it: like `formatValue`, but whole amounts of money drop the cents
 * ("€0", "€2M" rather than "€0.00"), since ticks are round numbers.
 */
export function formatTick(value: number | null | undefined, unit?: string, locale?: string): string {
  const kind = unit?.trim() ?? '';
  if (typeof value === 'number' && Number.isInteger(value) && kind.startsWith('currency:') && Math.abs(value) < COMPACT_MONEY_FROM) {
    try {
      return numberFormat(locale, { style: 'currency', currency: kind.slice('currency:'.length).toUpperCase(), maximumFractionDigits: 0 }).format(value);
    } catch {
      // An unknown code: formatValue says it in words.
    }
  }
  return formatValue(value, unit, locale);
}

/**
 * A change between two values, signed, in the widget's unit: "+€45", "−1.2 s", "±0".
 * @example formatChange(-0.3, 'percent') // "−0.3%"
 */
export function formatChange(delta: number, unit?: string, locale?: string): string {
  if (!Number.isFinite(delta)) return NO_VALUE;
  if (delta === 0) return `±${formatValue(0, unit, locale)}`;
  return `${delta > 0 ? '+' : '−'}${formatValue(Math.abs(delta), unit, locale)}`;
}

/** A relative change as a signed percentage: 0.0291 → "+2.9%". */
export function formatRatio(ratio: number, locale?: string): string {
  if (!Number.isFinite(ratio)) return NO_VALUE;
  // The same minus sign as formatChange, rather than the hyphen some locales use.
  return numberFormat(locale, { style: 'percent', signDisplay: 'exceptZero', maximumFractionDigits: decimals(Math.abs(ratio * 100)) }).format(ratio).replace('-', '−');
}

/** A time of day in the reader's time zone, for axes and tooltips: "14:05:09". */
export function formatTime(ms: number, locale?: string): string {
  return dateFormat(locale, { hour: 'numeric', minute: '2-digit', second: '2-digit' }).format(ms);
}

/** A date and time in the reader's time zone, for tables: "11/28/2025, 2:05:09 PM". */
export function formatDateTime(ms: number, locale?: string): string {
  return dateFormat(locale, { dateStyle: 'short', timeStyle: 'medium' }).format(ms);
}

/** Whether the locale writes times on a 12-hour clock ("2:05 PM") rather than a 24-hour one ("14:05"). */
export function uses12HourClock(locale?: string): boolean {
  const cycle = dateFormat(locale, { hour: 'numeric' }).resolvedOptions().hourCycle;
  return cycle === 'h11' || cycle === 'h12';
}

/**
 * The colour names a dashboard file uses for "good", "watch" and "bad", mapped to the theme's health colours so
 * that `color: red` stays legible on a dark panel. Any other CSS colour is used as written.
 */
const SEMANTIC_COLORS: Record<string, string> = {
  green: 'var(--_ok)',
  orange: 'var(--_warn)',
  yellow: 'var(--_warn)',
  amber: 'var(--_warn)',
  red: 'var(--_error)',
  blue: 'var(--_accent)',
};

/** The CSS colour a threshold colour stands for (`red` → the theme's error colour). */
export function cssColor(color: string): string {
  return SEMANTIC_COLORS[color.trim().toLowerCase()] ?? color;
}

/**
 * The colour of `value` by ascending thresholds: the last threshold whose value is at most `value` wins; none
 * when the value is absent or below them all.
 * @example thresholdColor([{ value: 0, color: 'green' }, { value: 90, color: 'red' }], 95) // "var(--_error)"
 */
export function thresholdColor(thresholds: readonly Threshold[] | undefined, value: number | null | undefined): string | undefined {
  if (thresholds === undefined || value === null || value === undefined || !Number.isFinite(value)) return undefined;
  let color: string | undefined;
  for (const threshold of thresholds) if (threshold.value <= value) color = threshold.color;
  return color === undefined ? undefined : cssColor(color);
}
