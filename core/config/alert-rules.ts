/**
 * `alerts:` items (of a dashboard, or of a file in the alerts folder) → AlertRule: what each watches (a
 * widget, or a query of its own), its conditions, durations, notifiers and variable values, checked against
 * the widgets, variables, sources and notifiers they name. Every problem points at the key it is about.
 */
import { conditionWindowMs, type Condition } from '../alerts/condition.js';
import type { AlertRule, Fallback, RuleSource } from '../alerts/rule.js';
import { parseDuration } from '../duration.js';
import { RtdashError } from '../errors.js';
import type { Dashboard } from '../model.js';
import { resolveVariables } from '../variables.js';
import { conditionAt, knownColumns, unknownConditionColumns } from './alert-conditions.js';
import { queryVariables } from './dashboard-variables.js';
import { durationAt, objectAt, stringAt, stringsAt, type Plain } from './fields.js';
import type { Problem } from './problem.js';
import { pluginValidator } from './schema-store.js';
import { didYouMean, listNames } from './suggest.js';
import { isPlainObject } from './to-plain.js';
import { defaultWhere, dottedPath, validateData, type Where } from './validate.js';
import { MIN_EVERY_MS, type DashboardContext } from './widget.js';
import { widgetTraits } from '../widget-types.js';
import type { DocPath, YamlFile } from './yaml-file.js';
import { templateProblems } from '../alerts/templates.js';

/** The severity of a rule that sets none. */
export const DEFAULT_SEVERITY = 'warning';
/** The summary of a rule that sets none. */
export const DEFAULT_SUMMARY = '{{ rule }}: {{ value }}';

/** What of a dashboard its rules are checked against: `unbuilt` holds widget ids whose own problems were reported already. */
export type RuleDashboard = Pick<Dashboard, 'id' | 'widgets' | 'variables'> & { unbuilt?: ReadonlySet<string> };

/** What the rules of one list may refer to. */
export interface RuleScope {
  context: DashboardContext;
  /** In a dashboard: that dashboard (rules name its widgets with `widget:`). */
  home?: RuleDashboard;
  /** In an alert file: the loaded dashboards (rules name them with `dashboard:` + `widget:`). */
  dashboards?: ReadonlyMap<string, RuleDashboard>;
  where: Where;
}

/** How messages name a rule: by name when it has a usable one, else by its place in the list. */
export function ruleLabel(rule: unknown, index: number): string {
  const name = isPlainObject(rule) ? rule['name'] : undefined;
  return typeof name === 'string' && name !== '' ? `alert "${name}"` : `alert #${index + 1}`;
}

/** Says where a path under `alerts` is (`in alert "x"`, `in "labels" of alert "x"`), for the schema's messages. */
export function alertWhere(root: Plain): Where {
  const rules = Array.isArray(root['alerts']) ? (root['alerts'] as unknown[]) : [];
  return (path: DocPath): string => {
    if (path[0] !== 'alerts' || path.length < 2) return defaultWhere(path);
    const label = ruleLabel(rules[Number(path[1])], Number(path[1]));
    const rest = path.slice(2);
    if (rest.length === 0) return `in ${label}`;
    if (rest[0] === 'query') return rest.length === 1 ? `in the query of ${label}` : `in "${dottedPath(rest.slice(1))}" of the query of ${label}`;
    return `in "${dottedPath(rest)}" of ${label}`;
  };
}

/** Reads the `alerts:` list of a (schema-checked) file; records problems and leaves out rules it cannot build. */
export function alertRulesOf(root: Plain, scope: RuleScope, source: YamlFile, problems: Problem[]): AlertRule[] {
  const list = Array.isArray(root['alerts']) ? (root['alerts'] as unknown[]) : [];
  const rules: AlertRule[] = [];
  const firstIndexOf = new Map<string, number>();
  list.forEach((r, index) => {
    if (!isPlainObject(r)) return;
    const name = stringAt(r, 'name');
    const first = name === undefined ? undefined : firstIndexOf.get(name);
    if (name !== undefined && first !== undefined) {
      const line = source.position(['alerts', first, 'name']).line;
      problems.push(source.problem(['alerts', index, 'name'], `alert rule name "${name}" is used twice in this file (first at line ${line}); rule names must be unique`));
    } else if (name !== undefined) firstIndexOf.set(name, index);
    const rule = ruleOf(r, index, scope, source, problems);
    if (rule !== undefined) rules.push(rule);
  });
  return rules;
}

