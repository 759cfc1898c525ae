/**
 * A dashboard's `time:` block → TimeSettings (docs/time.md): the default range, the picker's choices, the
 * longest range and the most points per chart, checked against each other, with problems at their positions.
 */
import { parseDuration } from '../duration.js';
import { RtdashError } from '../errors.js';
import type { TimeSettings } from '../model.js';
import { DEFAULT_MAX_POINTS, DEFAULT_TIME_CHOICES, DEFAULT_TIME_DEFAULT, DEFAULT_TIME_MAX, LARGEST_BUCKET, durationRange, parseRangeEnd, resolveEnd } from '../time-range.js';
import { numberAt, stringAt, type Plain } from './fields.js';
import type { Problem } from './problem.js';
import { isPlainObject } from './to-plain.js';
import type { YamlFile } from './yaml-file.js';

/** The names queries of a dashboard with `time:` get without declaring them; no variable may take them. */
export const RANGE_PARAMETERS: ReadonlySet<string> = new Set(['from', 'to', 'bucket']);

/** Reads `time:`; undefined when the dashboard has none (or it is too broken to use, with problems recorded). */
export function timeOf(root: Plain, source: YamlFile, problems: Problem[]): TimeSettings | undefined {
  const block = root['time'];
  if (block === undefined) return undefined;
  // A wrong shape was reported by the schema.
  if (!isPlainObject(block)) return undefined;
  const before = problems.length;
  const maxText = stringAt(block, 'max') ?? DEFAULT_TIME_MAX;
  const maxMs = positiveDuration(maxText, ['time', 'max'], source, problems);
  const maxPoints = numberAt(block, 'max_points') ?? DEFAULT_MAX_POINTS;
  const given = Array.isArray(block['choices']);
  // The default choices stop at `max`; choices the file lists must all fit.
  const choices = given
    ? (block['choices'] as unknown[]).filter((c): c is string => typeof c === 'string')
    : DEFAULT_TIME_CHOICES.filter((c) => maxMs === undefined || (parseDuration(c) as number) <= maxMs);
  if (given) choices.forEach((choice, i) => {
    const ms = positiveDuration(choice, ['time', 'choices', i], source, problems);
    if (ms !== undefined && maxMs !== undefined && ms > maxMs) problems.push(source.problem(['time', 'choices', i], `choice "${choice}" is longer than time.max (${maxText}); raise max or drop the choice`));
  });
  if (maxMs !== undefined && maxMs / (LARGEST_BUCKET * 1000) > maxPoints) {
    problems.push(source.problem(['time', block['max'] === undefined ? 'max_points' : 'max'], `a range of time.max (${maxText}) would have more than max_points (${maxPoints}) points even at the largest bucket (1d); lower max or raise max_points`));
  }
  const range = defaultOf(block, source, problems);
  if (range !== undefined && maxMs !== undefined) {
    const now = Date.now();
    try {
      const fromMs = resolveEnd(parseRangeEnd(range.from, 'from'), now);
      const to = parseRangeEnd(range.to, 'to');
      const toMs = resolveEnd(to, now);
      if (fromMs >= toMs) problems.push(source.problem(['time', 'default'], `the default range starts at or after its end (from ${range.from} to ${range.to})`));
      else if (toMs - fromMs > maxMs) problems.push(source.problem(['time', 'default'], `the default range (${range.from} to ${range.to}) is longer than time.max (${maxText})`));
      else if (to.kind === 'absolute' && parseRangeEnd(range.from, 'from').kind === 'relative') {
        problems.push(source.problem(['time', 'default'], `the default range starts relative to now (${range.from}) but ends at a fixed time (${range.to}); end it at now or fix both ends`));
      }
    } catch (err) {
      problems.push(source.problem(['time', 'default'], `the default range is invalid: ${err instanceof RtdashError ? err.message : String(err)}`));
    }
  }
  if (problems.length > before || maxMs === undefined || range === undefined) return undefined;
  return { default: range, choices, max: maxText, maxMs, maxPoints };
}

function defaultOf(block: Plain, source: YamlFile, problems: Problem[]): { from: string; to: string } | undefined {
  const value = block['default'];
  if (value === undefined) return { ...DEFAULT_TIME_DEFAULT };
  if (typeof value === 'string') return positiveDuration(value, ['time', 'default'], source, problems) === undefined ? undefined : durationRange(value);
  if (!isPlainObject(value)) return undefined;
  const from = value['from'];
  const to = value['to'] ?? 'now';
  if ((typeof from !== 'string' && typeof from !== 'number') || (typeof to !== 'string' && typeof to !== 'number')) return undefined;
  return { from: String(from), to: String(to) };
}

function positiveDuration(text: string, path: (string | number)[], source: YamlFile, problems: Problem[]): number | undefined {
  const ms = parseDuration(text);
  if (typeof ms === 'string') return undefined; // the schema's pattern said so
  if (ms <= 0) {
    problems.push(source.problem(path, `must be greater than zero, got ${text}`));
    return undefined;
  }
  return ms;
}

/** Problems for variables named like a range parameter: they would shadow :from, :to or :bucket. */
export function reservedVariableProblems(root: Plain, source: YamlFile): Problem[] {
  const variables = root['variables'];
  if (!isPlainObject(variables)) return [];
  return Object.keys(variables)
    .filter((name) => RANGE_PARAMETERS.has(name))
    .map((name) => source.problem(['variables', name], `variable "${name}" is not allowed: :from, :to and :bucket are the time range's parameters (docs/time.md); rename the variable`, 'key'));
}
