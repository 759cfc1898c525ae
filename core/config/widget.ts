/**
 * One widget of a dashboard file → Widget: its source and query (checked against the source's plugin),
 * its schedule, history, size and the variables its query uses.
 */
import { validateDetailed } from 'node-cron';
import type { Keep, Schedule, Widget, WidgetType } from '../model.js';
import { WIDGET_TYPES } from '../widget-types.js';
import type { PluginDefinition } from '../plugin.js';
import { queryVariables } from './dashboard-variables.js';
import type { JsonSchema } from '../plugin.js';
import { durationAt, numberAt, objectAt, stringAt, stringsAt, type Plain } from './fields.js';
import type { Problem } from './problem.js';
import { pluginValidator } from './schema-store.js';
import { didYouMean, listNames } from './suggest.js';
import { validateData, type Where } from './validate.js';
import { isPlainObject } from './to-plain.js';
import type { YamlFile } from './yaml-file.js';

/** What a dashboard needs to know about a data source named in `source:`. */
export interface SourceInfo {
  type: string;
  /** The source's plugin; when given, widget queries are checked against its `querySchema`. */
  plugin?: PluginDefinition;
  /** The source's `record`: the default of its widgets that can be recorded. */
  recordMs?: number;
}

/** The data sources dashboards may use. */
export interface DashboardContext {
  /** The source configured under `name`, if any. */
  sources(name: string): SourceInfo | undefined;
  /** Every configured source name, listed when a widget names an unknown one. */
  sourceNames?(): Iterable<string>;
  /** The notifier names alert rules may `notify`; without it, those names are not checked. */
  notifierNames?(): Iterable<string>;
}

/** The widget types, as the schema lists them. */
export { WIDGET_TYPES } from '../widget-types.js';

/** Points of history kept when a widget does not say. */
export const DEFAULT_KEEP_POINTS = 300;
/** The shortest `every` accepted: faster polling only loads the source. */
export const MIN_EVERY_MS = 100;
/** Widget size when left out, in grid cells. */
export const DEFAULT_SIZE = { w: 4, h: 3 } as const;

/** The dashboard-wide facts a widget is read against. */
export interface WidgetScope {
  refreshMs: number;
  columns: number;
  declaredVariables: ReadonlySet<string>;
  /** Names queries may use undeclared: :from, :to, :bucket on a dashboard with `time:`. */
  rangeParameters: ReadonlySet<string>;
  context: DashboardContext;
  where: Where;
}

/** How messages name a widget: by id when it has a usable one, else by its place in the list. */
export function widgetLabel(widget: unknown, index: number): string {
  const id = isPlainObject(widget) ? widget['id'] : undefined;
  return typeof id === 'string' && id !== '' ? `widget "${id}"` : `widget #${index + 1}`;
}

