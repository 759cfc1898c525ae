/**
 * Named parameters in SQL (`:region`) turned into the driver's bound placeholders (`$1` or `?`), so a
 * variable's value reaches the database only as a parameter, never as SQL text. String literals,
 * quoted identifiers, dollar-quoted bodies, comments and `::` casts are left alone.
 */

import type { QueryContext } from '../core/plugin.js';

/** A value bound to a parameter: a variable's text, or the time range's timestamps and bucket. */
export type BindValue = string | number | Date;

/** How a driver writes the placeholder of the n-th distinct (pg) or n-th used (mysql) parameter. */
export type Placeholder = (index: number, name: string) => string;

/** SQL text with positional placeholders and the values to bind, in order. */
export interface BoundQuery {
  text: string;
  values: BindValue[];
}

/** PostgreSQL: `$1`, `$2`…, one per distinct name (a name used twice binds once). */
export const postgresPlaceholders = { placeholder: (i: number) => `$${i}`, reuse: true } as const;
/** MySQL/MariaDB: `?` for every use (a name used twice binds twice). */
export const mysqlPlaceholders = { placeholder: () => '?', reuse: false } as const;

/**
 * Rewrites `:name` outside literals and comments into placeholders.
 * @example bindNamed("SELECT * FROM t WHERE r = :region AND d::date > now()", { region: 'eu' }, postgresPlaceholders)
 *   // { text: 'SELECT * FROM t WHERE r = $1 AND d::date > now()', values: ['eu'] }
 */
export function bindNamed(
  sql: string,
  variables: Readonly<Record<string, BindValue>>,
  style: { placeholder: Placeholder; reuse: boolean },
): BoundQuery {
  const values: BindValue[] = [];
  const indexOf = new Map<string, number>();
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    const skipTo = (end: number) => {
      out += sql.slice(i, end);
      i = end;
    };
    if (c === "'" || c === '"' || c === '`') skipTo(closingQuote(sql, i, c));
    else if (c === '-' && next === '-') skipTo(lineEnd(sql, i));
    else if (c === '/' && next === '*') skipTo(blockEnd(sql, i));
    else if (c === '$' && /[A-Za-z_$]/.test(next ?? '') && dollarTag(sql, i) !== undefined) skipTo(dollarEnd(sql, i, dollarTag(sql, i)!));
    else if (c === ':' && next === ':') skipTo(i + 2);
    else if (c === ':' && /[A-Za-z_]/.test(next ?? '') && !/[\w:]/.test(sql[i - 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))![0];
      if (!Object.hasOwn(variables, name)) throw new Error(`the query uses :${name}, but the dashboard has no variable "${name}"`);
      let index = style.reuse ? indexOf.get(name) : undefined;
      if (index === undefined) {
        values.push(variables[name]!);
        index = values.length;
        indexOf.set(name, index);
      }
      out += style.placeholder(index, name);
      i += 1 + name.length;
    } else {
      out += c;
      i++;
    }
  }
  return { text: out, values };
}

/**
 * What a query may bind: the dashboard's variables and, on a dashboard with `time:` (docs/time.md), `from`
 * and `to` as Dates (typed timestamps) and `bucket` as a number of seconds. Never text spliced into SQL.
 * @example parameters(ctx) // { region: 'eu', from: Date, to: Date, bucket: 60 }
 */
export function parameters(ctx: Pick<QueryContext, 'variables' | 'range' | 'bucketSeconds'>): Record<string, BindValue> {
  if (ctx.bucketSeconds === undefined) return { ...ctx.variables };
  return { ...ctx.variables, from: new Date(ctx.range.from), to: new Date(ctx.range.to), bucket: ctx.bucketSeconds };
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === '\\' && quote !== '"') i += 2; // MySQL backslash escapes; harmless for PostgreSQL's E'' strings
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2; // doubled quote
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length : end;
}

function blockEnd(sql: string, start: number): number {
  const end = sql.indexOf('*/', start + 2);
  return end < 0 ? sql.length : end + 2;
}

function dollarTag(sql: string, start: number): string | undefined {
  return /^\$[A-Za-z_]?\w*\$/.exec(sql.slice(start, start + 64))?.[0];
}

function dollarEnd(sql: string, start: number, tag: string): number {
  const end = sql.indexOf(tag, start + tag.length);
  return end < 0 ? sql.length : end + tag.length;
}
