/**
 * A widget's `query:` for the redis source: one read-only command with its arguments by name, and how those
 * arguments are filled from the dashboard's variables. A command name is never built from input: it is one of
 * READ_COMMANDS, so a write cannot be expressed; a variable's value only ever becomes (part of) one argument.
 */
import { VARIABLE_REFERENCE } from '../../core/config/index.js';

/** The commands a dashboard may run: reads only. */
export const READ_COMMANDS = ['GET', 'MGET', 'HGET', 'HGETALL', 'LRANGE', 'ZRANGE', 'ZREVRANGE', 'ZRANGEBYSCORE', 'SCARD', 'PFCOUNT', 'XRANGE', 'XREVRANGE', 'INFO', 'DBSIZE', 'TS.RANGE'] as const;

/** One of the allowed commands. */
export type ReadCommand = (typeof READ_COMMANDS)[number];

/**
 * A text argument: a string whose `:name` references are replaced by variable values, or a list of such
 * strings joined without a separator, for a reference right after a colon.
 * @example ["shop:orders:", ":region"] // "shop:orders:eu" when region is eu
 */
export type TextArg = string | readonly string[];

/** An integer argument: a number, or `":name"` for a variable whose value must be an integer. */
export type IntArg = number | string;

/** The aggregations TS.RANGE accepts. */
export type TsAggregation = 'avg' | 'sum' | 'min' | 'max' | 'range' | 'count' | 'first' | 'last' | 'std.p' | 'std.s' | 'var.p' | 'var.s' | 'twa';

/** A widget's `query:` for a redis source (see README.md for each command's frame). */
export type RedisQuery =
  | { command: 'GET' | 'HGETALL' | 'SCARD' | 'PFCOUNT'; key: TextArg }
  | { command: 'MGET'; keys: readonly TextArg[] | Readonly<Record<string, TextArg>> }
  | { command: 'HGET'; key: TextArg; field: TextArg }
  | { command: 'LRANGE' | 'ZRANGE' | 'ZREVRANGE'; key: TextArg; start?: IntArg; stop?: IntArg }
  | { command: 'ZRANGEBYSCORE'; key: TextArg; min?: number | string; max?: number | string; count?: IntArg; fields?: readonly string[] }
  | { command: 'XRANGE' | 'XREVRANGE'; key: TextArg; start?: string; end?: string; count?: IntArg; fields?: readonly string[] }
  | { command: 'INFO'; section?: string; fields?: readonly string[] }
  | { command: 'DBSIZE' }
  | { command: 'TS.RANGE'; key: TextArg; count?: IntArg; aggregation?: TsAggregation; bucket?: string };

