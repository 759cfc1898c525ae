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
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && !e.name.startsWith('.') && ALERT_FILE.test(e.name))
      .map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { rules: [], problems: [] };
    return { rules: [], problems: [{ file: dir, line: 1, col: 1, message: `cannot read the alerts folder: ${messageOf(err)}` }] };
  }
  const taken = new Map<string, AlertRule>();
  for (const d of dashboards) for (const rule of d.alerts) if (!taken.has(rule.name)) taken.set(rule.name, rule);
  const rules: AlertRule[] = [];
  const problems: Problem[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    let loaded: AlertRule[];
    try {
      loaded = parseAlertFile(await readText(file), file, dashboards, ctx);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      continue;
    }
    const clashes = ruleNameClashes(loaded, taken);
    if (clashes.length > 0) problems.push(...clashes);
    else rules.push(...loaded);
  }
  return { rules, problems };
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read the file: ${messageOf(err)}` }], { cause: err });
  }
}
