/**
 * alerts/*.yaml → AlertRule[]: files of rules outside any dashboard (`alerts: [...]`), each rule watching a
 * dashboard's widget or running a query of its own. Checked like dashboards, against
 * core/schemas/alerts.schema.json and the loaded dashboards; a broken file adds no rules at all.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AlertRule } from '../alerts/rule.js';
import { messageOf } from '../errors.js';
import type { Dashboard } from '../model.js';
import { alertRulesOf, alertWhere, ruleNameClashes, type RuleDashboard } from './alert-rules.js';
import { rootMapping } from './fields.js';
import { ConfigError, throwIfProblems, type Problem } from './problem.js';
import { schemaValidator } from './schema-store.js';
import { validateData } from './validate.js';
import type { DashboardContext } from './widget.js';
import { YamlFile } from './yaml-file.js';

/** Which files of the alerts folder hold rules. */
const ALERT_FILE = /\.ya?ml$/i;

/**
 * Parses one alert file's text against the loaded dashboards. Throws ConfigError listing every problem.
 * @example parseAlertFile('alerts:\n  - { name: cpu, dashboard: ops, widget: cpu, when: "avg(5m) > 90" }\n', 'ops.yaml', dashboards, ctx)
 */
export function parseAlertFile(text: string, file: string, dashboards: readonly Dashboard[], ctx: DashboardContext): AlertRule[] {
  const source = new YamlFile(text, file);
  const problems: Problem[] = [...source.problems];
  throwIfProblems(problems);
  const plain = source.toPlain();
  problems.push(...plain.problems);
  const root = plain.value === undefined ? undefined : rootMapping(source, plain.value, problems, 'file of alert rules', 'alerts:');
  if (root === undefined) throw new ConfigError(problems);
  const where = alertWhere(root);
  problems.push(...validateData(schemaValidator('alerts'), root, source, { where }));
  const byId = new Map<string, RuleDashboard>(dashboards.map((d) => [d.id, d]));
  const rules = alertRulesOf(root, { context: ctx, dashboards: byId, where }, source, problems);
  throwIfProblems(problems);
  return rules;
}

/**
 * Loads every *.yaml / *.yml file of the alerts folder (not subfolders or dotfiles), in name order. A missing
 * folder holds no rules. A broken file adds its problems and none of its rules; a rule whose name a dashboard
 * or an earlier file already uses is a problem in the later file, naming the earlier place.
 */
export async function loadAlertDir(dir: string, dashboards: readonly Dashboard[], ctx: DashboardContext): Promise<{ rules: AlertRule[]; problems: Problem[] }> {
  const { rules, problems } = await loadAlertFiles(dir, dashboards, ctx);
  return { rules, problems };
}

/** What loading the alerts folder gave: the rules, the problems, and the text each file's rules came from. */
export interface AlertFilesLoad {
  rules: AlertRule[];
  problems: Problem[];
  /** File → the text its rules were read from (its last good version when the current one is broken). */
  texts: Map<string, string>;
}

/**
 * `loadAlertDir` for a server that keeps files' last good versions: a file that is now broken (or now clashes)
 * is reported, and its text in `lastGood`, checked again against today's dashboards, gives its rules instead.
 * @example const first = await loadAlertFiles(dir, dashboards, ctx); await loadAlertFiles(dir, dashboards, ctx, first.texts)
 */
export async function loadAlertFiles(dir: string, dashboards: readonly Dashboard[], ctx: DashboardContext, lastGood: ReadonlyMap<string, string> = new Map()): Promise<AlertFilesLoad> {
  let files: string[];
  const problems: Problem[] = [];
  try {
    files = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && ALERT_FILE.test(e.name))
      .map((e) => join(dir, e.name))
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rules: [], problems: [], texts: new Map() };
    problems.push({ file: dir, line: 1, col: 1, message: `cannot read the alerts folder: ${messageOf(err)}` });
    files = [...lastGood.keys()].sort(); // an unreadable folder keeps what it last had
  }
  const taken = new Map<string, AlertRule>();
  for (const d of dashboards) for (const rule of d.alerts) if (!taken.has(rule.name)) taken.set(rule.name, rule);
  // Parses one version of a file; its rules count only when every name is free.
  const accept = (text: string, file: string): AlertRule[] | Problem[] => {
    try {
      const loaded = parseAlertFile(text, file, dashboards, ctx);
      const clashes = ruleNameClashes(loaded, taken);
      return clashes.length > 0 ? clashes : loaded;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems;
    }
  };
  const isRules = (r: AlertRule[] | Problem[]): r is AlertRule[] => r.every((x) => 'name' in x);
  const rules: AlertRule[] = [];
  const texts = new Map<string, string>();
  for (const file of files) {
    let text: string | undefined;
    let result: AlertRule[] | Problem[];
    try {
      text = await readText(file);
      result = accept(text, file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      result = err.problems;
    }
    if (text !== undefined && isRules(result)) {
      rules.push(...result);
      texts.set(file, text);
      continue;
    }
    problems.push(...(result as Problem[]));
    const previous = lastGood.get(file);
    if (previous === undefined || previous === text) continue;
    const fallback = accept(previous, file);
    if (isRules(fallback)) {
      rules.push(...fallback);
      texts.set(file, previous);
    }
  }
  return { rules, problems, texts };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read the file: ${messageOf(err)}` }], { cause: err });
  }
}
