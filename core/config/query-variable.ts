/**
 * `type: query` variables as read from a dashboard file: their source (known, and its plugin's query shape),
 * the variables their query uses, their refresh interval, and no cycles between them.
 */
import type { QueryVariable } from '../model.js';
import { VARIABLE_REFERENCE, queryVariables } from './dashboard-variables.js';
import { durationAt, stringAt, type Plain } from './fields.js';
import type { Problem } from './problem.js';
import { pluginValidator } from './schema-store.js';
import { didYouMean, listNames } from './suggest.js';
import { validateData, type Where } from './validate.js';
import type { DashboardContext } from './widget.js';
import type { YamlFile } from './yaml-file.js';

/** How often a query variable's options are read again when it sets no `refresh`. */
export const DEFAULT_OPTIONS_REFRESH_MS = 60_000;
/** The shortest `refresh` of a query variable: options are not data, and each refresh is a query. */
export const MIN_OPTIONS_REFRESH_MS = 1000;

/** What reading a query variable needs besides its own mapping. */
export interface QueryVariableScope {
  /** Every variable name the file declares. */
  declared: ReadonlySet<string>;
  /** The configured sources; without it, `source` is not checked. */
  context?: DashboardContext;
  where?: Where;
}

/** Reads one `type: query` variable; records problems and returns undefined when it cannot be built. */
export function queryVariableOf(name: string, def: Plain, scope: QueryVariableScope, source: YamlFile, problems: Problem[]): QueryVariable | undefined {
  const path = ['variables', name];
  for (const key of ['options', 'pattern']) {
    if (def[key] !== undefined) problems.push(source.problem([...path, key], `"${key}" is not for query variables: the options of variable "${name}" are the first column of its query`, 'key'));
  }
  const sourceName = stringAt(def, 'source');
  const query = def['query'];
  if (sourceName === undefined || query === undefined) return undefined;
  const info = scope.context?.sources(sourceName);
  if (scope.context !== undefined && info === undefined) {
    const known = scope.context.sourceNames === undefined ? undefined : [...scope.context.sourceNames()];
    const hint = known === undefined ? '' : `${didYouMean(sourceName, known)} (known sources: ${listNames(known)})`;
    problems.push(source.problem([...path, 'source'], `unknown source "${sourceName}" in variable "${name}"${hint}`));
  }
  const plugin = info?.plugin;
  if (plugin !== undefined) {
    const validate = pluginValidator(plugin.querySchema);
    if (typeof validate === 'string') problems.push(source.problem([...path, 'source'], `plugin "${plugin.type}" of source "${sourceName}" has an invalid querySchema (a bug in the plugin): ${validate}`));
    else problems.push(...validateData(validate, query, source, { basePath: [...path, 'query'], ...(scope.where === undefined ? {} : { where: scope.where }) }));
  }
  const parents = queryVariables(query, [...path, 'query'], scope.declared, source, problems, `variable "${name}"`);
  const refreshMs = def['refresh'] === undefined ? DEFAULT_OPTIONS_REFRESH_MS : durationAt(def, 'refresh', path, source, problems, { minMs: MIN_OPTIONS_REFRESH_MS });
  if (refreshMs === undefined) return undefined;
  const given = typeof def['default'] === 'string' || typeof def['default'] === 'number' ? String(def['default']) : undefined;
  const label = stringAt(def, 'label');
  return {
    name,
    type: 'query',
    source: sourceName,
    query,
    refreshMs,
    parents,
    ...(given === undefined ? {} : { default: given }),
    ...(label === undefined ? {} : { label }),
  };
}

/**
 * One problem per cycle among query variables (region uses :host, host uses :region), at the reference
 * that closes it: their options could never be read. The variables are returned as they are (the file is
 * refused for the problem), so widgets that use them are not reported as well.
 */
export function checkCycles<V extends { name: string; type: string }>(variables: V[], source: YamlFile, problems: Problem[]): V[] {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const parentsOf = (name: string): string[] => {
    const v = byName.get(name) as (V & Partial<QueryVariable>) | undefined;
    return v?.type === 'query' ? (v.parents ?? []) : [];
  };
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'open') {
      const loop = [...trail.slice(trail.indexOf(name)), name];
      const from = trail[trail.length - 1] as string;
      problems.push(referenceProblem(byName.get(from) as unknown as QueryVariable, name, source, `variables depend on each other in a cycle (${loop.join(' → ')}): variable "${from}" uses :${name}, so no option of either can be read; remove one of the references`));
      return;
    }
    state.set(name, 'open');
    for (const parent of parentsOf(name)) visit(parent, [...trail, name]);
    state.set(name, 'done');
  };
  for (const v of variables) visit(v.name, []);
  return variables;
}

/** A problem at the first `:name` reference in a query variable's query (or at the query when it is not one text). */
function referenceProblem(variable: QueryVariable, name: string, source: YamlFile, message: string): Problem {
  const path = ['variables', variable.name, 'query'];
  if (typeof variable.query !== 'string') return source.problem(path, message);
  let occurrence = 0;
  for (const match of variable.query.matchAll(VARIABLE_REFERENCE)) {
    if (match[1] === name) return source.problemInScalar(path, VARIABLE_REFERENCE, occurrence, message);
    occurrence++;
  }
  return source.problem(path, message);
}