const WHOLE_REFERENCE = /^:([A-Za-z_]\w*)$/;
/** A range end in a score or stream id argument: `:from` or `:to`, with `(` in front to exclude it. */
const RANGE_END = /^(\(?):(from|to)$/;

/**
 * Reads one query's arguments, filling in variables and the key prefix. Every problem is an Error whose
 * message names the command and the argument, because a query that skipped schema validation must still
 * fail with something a dashboard author can act on.
 */
export class QueryArgs {
  readonly command: ReadCommand;
  readonly #query: Readonly<Record<string, unknown>>;
  readonly #variables: Readonly<Record<string, string>>;
  readonly #keyPrefix: string;

  constructor(query: unknown, variables: Readonly<Record<string, string>>, keyPrefix: string) {
    if (typeof query !== 'object' || query === null || Array.isArray(query)) {
      throw new Error(`a redis query must be a mapping with "command" (one of ${READ_COMMANDS.join(', ')}); got ${describe(query)}`);
    }
    const record = query as Record<string, unknown>;
    const command = record['command'];
    if (typeof command !== 'string' || !(READ_COMMANDS as readonly string[]).includes(command)) {
      throw new Error(`"command" must be one of the read-only commands ${READ_COMMANDS.join(', ')}; got ${describe(command)}`);
    }
    this.command = command as ReadCommand;
    this.#query = record;
    this.#variables = variables;
    this.#keyPrefix = keyPrefix;
  }

  /** Whether the query sets `name`. */
  has(name: string): boolean {
    return this.#query[name] !== undefined;
  }

  /** A required text argument with its variables filled in. */
  text(name: string): string {
    const value = this.#query[name];
    if (value === undefined) throw new Error(`${this.command} needs "${name}"`);
    return fillText(value, this.#variables, `${this.command} "${name}"`);
  }

  /** A required key argument: the text with the source's key prefix in front. */
  key(name = 'key'): string {
    return this.#keyPrefix + this.text(name);
  }

  /** MGET's keys as [column name, key with prefix] pairs: named after the key, or after the mapping's names. */
  namedKeys(name = 'keys'): [string, string][] {
    const value = this.#query[name];
    const where = `${this.command} "${name}"`;
    const entries: [string, unknown][] = Array.isArray(value)
      ? value.map((item): [string, unknown] => ['', item])
      : typeof value === 'object' && value !== null
        ? Object.entries(value)
        : [];
    if (entries.length === 0) throw new Error(`${where} must be a non-empty list of keys or a mapping of column names to keys; got ${describe(value)}`);
    return entries.map(([column, item]) => {
      const key = fillText(item, this.#variables, where);
      return [column === '' ? key : column, this.#keyPrefix + key];
    });
  }

  /** An optional integer argument, literal or from a variable. */
  int(name: string, fallback: number): number;
  int(name: string, fallback?: undefined): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const value = this.#query[name];
    if (value === undefined) return fallback;
    const where = `${this.command} "${name}"`;
    let text: string;
    let from = '';
    if (typeof value === 'number') text = String(value);
    else if (typeof value === 'string' && WHOLE_REFERENCE.test(value)) {
      text = variable(value.slice(1), this.#variables, where);
      from = ` (from variable "${value.slice(1)}")`;
    } else throw new Error(`${where} must be an integer or ":name"; got ${describe(value)}`);
    if (!/^-?\d{1,15}$/.test(text)) throw new Error(`${where} must be an integer; got ${JSON.stringify(text.slice(0, 40))}${from}`);
    return Number(text);
  }

  /** An optional literal string argument (no variables: stream ids, sections, aggregations). */
  literal(name: string): string | undefined {
    const value = this.#query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new Error(`${this.command} "${name}" must be a string; got ${describe(value)}`);
    return value;
  }

  /**
   * An optional score (ZRANGEBYSCORE `min`, `max`) or stream id (XRANGE `start`, `end`) argument: literal, or
   * `:from`/`:to` (optionally after `(`) for the query's time range in epoch milliseconds, sent as that one
   * argument. A stream id must be whole milliseconds: `round` says which way (`ceil` for a lower end).
   * @example a.bound('min', range, 'ceil') // "1700000000000" for min: ":from"
   */
  bound(name: string, range: { from: number; to: number }, round: 'ceil' | 'floor'): string | undefined {
    const value = this.#query[name];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value !== 'string') throw new Error(`${this.command} "${name}" must be a number, a string or ":from"/":to"; got ${describe(value)}`);
    const end = RANGE_END.exec(value);
    if (end === null) return value;
    const ms = end[2] === 'from' ? range.from : range.to;
    return `${end[1]}${Math[round](ms)}`;
  }

  /** An optional list of literal strings (XRANGE `fields`). */
  literals(name: string): string[] | undefined {
    const value = this.#query[name];
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) {
      throw new Error(`${this.command} "${name}" must be a list of strings; got ${describe(value)}`);
    }
    return value;
  }
}

/**
 * A text argument with every `:name` replaced by the variable's value. The references are found with the same
 * expression the config loader uses, so exactly the names it checked as declared are filled in.
 * @example fillText(['shop:', ':region'], { region: 'eu' }, 'GET "key"') // 'shop:eu'
 */
export function fillText(value: unknown, variables: Readonly<Record<string, string>>, where: string): string {
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) && value.length > 0 ? value : undefined;
  if (parts === undefined || !parts.every((p): p is string => typeof p === 'string')) {
    throw new Error(`${where} must be a string or a non-empty list of strings; got ${describe(value)}`);
  }
  return parts.map((part) => part.replace(VARIABLE_REFERENCE, (_, name: string) => variable(name, variables, where))).join('');
}

/**
 * A Redis glob pattern from a text argument: the literal parts keep their `*`, `?` and `[...]`, while variable
 * values are escaped so that a value such as `*` matches only itself.
 * @example fillPattern(['orders:', ':id', ':*'], { id: '4*' }, 'listen "keys"') // 'orders:4\\*:*'
 */
export function fillPattern(value: unknown, variables: Readonly<Record<string, string>>, where: string): string {
  const escaped = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, escapeGlob(v)]));
  return fillText(value, escaped, where);
}

/** A string with Redis glob metacharacters escaped, so a pattern matches it literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function variable(name: string, variables: Readonly<Record<string, string>>, where: string): string {
  // Own properties only: a name like "constructor" must not resolve to something on Object.prototype.
  if (!Object.hasOwn(variables, name)) throw new Error(`${where} uses :${name}, but variable "${name}" is not set`);
  return variables[name] as string;
}

function describe(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return `${typeof value} ${String(value)}`;
}
