/**
 * The templates of a rule's `summary` and `description`. A placeholder names one thing and may pass it through one
 * function; nothing is ever evaluated:
 * - names: `value`, `rule`, `dashboard`, `labels.NAME`, `values.CALL` (a reducer's value, `values.avg(15m)`), and
 *   Prometheus' spellings of the same: `$value`, `$labels.NAME` (also `.Value`, `.Labels.NAME`);
 * - functions, as Prometheus has them: `humanize`, `humanizePercentage`, `humanizeDuration`, written before the name
 *   (`{{ humanize $value }}`) or piped after it (`{{ $value | humanize }}`).
 * A placeholder that is none of these is refused when the config loads (`templateProblems`), never rendered as ''.
 */
import { didYouMean } from '../config/suggest.js';

/** What a template can name. */
export interface TemplateContext {
  value: number | null;
  rule: string;
  dashboard?: string;
  labels: Record<string, string>;
  /** Reducer values by canonical text: `{{ values.avg(15m) }}`. */
  values: Record<string, number | null>;
}

/** What `templateProblems` may check `labels.NAME` and `values.KEY` against; a list left out is not checked. */
export interface KnownTemplateNames {
  labels?: readonly string[];
  values?: readonly string[];
}

// `{{` then anything but braces then `}}`: a name is trimmed, and may hold spaces and parentheses (`avg(1h offset 1d)`).
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * A number as a person reads it: at most 4 decimals, and 4 significant digits below 1; no exponent for ordinary sizes.
 * @example formatTemplateNumber(93.234567) // '93.2346'; formatTemplateNumber(0.000123456) // '0.0001235'
 */
export function formatTemplateNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  const rounded = Math.abs(n) >= 1 ? +n.toFixed(4) : +n.toPrecision(4);
  return String(rounded);
}

/** Go's `%.4g`, as Prometheus' functions print: 4 significant digits, no trailing zeros. */
function g4(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  return String(Number(n.toPrecision(4)));
}

/** A number with an SI prefix, as Prometheus' `humanize`: 1234567 → 1.235M, 0.0012 → 1.2m. */
function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return g4(v);
  let prefixes = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  let i = 0;
  if (Math.abs(v) >= 1) {
    while (Math.abs(v) >= 1000 && i < prefixes.length - 1) [v, i] = [v / 1000, i + 1];
  } else {
    prefixes = ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
    while (Math.abs(v) < 1 && i < prefixes.length - 1) [v, i] = [v * 1000, i + 1];
  }
  return `${g4(v)}${prefixes[i]}`;
}