/** Reads widget `index`; records problems and returns undefined when it cannot be built. */
export function widgetOf(w: Plain, index: number, scope: WidgetScope, source: YamlFile, problems: Problem[]): Widget | undefined {
  const path = ['widgets', index];
  const label = widgetLabel(w, index);
  const id = stringAt(w, 'id');
  const type = stringAt(w, 'type') as WidgetType | undefined;
  const sourceName = stringAt(w, 'source');
  const query = w['query'];
  const listen = w['listen'];
  if (sourceName !== undefined) checkSource(sourceName, query, listen, index, label, scope, source, problems);
  const used = query === undefined ? [] : queryVariables(query, [...path, 'query'], scope.declaredVariables, source, problems, label, scope.rangeParameters);
  const variables = used.filter((name) => !scope.rangeParameters.has(name));
  // A chart of a source that answers whole ranges by itself is a range widget on a dashboard with `time:`.
  const answersRanges = sourceName !== undefined && scope.context.sources(sourceName)?.plugin?.answersRanges === true;
  const usesRange = used.length > variables.length || (scope.rangeParameters.size > 0 && answersRanges);
  const schedule = scheduleOf(w, index, label, scope, source, problems);
  const keep = keepOf(w, index, source, problems);
  const timeoutMs = durationAt(w, 'timeout', path, source, problems);
  const recordMs = recordOf(w, index, label, type, variables, usesRange, source, problems, sourceName === undefined ? undefined : scope.context.sources(sourceName)?.recordMs);
  const size = sizeOf(w, index, scope, source, problems);
  const min = numberAt(w, 'min');
  const max = numberAt(w, 'max');
  if (min !== undefined && max !== undefined && max <= min) {
    problems.push(source.problem([...path, 'max'], `"max" (${max}) must be greater than "min" (${min}) in ${label}`));
  }
  if (id === undefined || type === undefined || !WIDGET_TYPES.includes(type) || schedule === undefined || keep === undefined) return undefined;
  const widget: Widget = { id, title: stringAt(w, 'title') ?? '', type, schedule, keep, size, variables, position: { file: source.file, ...source.position([...path, 'id']) } };
  const description = stringAt(w, 'description');
  const x = stringAt(w, 'x');
  const y = stringsAt(w, 'y');
  const unit = stringAt(w, 'unit');
  const content = stringAt(w, 'content');
  const thresholds = thresholdsOf(w);
  if (usesRange) widget.usesRange = true;
  if (description !== undefined) widget.description = description;
  if (sourceName !== undefined) widget.source = sourceName;
  if (query !== undefined) widget.query = query;
  if (listen !== undefined) widget.listen = listen;
  if (timeoutMs !== undefined) widget.timeoutMs = timeoutMs;
  if (recordMs !== undefined) widget.recordMs = recordMs;
  if (x !== undefined) widget.x = x;
  if (y !== undefined) widget.y = y;
  if (unit !== undefined) widget.unit = unit;
  if (thresholds !== undefined) widget.thresholds = thresholds;
  if (min !== undefined) widget.min = min;
  if (max !== undefined) widget.max = max;
  if (content !== undefined) widget.content = content;
  return widget;
}

function checkSource(name: string, query: unknown, listen: unknown, index: number, label: string, scope: WidgetScope, source: YamlFile, problems: Problem[]): void {
  const info = scope.context.sources(name);
  if (info === undefined) {
    const known = scope.context.sourceNames === undefined ? undefined : [...scope.context.sourceNames()];
    const hint = known === undefined ? '' : `${didYouMean(name, known)} (known sources: ${listNames(known)})`;
    problems.push(source.problem(['widgets', index, 'source'], `unknown source "${name}" in ${label}${hint}`));
    return;
  }
  const plugin = info.plugin;
  if (plugin === undefined) return;
  if (query !== undefined) checkAgainst(plugin.querySchema, 'querySchema', query, 'query');
  if (listen === undefined) return;
  if (plugin.listenSchema === undefined) {
    problems.push(source.problem(['widgets', index, 'listen'], `source "${name}" (type ${plugin.type}) cannot push changes, so ${label} cannot "listen"; remove it and the widget runs on its schedule`, 'key'));
    return;
  }
  checkAgainst(plugin.listenSchema, 'listenSchema', listen, 'listen');

  function checkAgainst(schema: JsonSchema, what: string, value: unknown, key: string): void {
    const validate = pluginValidator(schema);
    if (typeof validate === 'string') {
      problems.push(source.problem(['widgets', index, 'source'], `plugin "${plugin!.type}" of source "${name}" has an invalid ${what} (a bug in the plugin): ${validate}`));
      return;
    }
    problems.push(...validateData(validate, value, source, { basePath: ['widgets', index, key], where: scope.where }));
  }
}

function scheduleOf(w: Plain, index: number, label: string, scope: WidgetScope, source: YamlFile, problems: Problem[]): Schedule | undefined {
  const path = ['widgets', index];
  const cron = stringAt(w, 'cron');
  if (w['every'] !== undefined && w['cron'] !== undefined) {
    problems.push(source.problem([...path, 'cron'], `${label} sets both "every" and "cron"; keep one of them`, 'key'));
    return undefined;
  }
  if (cron !== undefined) {
    const verdict = validateDetailed(cron);
    if (verdict.valid) return { kind: 'cron', expression: cron };
    const first = verdict.errors[0];
    const detail = first === undefined ? '' : first.field === 'expression' ? `: ${first.message}` : `: the ${first.field} field ${JSON.stringify(first.value ?? '')} is out of range or malformed`;
    problems.push(source.problem([...path, 'cron'], `"cron" ${JSON.stringify(cron)} is not a valid cron expression${detail}; write 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, like "*/5 * * * *"`));
    return undefined;
  }
  if (w['every'] === undefined) return { kind: 'every', ms: scope.refreshMs };
  const ms = durationAt(w, 'every', path, source, problems, { minMs: MIN_EVERY_MS });
  return ms === undefined ? undefined : { kind: 'every', ms };
}

