/**
 * Reading values out of schema-checked plain data, with the checks a schema cannot express (durations that
 * must be positive, say) reported at their positions. Values of the wrong type were already reported by
 * the schema, so readers here just skip them instead of reporting twice.
 */
import { formatDays, parseDuration } from '../duration.js';
import type { Problem } from './problem.js';
import { describeValue } from './validate.js';
import { isPlainObject } from './to-plain.js';
import type { DocPath, YamlFile } from './yaml-file.js';

/** A mapping read from the file. */
export type Plain = Record<string, unknown>;

/** The mapping under `key`, or an empty one. */
export function objectAt(parent: Plain, key: string): Plain {
  const value = parent[key];
  return isPlainObject(value) ? value : {};
}

/** The string under `key`, if it is one. */
export function stringAt(parent: Plain, key: string): string | undefined {
  const value = parent[key];
  return typeof value === 'string' ? value : undefined;
}

/** The number under `key`, if it is a finite one. */
export function numberAt(parent: Plain, key: string): number | undefined {
  const value = parent[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The boolean under `key`, if it is one. */
export function booleanAt(parent: Plain, key: string): boolean | undefined {
  const value = parent[key];
  return typeof value === 'boolean' ? value : undefined;
}

/** The strings of the list under `key` (a lone string counts as a list of one). */
export function stringsAt(parent: Plain, key: string): string[] | undefined {
  const value = parent[key];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** Limits a duration must respect, beyond being one. */
export interface DurationRule {
  /** Smallest accepted value in ms; every duration must be greater than zero regardless. */
  minMs?: number;
  /** Largest accepted value in ms. */
  maxMs?: number;
}

/** A value for a message, unless it came from `${ENV}`. */
function shownText(text: string, source: YamlFile): string {
  return source.fromEnvironment.has(text) ? 'a value from the environment (not shown)' : text;
}

/**
 * The duration under `key` in ms, or undefined when absent or wrong (then a problem is recorded, unless
 * the schema already reported it).
 * @example durationAt(widget, 'every', ['widgets', 0], source, problems, { minMs: 100 })
 */
export function durationAt(parent: Plain, key: string, path: DocPath, source: YamlFile, problems: Problem[], rule: DurationRule = {}): number | undefined {
  const text = stringAt(parent, key);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  const at = [...path, key];
  // A malformed duration fails the schema's pattern, which has already said so.
  if (typeof ms === 'string') return undefined;
  if (ms <= 0) {
    problems.push(source.problem(at, `"${key}" must be greater than zero, got ${shownText(text, source)}`));
    return undefined;
  }
  if (rule.minMs !== undefined && ms < rule.minMs) {
    problems.push(source.problem(at, `"${key}" must be at least ${rule.minMs}ms, got ${shownText(text, source)}`));
    return undefined;
  }
  if (rule.maxMs !== undefined && ms > rule.maxMs) {
    problems.push(source.problem(at, `"${key}" must be at most ${formatDays(rule.maxMs)}, got ${text}`));
    return undefined;
  }
  return ms;
}

/**
 * The document's top level as a mapping, or undefined with a problem for an empty file or a top level that
 * is a list or a single value. `example` shows the first line of a good file, for the message.
 */
export function rootMapping(source: YamlFile, value: unknown, problems: Problem[], what: string, example: string): Plain | undefined {
  if (isPlainObject(value)) return value;
  if (value === null || value === undefined) {
    problems.push(source.problemAt(0, `the file is empty; a ${what} is a mapping of keys, starting like "${example}"`));
  } else {
    problems.push(source.problem([], `the top level must be a mapping of keys (like "${example}"), got ${describeValue(value)}`));
  }
  return undefined;
}
