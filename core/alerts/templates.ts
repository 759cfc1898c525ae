/**
 * The templates of a rule's `summary` and `description`: `{{ value }}`, `{{ rule }}`, `{{ dashboard }}`,
 * `{{ labels.NAME }}`, `{{ values.KEY }}`. Plain substitution of known names; nothing is ever evaluated.
 */

/** What a template can name. */
export interface TemplateContext {
  value: number | null;
  rule: string;
  dashboard?: string;
  labels: Record<string, string>;
  /** Reducer values by canonical text: `{{ values.avg(15m) }}`. */
  values: Record<string, number | null>;
}

/** What `unknownTemplateNames` may check `labels.NAME` and `values.KEY` against; a list left out is not checked. */
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

function lookup(name: string, ctx: TemplateContext): string {
  if (name === 'value') return ctx.value === null ? '' : formatTemplateNumber(ctx.value);
  if (name === 'rule') return ctx.rule;
  if (name === 'dashboard') return ctx.dashboard ?? '';
  if (name.startsWith('labels.')) return own(ctx.labels, name.slice('labels.'.length)) ?? '';
  if (name.startsWith('values.')) {
    const v = own(ctx.values, name.slice('values.'.length));
    return v === undefined || v === null ? '' : formatTemplateNumber(v);
  }
  return '';
}

// Only the record's own keys: `labels.constructor` must not reach Object.prototype.
function own<V>(record: Record<string, V>, key: string): V | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * Fills a template in; unknown names and missing values render as ''.
 * @example renderTemplate('CPU {{ value }}% on {{ labels.host }}', { value: 93.25, rule: 'cpu', labels: { host: 'a' }, values: {} }) // 'CPU 93.25% on a'
 */
export function renderTemplate(text: string, ctx: TemplateContext): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => lookup(name.trim(), ctx));
}

/**
 * The names a template uses, trimmed, each once, in order.
 * @example templateNames('{{ value }} on {{labels.host}}') // ['value', 'labels.host']
 */
export function templateNames(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => (m[1] as string).trim()))];
}

/**
 * The names in a template that will render as '' whatever the data: neither value, rule, dashboard,
 * labels.X nor values.X, or (when `known` lists them) a label or value the rule never has. For the config loader.
 * @example unknownTemplateNames('{{ valu }} {{ labels.hots }}', { labels: ['host'] }) // ['valu', 'labels.hots']
 */
export function unknownTemplateNames(text: string, known: KnownTemplateNames = {}): string[] {
  return templateNames(text).filter((name) => {
    if (name === 'value' || name === 'rule' || name === 'dashboard') return false;
    for (const [prefix, list] of [['labels.', known.labels], ['values.', known.values]] as const) {
      if (name.startsWith(prefix) && name.length > prefix.length) return list !== undefined && !list.includes(name.slice(prefix.length));
    }
    return true;
  });
}
