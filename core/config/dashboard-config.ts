/**
 * dashboards/*.yaml → Dashboard: parse with positions, check against core/schemas/dashboard.schema.json,
 * the configured sources and their plugins' query schemas, then normalise (its alert rules too). Each file stands alone: a
 * broken one never stops the others from loading.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../errors.js';
import type { AlertRule } from '../alerts/rule.js';
import type { Dashboard, ServerConfig, Widget } from '../model.js';
import { alertRulesOf, alertWhere, ruleNameClashes } from './alert-rules.js';
import { RANGE_PARAMETERS, reservedVariableProblems, timeOf } from './dashboard-time.js';
import { variablesOf } from './dashboard-variables.js';
import { durationAt, numberAt, objectAt, rootMapping, stringAt, type Plain } from './fields.js';
import { ConfigError, throwIfProblems, type Problem } from './problem.js';
import { schemaValidator } from './schema-store.js';
import type { PluginLookup } from './server-config.js';
import { defaultWhere, dottedPath, validateData, type Where } from './validate.js';
import { MIN_EVERY_MS, widgetLabel, widgetOf, type DashboardContext, type SourceInfo } from './widget.js';
import { isPlainObject } from './to-plain.js';
import { YamlFile, type DocPath } from './yaml-file.js';

export type { DashboardContext, SourceInfo } from './widget.js';

/** Interval of widgets that set neither `every` nor `cron`, when the dashboard sets no `refresh`. */
export const DEFAULT_REFRESH_MS = 5000;
/** Grid columns when the dashboard sets no `layout.columns`. */
export const DEFAULT_COLUMNS = 12;

/** Which files of a folder are dashboards. */
const DASHBOARD_FILE = /\.ya?ml$/i;

/**
 * Parses one dashboard file's text. `file` names it in problems. Throws ConfigError listing every problem.
 * @example parseDashboard('id: ops\ntitle: Ops\n', 'ops.yaml', { sources: () => undefined }).refreshMs // 5000
 */
export function parseDashboard(text: string, file: string, ctx: DashboardContext): Dashboard {
  return readDashboard(text, file, ctx).dashboard;
}

/** Parses a dashboard and keeps its YAML file, for positions needed after the parse. */
function readDashboard(text: string, file: string, ctx: DashboardContext): { dashboard: Dashboard; source: YamlFile } {
  const source = new YamlFile(text, file);
  const problems: Problem[] = [...source.problems];
  throwIfProblems(problems);
  const plain = source.toPlain();
  problems.push(...plain.problems);
  // An undefined value means the converter refused the document (an alias bomb): nothing more to check.
  const root = plain.value === undefined ? undefined : rootMapping(source, plain.value, problems, 'dashboard', 'id: my-dashboard');
  if (root === undefined) throw new ConfigError(problems);
  const where = dashboardWhere(root);
  problems.push(...validateData(schemaValidator('dashboard'), root, source, { where }));
  const dashboard = normalise(root, source, problems, ctx, where);
  throwIfProblems(problems);
  // Without problems, normalise always builds one; this only satisfies the type.
  if (dashboard === undefined) throw new ConfigError([source.problem([], 'the dashboard could not be read')]);
  return { dashboard, source };
}