/**
 * Problems for rules whose names `taken` (rules of files loaded before) already holds, naming both places;
 * adds the others to `taken`. Used across dashboards and alert files, where names must be unique too.
 */
export function ruleNameClashes(rules: readonly AlertRule[], taken: Map<string, AlertRule>): Problem[] {
  const problems: Problem[] = [];
  for (const rule of rules) {
    const first = taken.get(rule.name);
    if (first === undefined) continue;
    const { file, line, col } = first.position;
    problems.push({ ...rule.position, message: `alert rule name "${rule.name}" is already used at ${file}:${line}:${col}; rule names must be unique across dashboards and alert files` });
  }
  if (problems.length === 0) for (const rule of rules) taken.set(rule.name, rule);
  return problems;
}

function ruleOf(r: Plain, index: number, scope: RuleScope, source: YamlFile, problems: Problem[]): AlertRule | undefined {
  const path = ['alerts', index];
  const label = ruleLabel(r, index);
  const name = stringAt(r, 'name');
  const when = conditionAt(r['when'], path, 'when', label, source, problems);
  const clear = conditionAt(r['clear'], path, 'clear', label, source, problems);
  const span = (key: string): number | undefined => spanAt(r, key, path, source, problems);
  const [forMs, keepFiringForMs, repeatMs] = [span('for'), span('keep_firing_for'), span('repeat')];
  const notify = stringsAt(r, 'notify') ?? [];
  checkNotifiers(notify, r, path, label, scope.context, source, problems);
  const target = dataOf(r, path, label, scope, { when, clear }, source, problems);
  if (name === undefined || when === undefined || (r['clear'] !== undefined && clear === undefined) || target === undefined) return undefined;
  if (forMs === undefined || keepFiringForMs === undefined || repeatMs === undefined) return undefined;
  const labels = Object.fromEntries(Object.entries(objectAt(r, 'labels')).map(([k, v]) => [k, String(v)]));
  const [column, description] = [stringAt(r, 'column'), stringAt(r, 'description')];
  const known = { labels: [...Object.keys(labels), ...(stringsAt(r, 'by') ?? [])] };
  const before = problems.length;
  for (const key of ['summary', 'description'] as const) {
    const text = stringAt(r, key);
    if (text !== undefined) for (const problem of templateProblems(text, known)) problems.push(source.problem([...path, key], `"${key}" of ${label}: ${problem}`));
  }
  if (problems.length > before) return undefined;
  return {
    name,
    // A rule in an alert file that watches a dashboard's widget belongs to that dashboard, as one declared in it does.
    ...(scope.home !== undefined ? { dashboard: scope.home.id } : target.data.kind === 'widget' ? { dashboard: target.data.dashboard } : {}),
    data: target.data,
    when,
    ...(clear === undefined ? {} : { clear }),
    ...(column === undefined ? {} : { column }),
    by: stringsAt(r, 'by') ?? [],
    forMs,
    keepFiringForMs,
    repeatMs,
    severity: stringAt(r, 'severity') ?? DEFAULT_SEVERITY,
    labels,
    summary: stringAt(r, 'summary') ?? DEFAULT_SUMMARY,
    ...(description === undefined ? {} : { description }),
    nodata: (stringAt(r, 'nodata') as Fallback | undefined) ?? 'nodata',
    error: (stringAt(r, 'error') as Fallback | undefined) ?? 'error',
    notify,
    vars: target.vars,
    position: { file: source.file, ...source.position([...path, 'name']) },
  };
}

