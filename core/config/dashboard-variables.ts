/**
 * A dashboard's template variables: their declarations, and the `:name` references in widget queries that
 * must match them.
 */
import type { Variable } from '../model.js';
import { objectAt, stringAt, type Plain } from './fields.js';
import type { Problem } from './problem.js';
import { didYouMean, listNames } from './suggest.js';
import { isPlainObject } from './to-plain.js';
import type { DocPath, YamlFile } from './yaml-file.js';
import { queryVariableOf, checkCycles, type QueryVariableScope } from './query-variable.js';

/** The time range's parameters, named in the hint for a dashboard without `time:`. */
const RANGE_NAMES = new Set(['from', 'to', 'bucket']);

/**
 * A `:name` reference in query text. The look-behind keeps PostgreSQL casts (`::date`), `a:b` keys and
 * URLs (`http://host:8080`) from counting as variables.
 */
export const VARIABLE_REFERENCE = /(?<![:\w]):([A-Za-z_]\w*)/g;

/**
 * The whole-value matcher of a text variable's pattern, as the server applies it to viewers' values.
 * @example variablePattern('[a-z]+').test('abc') // true
 */
export function variablePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`, 'u');
}

/**
 * Reads `variables:` into declarations, checking defaults against options and patterns, and query variables
 * against the sources of `scope` (see query-variable.ts).
 */
export function variablesOf(root: Plain, source: YamlFile, problems: Problem[], scope: Omit<QueryVariableScope, 'declared'> = {}): Variable[] {
  const out: Variable[] = [];
  const declared = new Set(Object.keys(objectAt(root, 'variables')));
  for (const [name, def] of Object.entries(objectAt(root, 'variables'))) {
    if (!isPlainObject(def)) continue;
    if (def['type'] === 'query') {
      const variable = queryVariableOf(name, def, { ...scope, declared }, source, problems);
      if (variable !== undefined) out.push(variable);
      continue;
    }
    const path = ['variables', name];
    const label = stringAt(def, 'label');
    const type = stringAt(def, 'type');
    const misplaced = (key: string, belongs: string): void => {
      if (def[key] !== undefined) problems.push(source.problem([...path, key], `"${key}" is only for ${belongs} variables, and variable "${name}" is a ${String(type)} variable`, 'key'));
    };
    const given = typeof def['default'] === 'string' || typeof def['default'] === 'number' ? String(def['default']) : undefined;
    if (type === 'select') {
      misplaced('pattern', 'text');
      const options = Array.isArray(def['options']) ? def['options'].filter((o) => typeof o === 'string' || typeof o === 'number').map(String) : [];
      if (options.length === 0) continue;
      const chosen = given ?? (options[0] as string);
      if (!options.includes(chosen)) {
        problems.push(source.problem([...path, 'default'], `default "${chosen}" of variable "${name}" is not one of its options (${listNames(options)})`));
      }
      out.push({ name, type, options, default: chosen, ...(label === undefined ? {} : { label }) });
    } else if (type === 'text') {
      misplaced('options', 'select');
      const pattern = stringAt(def, 'pattern');
      if (pattern === undefined || given === undefined) continue;
      let matcher: RegExp;
      try {
        matcher = variablePattern(pattern);
      } catch (err) {
        problems.push(source.problem([...path, 'pattern'], `"pattern" of variable "${name}" is not a valid regular expression: ${err instanceof Error ? err.message : String(err)}`));
        continue;
      }
      if (!matcher.test(given)) {
        problems.push(source.problem([...path, 'default'], `default "${given}" of variable "${name}" does not match its pattern ${pattern}`));
      }
      out.push({ name, type, pattern, default: given, ...(label === undefined ? {} : { label }) });
    }
  }
  return checkCycles(out, source, problems);
}

/**
 * The variables a query refers to, in order of first use. A reference to an undeclared variable is a
 * problem at its exact position in the file; `owner` names the widget in the message.
 */
export function queryVariables(
  query: unknown,
  queryPath: DocPath,
  declared: ReadonlySet<string>,
  source: YamlFile,
  problems: Problem[],
  owner: string,
  /** Names allowed without a declaration (the time range's :from, :to, :bucket on a dashboard with `time:`). */
  builtIn: ReadonlySet<string> = new Set(),
): string[] {
  const used: string[] = [];
  const reported = new Set<string>();
  // Queries are shallow (the file's depth is bounded), so plain recursion is safe here.
  const walk = (value: unknown, path: DocPath): void => {
    if (typeof value === 'string') {
      let occurrence = 0;
      for (const match of value.matchAll(VARIABLE_REFERENCE)) {
        const name = match[1] as string;
        if (declared.has(name) || builtIn.has(name)) {
          if (!used.includes(name)) used.push(name);
        } else if (!reported.has(name)) {
          reported.add(name);
          const hint = RANGE_NAMES.has(name) ? '; :from, :to and :bucket come with a time range: add a "time:" block to the dashboard (docs/time.md)' : didYouMean(name, declared);
          const message = `the query of ${owner} uses :${name}, but no variable "${name}" is declared under "variables"${hint}`;
          problems.push(source.problemInScalar(path, VARIABLE_REFERENCE, occurrence, message));
        }
        occurrence++;
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, [...path, i]));
    } else if (isPlainObject(value)) {
      for (const [key, item] of Object.entries(value)) walk(item, [...path, key]);
    }
  };
  walk(query, queryPath);
  return used;
}