/** Reads and parses one dashboard file. Throws ConfigError, also when the file cannot be read. */
export async function loadDashboardFile(file: string, ctx: DashboardContext): Promise<Dashboard> {
  return readDashboard(await readText(file), file, ctx).dashboard;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read the file: ${messageOf(err)}` }], { cause: err });
  }
}

/** A dashboard file left out for its problems, with the id it declares (when one can be read). */
export interface FailedDashboard {
  id: string;
  file: string;
}

/**
 * Loads every *.yaml / *.yml file of a folder (not its subfolders or dotfiles), in name order. A broken file
 * adds its problems and is left out (listed in `failed` with the id it declares); a dashboard whose id an
 * earlier file already uses is a problem in the later file.
 */
export async function loadDashboardDir(dir: string, ctx: DashboardContext): Promise<{ dashboards: Dashboard[]; problems: Problem[]; failed: FailedDashboard[] }> {
  let names: string[];
  try {
    // Symlinks count (Kubernetes mounts ConfigMap files as symlinks); dotfiles do not (editor locks, `..data`).
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && DASHBOARD_FILE.test(e.name))
      .map((e) => e.name);
  } catch (err) {
    return { dashboards: [], problems: [{ file: dir, line: 1, col: 1, message: `cannot read the dashboards folder: ${messageOf(err)}` }], failed: [] };
  }
  const dashboards: Dashboard[] = [];
  const problems: Problem[] = [];
  const failed: FailedDashboard[] = [];
  const byId = new Map<string, Dashboard>();
  const rules = new Map<string, AlertRule>();
  for (const name of names.sort()) {
    const file = join(dir, name);
    let read: { dashboard: Dashboard; source: YamlFile };
    let text: string | undefined;
    try {
      text = await readText(file);
      read = readDashboard(text, file, ctx);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      const id = text === undefined ? undefined : declaredId(text);
      if (id !== undefined) failed.push({ id, file });
      continue;
    }
    const { dashboard, source } = read;
    const first = byId.get(dashboard.id);
    if (first !== undefined) {
      problems.push(source.problem(['id'], `dashboard id "${dashboard.id}" is already used by ${first.file}; dashboard ids must be unique`));
      continue;
    }
    // Rule names are unique across files: the later file fails as a whole, as for any other problem.
    const clashes = ruleNameClashes(dashboard.alerts, rules);
    if (clashes.length > 0) {
      problems.push(...clashes);
      failed.push({ id: dashboard.id, file });
      continue;
    }
    byId.set(dashboard.id, dashboard);
    dashboards.push(dashboard);
  }
  return { dashboards, problems, failed };
}

/**
 * The `id:` a file that did not load declares at its top level, read from the text alone: the file may be
 * too broken (or too hostile, an alias bomb) to parse again.
 */
function declaredId(text: string): string | undefined {
  return /^id:[ \t]*(["']?)([a-z0-9][a-z0-9-]{0,63})\1[ \t]*(?:#.*)?$/m.exec(text)?.[2];
}

/**
 * The context a server config gives dashboards: its data sources, with their plugins when `plugins` finds them.
 * @example dashboardContext(config, registry)
 */
export function dashboardContext(config: ServerConfig, plugins?: PluginLookup): DashboardContext {
  const find = plugins === undefined ? () => undefined : typeof plugins === 'function' ? plugins : (type: string) => plugins.get(type);
  const byName = new Map<string, SourceInfo>();
  for (const sc of config.datasources) {
    const plugin = find(sc.type);
    byName.set(sc.name, { type: sc.type, ...(plugin === undefined ? {} : { plugin }), ...(sc.recordMs === undefined ? {} : { recordMs: sc.recordMs }) });
  }
  return { sources: (name) => byName.get(name), sourceNames: () => byName.keys(), notifierNames: () => Object.keys(config.notifiers) };
}

/**
 * A short hash of a dashboard's meaning: it changes when anything a viewer or job depends on changes, and
 * not when only comments, formatting or the order of keys do.
 */
export function dashboardVersion(dashboard: Omit<Dashboard, 'version' | 'file'> & Partial<Pick<Dashboard, 'version' | 'file'>>): string {
  const { file: _file, version: _version, ...definition } = dashboard;
  const widgets = definition.widgets.map(({ position: _position, ...rest }) => rest);
  // A condition's source says all its tree does; positions change with formatting, not meaning.
  const alerts = definition.alerts.map(({ position: _position, when, clear, ...rest }) => ({ ...rest, when: when.source, clear: clear?.source }));
  const meaning = { ...definition, widgets, alerts };
  return createHash('sha256').update(canonicalJson(meaning)).digest('hex').slice(0, 12);
}

/** JSON with object keys sorted, so equal meanings hash equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const entries = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Says where a dashboard path is: `in widget "revenue"`, `in the query of widget "revenue"`, `in variable "region"`. */
function dashboardWhere(root: Plain): Where {
  const widgets = Array.isArray(root['widgets']) ? (root['widgets'] as unknown[]) : [];
  const inAlerts = alertWhere(root);
  return (path: DocPath): string => {
    if (path[0] === 'alerts' && path.length >= 2) return inAlerts(path);
    if (path.length === 0) return typeof root['id'] === 'string' ? `in dashboard "${root['id']}"` : 'at the top level';
    if (path[0] === 'widgets' && path.length >= 2) {
      const index = Number(path[1]);
      const label = widgetLabel(widgets[index], index);
      const rest = path.slice(2);
      if (rest.length === 0) return `in ${label}`;
      if (rest[0] === 'query') return rest.length === 1 ? `in the query of ${label}` : `in "${dottedPath(rest.slice(1))}" of the query of ${label}`;
      return `in "${dottedPath(rest)}" of ${label}`;
    }
    if (path[0] === 'variables' && path.length === 2) return `in variable "${String(path[1])}"`;
    return defaultWhere(path);
  };
}

function normalise(root: Plain, source: YamlFile, problems: Problem[], ctx: DashboardContext, where: Where): Dashboard | undefined {
  const id = stringAt(root, 'id');
  const title = stringAt(root, 'title');
  const refreshMs = durationAt(root, 'refresh', [], source, problems, { minMs: MIN_EVERY_MS }) ?? DEFAULT_REFRESH_MS;
  const columns = numberAt(objectAt(root, 'layout'), 'columns') ?? DEFAULT_COLUMNS;
  problems.push(...reservedVariableProblems(root, source));
  const variables = variablesOf(root, source, problems, { context: ctx, where });
  const time = timeOf(root, source, problems);
  const rangeParameters = root['time'] === undefined ? new Set<string>() : RANGE_PARAMETERS;
  const scope = { refreshMs, columns, declaredVariables: new Set(variables.map((v) => v.name)), rangeParameters, context: ctx, where };
  const widgets: Widget[] = [];
  const firstIndexOf = new Map<string, number>();
  const list = Array.isArray(root['widgets']) ? (root['widgets'] as unknown[]) : [];
  list.forEach((w, index) => {
    if (!isPlainObject(w)) return;
    const widgetId = stringAt(w, 'id');
    if (widgetId !== undefined) {
      const first = firstIndexOf.get(widgetId);
      if (first !== undefined) {
        const line = source.position(['widgets', first, 'id']).line;
        problems.push(source.problem(['widgets', index, 'id'], `widget id "${widgetId}" is used twice in this dashboard (first at line ${line}); widget ids must be unique`));
      } else firstIndexOf.set(widgetId, index);
    }
    const widget = widgetOf(w, index, scope, source, problems);
    if (widget !== undefined) widgets.push(widget);
  });
  const built = new Set(widgets.map((w) => w.id));
  const unbuilt = new Set(list.map((w) => (isPlainObject(w) ? stringAt(w, 'id') : undefined)).filter((w): w is string => w !== undefined && !built.has(w)));
  const alerts = alertRulesOf(root, { context: ctx, home: { id: id ?? '', widgets, variables, unbuilt }, where }, source, problems);
  if (id === undefined || title === undefined) return undefined;
  const description = stringAt(root, 'description');
  const { access, groups } = accessOf(root, source, problems);
  const definition = { id, title, ...(description === undefined ? {} : { description }), access, ...(groups === undefined ? {} : { groups }), refreshMs, variables, layout: { columns }, widgets, ...(time === undefined ? {} : { time }), alerts };
  return { ...definition, file: source.file, version: dashboardVersion(definition) };
}

/** `access:` as written: `public`, `token`, or `{ public: false, groups: [...] }` (the schema has checked the shapes). */
function accessOf(root: Plain, source: YamlFile, problems: Problem[]): Pick<Dashboard, 'access' | 'groups'> {
  const raw = root['access'];
  if (raw === 'token') return { access: 'token' };
  if (!isPlainObject(raw)) return { access: 'public' };
  const groups = Array.isArray(raw['groups']) ? raw['groups'].filter((g): g is string => typeof g === 'string') : undefined;
  if (raw['public'] !== false) {
    // Without `public`, the schema has said so already.
    if (raw['public'] === true && groups !== undefined && groups.length > 0) problems.push(source.problem(['access', 'groups'], 'groups apply only to a dashboard that is not public: write `public: false` next to them'));
    return { access: 'public' };
  }
  return { access: 'signed-in', ...(groups === undefined || groups.length === 0 ? {} : { groups }) };
}