/** A duration that may be zero (`for: 0s`), in ms; 0 when absent, undefined when wrong. */
function spanAt(r: Plain, key: string, path: DocPath, source: YamlFile, problems: Problem[]): number | undefined {
  const text = stringAt(r, key);
  if (text === undefined) return r[key] === undefined ? 0 : undefined;
  const ms = parseDuration(text);
  // A malformed duration fails the schema's pattern, which has already said so.
  if (typeof ms === 'string') return undefined;
  if (ms < 0) {
    problems.push(source.problem([...path, key], `"${key}" must not be negative, got ${text}`));
    return undefined;
  }
  return ms;
}

function checkNotifiers(notify: string[], r: Plain, path: DocPath, label: string, context: DashboardContext, source: YamlFile, problems: Problem[]): void {
  if (context.notifierNames === undefined) return;
  const known = [...context.notifierNames()];
  notify.forEach((name, i) => {
    if (known.includes(name)) return;
    const at = typeof r['notify'] === 'string' ? [...path, 'notify'] : [...path, 'notify', i];
    problems.push(source.problem(at, `unknown notifier "${name}" in ${label}${didYouMean(name, known)} (notifiers in config.yaml: ${listNames(known)})`));
  });
}

/** What the rule watches, and the variable values it is queried with. */
function dataOf(r: Plain, path: DocPath, label: string, scope: RuleScope, conditions: { when?: Condition; clear?: Condition }, source: YamlFile, problems: Problem[]): { data: RuleSource; vars: Record<string, string> } | undefined {
  const standalone = scope.home === undefined;
  if (r['widget'] !== undefined && r['source'] !== undefined) {
    problems.push(source.problem([...path, 'source'], `${label} sets both "widget" and "source"; watch a widget, or give the rule a query of its own with "source", "query" and "every"`, 'key'));
    return undefined;
  }
  if (r['source'] !== undefined) return queryDataOf(r, path, label, scope, conditions, source, problems);
  const widgetId = stringAt(r, 'widget');
  if (widgetId === undefined) {
    if (r['widget'] === undefined) {
      const needs = standalone ? '"dashboard" + "widget" (a widget to watch)' : '"widget" (a widget of this dashboard to watch)';
      problems.push(source.problem(path, `${label} needs ${needs} or "source" + "query" + "every" (a query of its own)`));
    }
    return undefined;
  }
  const dashboard = standalone ? dashboardOf(r, path, label, scope, source, problems) : scope.home;
  if (dashboard === undefined) return undefined;
  const widget = dashboard.widgets.find((w) => w.id === widgetId);
  if (widget === undefined) {
    if (dashboard.unbuilt?.has(widgetId) === true) return undefined;
    const ids = dashboard.widgets.map((w) => w.id);
    problems.push(source.problem([...path, 'widget'], `unknown widget "${widgetId}" in ${label}${didYouMean(widgetId, ids)} (widgets of dashboard "${dashboard.id}": ${listNames(ids)})`));
    return undefined;
  }
  if (!widgetTraits(widget.type).data) {
    problems.push(source.problem([...path, 'widget'], `${label} watches widget "${widgetId}", a ${widget.type} widget, which has no data to alert on; pick a widget with a source and a query`));
    return undefined;
  }
  const columns = knownColumns(widget);
  if (columns !== undefined) {
    const before = problems.length;
    const describe = (column: string): string => `is not a column of widget "${widgetId}" (its columns: ${listNames(columns)})${didYouMean(column, columns)}`;
    for (const key of ['when', 'clear'] as const) {
      const condition = conditions[key];
      if (condition !== undefined) problems.push(...unknownConditionColumns(condition, columns, path, key, label, source, describe));
    }
    const column = stringAt(r, 'column');
    if (column !== undefined && !columns.includes(column)) problems.push(source.problem([...path, 'column'], `"column" ${JSON.stringify(column)} of ${label} ${describe(column)}`));
    (stringsAt(r, 'by') ?? []).forEach((by, i) => {
      const at = typeof r['by'] === 'string' ? [...path, 'by'] : [...path, 'by', i];
      if (!columns.includes(by)) problems.push(source.problem(at, `"by" column ${JSON.stringify(by)} of ${label} ${describe(by)}`));
    });
    if (problems.length > before) return undefined;
  }
  const vars = varsOf(r, path, label, dashboard, source, problems);
  return vars === undefined ? undefined : { data: { kind: 'widget', dashboard: dashboard.id, widget: widgetId }, vars };
}

