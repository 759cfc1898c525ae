/**
 * A rule's `when:` and `clear:` conditions read from a file: parsed, with a syntax error pointed at the
 * offending character inside the expression, and the columns they reduce checked against the widget.
 */
import { isScalar } from 'yaml';
import { ConditionSyntaxError, parseCondition, type Condition } from '../alerts/condition.js';
import type { Problem } from './problem.js';
import { offsetInScalar, scalarOffsets } from './scalar-offsets.js';
import type { DocPath, YamlFile } from './yaml-file.js';

/**
 * Parses the condition under `key` of the rule at `path`; a syntax error becomes a problem at the line and
 * column of the character it names. When the scalar does not map one to one (escapes over several lines, a
 * folded block with blank lines), the problem points at the value and its message gives the column inside.
 * @example conditionAt('avg(1m) >', ['alerts', 0], 'when', 'alert "x"', source, problems) // undefined, and a problem at the end
 */
export function conditionAt(text: unknown, path: DocPath, key: 'when' | 'clear', label: string, source: YamlFile, problems: Problem[]): Condition | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return parseCondition(text);
  } catch (err) {
    if (!(err instanceof ConditionSyntaxError)) throw err;
    const exact = `"${key}" of ${label} does not parse: ${err.message}`;
    const approximate = `"${key}" of ${label} does not parse at column ${err.column} of the condition: ${err.message}`;
    problems.push(problemInValue(source, [...path, key], err.column - 1, exact, approximate));
    return undefined;
  }
}

/** A problem at character `index` of the scalar value at `path`; `approximate` is used when only the value's start is known. */
export function problemInValue(source: YamlFile, path: DocPath, index: number, exact: string, approximate: string): Problem {
  const node = source.node(path);
  if (node === undefined || !isScalar(node) || !node.range) return source.problem(path, approximate);
  const offsets = scalarOffsets(source.text, node);
  if (offsets === undefined) return source.problem(path, approximate);
  return source.problemAt(offsetInScalar(offsets, index, node.range[0]), exact);
}

/** The columns a widget's data is known to have (its `x` and `y`), or undefined when it declares no `y`. */
export function knownColumns(widget: { x?: string; y?: string[] }): string[] | undefined {
  if (widget.y === undefined) return undefined;
  return widget.x === undefined || widget.y.includes(widget.x) ? [...widget.y] : [widget.x, ...widget.y];
}

/**
 * Problems for each column a condition reduces by name that is not among `columns`, at the column's name inside the expression.
 * `describe(name)` finishes the message (which widget, which columns, a suggestion).
 */
export function unknownConditionColumns(condition: Condition, columns: readonly string[], path: DocPath, key: 'when' | 'clear', label: string, source: YamlFile, describe: (name: string) => string): Problem[] {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  for (const call of condition.calls) {
    if (call.column === null || columns.includes(call.column) || reported.has(call.column)) continue;
    reported.add(call.column);
    const inCall = condition.source.slice(call.start, call.end);
    const found = inCall.lastIndexOf(call.column);
    // A quoted name (`avg(5m, "p 95")`) is pointed at from its opening quote.
    const quoteBefore = found > 0 && /["']/.test(inCall[found - 1] as string) ? 1 : 0;
    const index = found < 0 ? call.start : call.start + found - quoteBefore;
    const message = `column "${call.column}" in "${key}" of ${label} ${describe(call.column)}`;
    problems.push(problemInValue(source, [...path, key], index, message, `${message} (at column ${index + 1} of the condition)`));
  }
  return problems;
}