function keepOf(w: Plain, index: number, source: YamlFile, problems: Problem[]): Keep | undefined {
  const value = w['keep'];
  if (value === undefined) return { kind: 'points', count: DEFAULT_KEEP_POINTS };
  if (typeof value === 'number') return Number.isInteger(value) && value >= 1 ? { kind: 'points', count: value } : undefined;
  const ms = durationAt(w, 'keep', ['widgets', index], source, problems);
  return ms === undefined ? undefined : { kind: 'duration', ms };
}

/** Widget types whose points a `record:` can keep: the ones that show values over time. */
export const RECORDABLE_TYPES: readonly WidgetType[] = ['line', 'area', 'bar', 'stat', 'gauge'];

/**
 * `record:`: how long the widget's points are kept whether anyone watches. A recorded job runs with nobody
 * watching, so it has no viewer's variable values; a query that takes :from/:to/:bucket answers ranges itself.
 */
function recordOf(w: Plain, index: number, label: string, type: WidgetType | undefined, variables: string[], usesRange: boolean, source: YamlFile, problems: Problem[], sourceDefault?: number): number | undefined {
  if (w['record'] === false) return undefined;
  if (w['record'] === undefined) {
    // The source's default applies to the widgets it can: the others show "now" as before.
    const recordable = type !== undefined && RECORDABLE_TYPES.includes(type) && variables.length === 0 && !usesRange;
    return recordable ? sourceDefault : undefined;
  }
  const path = ['widgets', index, 'record'];
  const ms = durationAt(w, 'record', ['widgets', index], source, problems, { minMs: 1000 });
  if (ms === undefined) return undefined;
  const why =
    type !== undefined && !RECORDABLE_TYPES.includes(type)
      ? `a ${type} widget has no points over time to record; "record" is for ${RECORDABLE_TYPES.join(', ')} widgets`
      : w['source'] === undefined
        ? 'it has no "source" to record'
        : variables.length > 0
          ? `its query uses ${variables.map((v) => `:${v}`).join(', ')}, and a recorded widget runs with nobody watching, so there is no viewer's value to use`
          : usesRange
            ? 'its query takes :from, :to or :bucket, so its source answers any range itself; remove "record"'
            : undefined;
  if (why === undefined) return ms;
  problems.push(source.problem(path, `${label} cannot "record": ${why}`, 'key'));
  return undefined;
}

function sizeOf(w: Plain, index: number, scope: WidgetScope, source: YamlFile, problems: Problem[]): { w: number; h: number } {
  const size = objectAt(w, 'size');
  const width = numberAt(size, 'w');
  if (width !== undefined && width > scope.columns) {
    problems.push(source.problem(['widgets', index, 'size', 'w'], `"w" is ${width} but the layout has only ${scope.columns} columns`));
  }
  // A narrow layout shrinks the default rather than rejecting widgets that never asked for a width.
  return { w: Math.min(width ?? DEFAULT_SIZE.w, scope.columns), h: numberAt(size, 'h') ?? DEFAULT_SIZE.h };
}

function thresholdsOf(w: Plain): { value: number; color: string }[] | undefined {
  const list = w['thresholds'];
  if (!Array.isArray(list)) return undefined;
  const thresholds: { value: number; color: string }[] = [];
  for (const t of list) {
    if (!isPlainObject(t)) continue;
    const value = numberAt(t, 'value');
    const color = stringAt(t, 'color');
    if (value !== undefined && color !== undefined) thresholds.push({ value, color });
  }
  // Consumers walk them upwards; authors may list them in any order.
  return thresholds.sort((a, b) => a.value - b.value);
}