function dashboardOf(r: Plain, path: DocPath, label: string, scope: RuleScope, source: YamlFile, problems: Problem[]): RuleDashboard | undefined {
  const id = stringAt(r, 'dashboard');
  if (id === undefined) return undefined;
  const dashboard = scope.dashboards?.get(id);
  if (dashboard === undefined) {
    const ids = [...(scope.dashboards?.keys() ?? [])];
    problems.push(source.problem([...path, 'dashboard'], `unknown dashboard "${id}" in ${label}${didYouMean(id, ids)} (loaded dashboards: ${listNames(ids)})`));
  }
  return dashboard;
}

/** A rule with a query of its own: its source and query checked as a widget's are. */
function queryDataOf(r: Plain, path: DocPath, label: string, scope: RuleScope, conditions: { when?: Condition; clear?: Condition }, source: YamlFile, problems: Problem[]): { data: RuleSource; vars: Record<string, string> } | undefined {
  const name = stringAt(r, 'source');
  const query = r['query'];
  const everyMs = durationAt(r, 'every', path, source, problems, { minMs: MIN_EVERY_MS });
  if (name === undefined || query === undefined || everyMs === undefined) return undefined;
  const before = problems.length;
  const info = scope.context.sources(name);
  if (info === undefined) {
    const known = scope.context.sourceNames === undefined ? undefined : [...scope.context.sourceNames()];
    const hint = known === undefined ? '' : `${didYouMean(name, known)} (known sources: ${listNames(known)})`;
    problems.push(source.problem([...path, 'source'], `unknown source "${name}" in ${label}${hint}`));
  } else if (info.plugin !== undefined) {
    const validate = pluginValidator(info.plugin.querySchema);
    if (typeof validate === 'string') problems.push(source.problem([...path, 'source'], `plugin "${info.plugin.type}" of source "${name}" has an invalid querySchema (a bug in the plugin): ${validate}`));
    else problems.push(...validateData(validate, query, source, { basePath: [...path, 'query'], where: scope.where }));
  }
  const declared = new Set((scope.home?.variables ?? []).map((v) => v.name));
  queryVariables(query, [...path, 'query'], declared, source, problems, label);
  const vars = varsOf(r, path, label, scope.home, source, problems);
  if (problems.length > before || vars === undefined) return undefined;
  // The rule's job keeps what its conditions read, plus one interval so the oldest point is still there.
  const windowMs = Math.max(...[conditions.when, conditions.clear].map((c) => (c === undefined ? 0 : conditionWindowMs(c))));
  return { data: { kind: 'query', source: name, query, everyMs, keepMs: windowMs + everyMs }, vars };
}

/** `vars:` checked as a viewer's values are, with every declared variable filled in (defaults for the rest). */
function varsOf(r: Plain, path: DocPath, label: string, dashboard: RuleDashboard | undefined, source: YamlFile, problems: Problem[]): Record<string, string> | undefined {
  const given = objectAt(r, 'vars');
  const declared = (dashboard?.variables ?? []).map((v) => v.name);
  const valid: Record<string, string> = {};
  let ok = true;
  for (const [name, value] of Object.entries(given)) {
    const at = [...path, 'vars', name];
    if (dashboard === undefined || !declared.includes(name)) {
      const owner = dashboard === undefined ? 'a rule with a query of its own in an alert file has no variables' : `dashboard "${dashboard.id}" declares no variable "${name}"${didYouMean(name, declared)} (declared: ${listNames(declared)})`;
      problems.push(source.problem(at, `${label} sets variable "${name}" in "vars", but ${owner}`, 'key'));
      ok = false;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    try {
      resolveVariables(dashboard, { [name]: String(value) });
      valid[name] = String(value);
    } catch (err) {
      if (!(err instanceof RtdashError)) throw err;
      problems.push(source.problem(at, `${err.message} (in "vars" of ${label})`));
      ok = false;
    }
  }
  if (!ok) return undefined;
  return dashboard === undefined ? {} : resolveVariables(dashboard, valid);
}
