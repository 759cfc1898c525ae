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

/** A dialect's placeholders, and the lexical rules that decide what is a literal or a comment in it. */
export interface SqlStyle {
  placeholder: Placeholder;
  /** One placeholder per distinct name (PostgreSQL), or one per use (MySQL). */
  reuse: boolean;
  dialect: 'postgres' | 'mysql';
}

/** PostgreSQL: `$1`, `$2`…, one per distinct name (a name used twice binds once). */
export const postgresPlaceholders: SqlStyle = { placeholder: (i: number) => `$${i}`, reuse: true, dialect: 'postgres' };
/** MySQL/MariaDB: `?` for every use (a name used twice binds twice). */
export const mysqlPlaceholders: SqlStyle = { placeholder: () => '?', reuse: false, dialect: 'mysql' };

/**
 * Rewrites `:name` outside literals and comments into placeholders, by the dialect's own rules:
 * PostgreSQL: `'…'` (backslash is a character, except in `E'…'`), `"identifiers"`, `$tag$ bodies $tag$`,
 * `-- comments`, nested `/* comments *\/`, `::` casts. MySQL/MariaDB: `'…'` and `"…"` strings with backslash
 * escapes, `` `identifiers` ``, `# comments`, `-- comments` (only with a space after the dashes: `1--1` is
 * arithmetic), `/* comments *\/`, and executable `/*! … *\/` comments, whose text runs and so is scanned.
 * @example bindNamed("SELECT * FROM t WHERE r = :region AND d::date > now()", { region: 'eu' }, postgresPlaceholders)
 *   // { text: 'SELECT * FROM t WHERE r = $1 AND d::date > now()', values: ['eu'] }
 */
export function bindNamed(sql: string, variables: Readonly<Record<string, BindValue>>, style: SqlStyle): BoundQuery {
  const values: BindValue[] = [];
  const indexOf = new Map<string, number>();
  const skip = style.dialect === 'postgres' ? postgresSkip : mysqlSkip;
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const end = skip(sql, i);
    if (end > i) {
      out += sql.slice(i, end);
      i = end;
      continue;
    }
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === ':' && next === ':') {
      out += '::';
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(next ?? '') && !/[\w:]/.test(sql[i - 1] ?? '')) {
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

/** Where the PostgreSQL literal or comment starting at `i` ends; `i` itself when none starts there. */
function postgresSkip(sql: string, i: number): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === "'") return closingQuote(sql, i, "'", /[Ee]/.test(sql[i - 1] ?? '') && !/\w/.test(sql[i - 2] ?? ''));
  if (c === '"') return closingQuote(sql, i, '"', false);
  if (c === '-' && next === '-') return lineEnd(sql, i);
  if (c === '/' && next === '*') return nestedBlockEnd(sql, i);
  if (c === '$' && !/\w/.test(sql[i - 1] ?? '')) {
    const tag = /^\$(?:[A-Za-z_]\w*)?\$/.exec(sql.slice(i, i + 64))?.[0];
    if (tag !== undefined) {
      const end = sql.indexOf(tag, i + tag.length);
      return end < 0 ? sql.length : end + tag.length;
    }
  }
  return i;
}

/** Where the MySQL/MariaDB literal or comment starting at `i` ends; `i` itself when none starts there. */
function mysqlSkip(sql: string, i: number): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === "'" || c === '"') return closingQuote(sql, i, c, true);
  if (c === '`') return closingQuote(sql, i, c, false);
  if (c === '#') return lineEnd(sql, i);
  if (c === '-' && next === '-' && (i + 2 >= sql.length || /[\s\x00-\x1f]/.test(sql[i + 2]!))) return lineEnd(sql, i);
  if (c === '/' && next === '*') {
    // `/*! … */` and MariaDB's `/*M! … */` run their text: only the opener is skipped, the rest is scanned as SQL.
    const executable = /^\/\*(?:M?!)\d*/.exec(sql.slice(i, i + 16))?.[0];
    if (executable !== undefined) return i + executable.length;
    const end = sql.indexOf('*/', i + 2);
    return end < 0 ? sql.length : end + 2;
  }
  return i;
}

/** The end of the quoted text opening at `start`: a doubled quote stays inside; with `backslash`, so does `\x`. */
function closingQuote(sql: string, start: number, quote: string, backslash: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslash && sql[i] === '\\') i += 2;
    else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function lineEnd(sql: string, start: number): number {
  const end = sql.indexOf('\n', start);
  return end < 0 ? sql.length : end;
}

/** PostgreSQL's block comments nest: `/* a /* b *\/ still a *\/`. */
function nestedBlockEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
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