/** Seconds as Prometheus' `humanizeDuration`: 90061 → 1d 1h 1m 1s, 1.5 → 1.5s, 0.0123 → 12.3ms. */
function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return g4(v);
  if (v === 0) return '0s';
  if (Math.abs(v) < 1) {
    const prefixes = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
    let i = 0;
    v *= 1000;
    while (Math.abs(v) < 1 && i < prefixes.length - 1) [v, i] = [v * 1000, i + 1];
    return `${g4(v)}${prefixes[i]}s`;
  }
  const sign = v < 0 ? '-' : '';
  const whole = Math.trunc(Math.abs(v));
  const [days, hours, minutes, seconds] = [Math.floor(whole / 86400), Math.floor(whole / 3600) % 24, Math.floor(whole / 60) % 60, whole % 60];
  if (days > 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
  if (hours > 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m ${seconds}s`;
  return `${sign}${g4(Math.abs(v))}s`;
}

const FUNCTIONS: Record<string, (v: number) => string> = {
  humanize,
  humanizePercentage: (v) => `${g4(v * 100)}%`,
  humanizeDuration,
};

/** What a placeholder asks for: a name in rtdash's spelling, and perhaps a function to pass it through. */
interface Placeholder {
  name: string;
  fn?: string;
}

/** Prometheus' spellings of rtdash's names. */
function canonicalName(written: string): string {
  if (written === '$value' || written === '.Value') return 'value';
  if (written.startsWith('$labels.')) return `labels.${written.slice('$labels.'.length)}`;
  if (written.startsWith('.Labels.')) return `labels.${written.slice('.Labels.'.length)}`;
  return written;
}

function parsePlaceholder(raw: string): Placeholder {
  const text = raw.trim();
  const pipe = /^(.*?)\s*\|\s*(\S.*)$/.exec(text);
  if (pipe !== null) return { name: canonicalName(pipe[1]!), fn: pipe[2]! };
  const call = /^([A-Za-z]+)\s+(\S.*)$/.exec(text);
  if (call !== null && Object.hasOwn(FUNCTIONS, call[1]!)) return { name: canonicalName(call[2]!), fn: call[1]! };
  return { name: canonicalName(text) };
}

function lookup(placeholder: Placeholder, ctx: TemplateContext): string {
  const { name, fn } = placeholder;
  let number: number | null | undefined;
  if (name === 'value') number = ctx.value;
  else if (name.startsWith('values.')) number = own(ctx.values, name.slice('values.'.length));
  else if (name === 'rule') return ctx.rule;
  else if (name === 'dashboard') return ctx.dashboard ?? '';
  else if (name.startsWith('labels.')) return own(ctx.labels, name.slice('labels.'.length)) ?? '';
  else return ''; // refused at load (templateProblems); a rule made in code that slips one through shows nothing
  if (number === undefined || number === null) return '';
  const format = fn === undefined ? undefined : FUNCTIONS[fn];
  return format === undefined ? formatTemplateNumber(number) : format(number);
}

// Only the record's own keys: `labels.constructor` must not reach Object.prototype.
function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * Fills a template in; a missing label or value renders as ''.
 * @example renderTemplate('CPU {{ humanize $value }}% on {{ labels.host }}', { value: 93.25, rule: 'cpu', labels: { host: 'a' }, values: {} }) // 'CPU 93.25% on a'
 */
export function renderTemplate(text: string, ctx: TemplateContext): string {
  return text.replace(PLACEHOLDER, (_m, raw: string) => lookup(parsePlaceholder(raw), ctx));
}

/**
 * The names a template uses, in rtdash's spelling, each once, in order.
 * @example templateNames('{{ $value | humanize }} on {{labels.host}}') // ['value', 'labels.host']
 */
export function templateNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => parsePlaceholder(m[1]!).name))];
}

const NAMES_HELP = 'names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration';

/**
 * What is wrong with each placeholder that could never render what its writer meant: an unknown name or function, a
 * function given text, or (when `known` lists them) a label or value the rule never has. For the config loader.
 * @example templateProblems('{{ $valeu }}') // ['"{{ $valeu }}": unknown name "$valeu"; did you mean "$value"? (names: …)']
 */
export function templateProblems(text: string, known: KnownTemplateNames = {}): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const { name, fn } = parsePlaceholder(match[1]!);
    const where = `"${match[0]}"`;
    if (fn !== undefined && !Object.hasOwn(FUNCTIONS, fn)) {
      const hint = /\s/.test(fn) ? '; functions take no arguments here' : didYouMean(fn, Object.keys(FUNCTIONS));
      problems.push(`${where}: unknown function "${fn}"${hint} (${NAMES_HELP})`);
      continue;
    }
    let listed: readonly string[] | undefined;
    let key = '';
    for (const prefix of ['labels.', 'values.'] as const) {
      if (name.startsWith(prefix) && name.length > prefix.length) [listed, key] = [prefix === 'labels.' ? known.labels : known.values, name.slice(prefix.length)];
    }
    const simple = name === 'value' || name === 'rule' || name === 'dashboard';
    if (!simple && key === '') {
      const written = fn === undefined ? match[1]!.trim() : name;
      problems.push(`${where}: unknown name "${written}"${didYouMean(written, ['value', 'rule', 'dashboard', '$value'])} (${NAMES_HELP})`);
    } else if (listed !== undefined && !listed.includes(key)) {
      problems.push(`${where}: the rule has no ${name.startsWith('labels.') ? 'label' : 'value'} "${key}"${didYouMean(key, listed)} (it has: ${listed.join(', ') || 'none'})`);
    } else if (fn !== undefined && (name === 'rule' || name === 'dashboard' || name.startsWith('labels.'))) {
      problems.push(`${where}: ${fn} takes a number ($value or values.CALL), and ${name} is text`);
    }
  }
  // What is left after the placeholders: a `{{` there never closes, and would be sent as written.
  const open = text.replace(PLACEHOLDER, '').indexOf('{{');
  if (open >= 0) problems.push(`"${text.replace(PLACEHOLDER, '').slice(open, open + 30)}": a "{{" without its "}}"; write {{ name }}`);
  return problems;
}
