/** `rtdash validate`: checks dashboards (and config.yaml) without starting anything; for CI. */
import { existsSync, statSync } from 'node:fs';
import { checkDatasources, checkNotifiers, loadServerConfig } from '../../core/config/index.js';
import { ConfigError, formatProblem, type Problem } from '../../core/config/index.js';
import { dashboardContext, loadAlertDir, loadDashboardDir, loadDashboardFile, parseAlertFile, type DashboardContext } from '../../core/config/index.js';
import { dirname, resolve } from 'node:path';
import { buildRegistry } from '../../core/server.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { parseCommand } from './args.js';
import { readFile } from 'node:fs/promises';
import { YamlFile } from '../../core/config/yaml-file.js';
import type { Dashboard, ServerConfig } from '../../core/model.js';
import { signInModes } from '../../core/config/auth-config.js';
import { missingUsersFile } from '../../core/auth/local-users.js';

const USAGE = `Usage: rtdash validate [FILES|DIRS...] [--config FILE]

Checks dashboard files (every *.yaml in a DIR) against the schema and the config's data sources,
and the config file itself; alert files (in the config's alerts folder) against the dashboards. Prints one "file:line:col: message" line per problem and exits 1,
or prints a one-line summary and exits 0. With no FILES, checks the config's dashboards and alerts folders.
Warnings (an access: token dashboard on a config without auth.embed_secret) do not change the exit code.`;

/** Runs `rtdash validate`. */
export async function validateCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, { config: { type: 'string', short: 'c' } }, USAGE);
  if (!parsed) return 0;
  const file = (parsed.values.config as string | undefined) ?? process.env.RTDASH_CONFIG ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
  const problems: Problem[] = [];
  let config;
  try {
    config = await loadServerConfig(file);
    const { registry: full, failures } = await buildRegistry(builtinPlugins, config);
    // In CI a plugin that does not load is a failure, even though a running server would carry on.
    if (failures.length > 0 && config.file) {
      const yaml = new YamlFile(await readFile(config.file, 'utf8'), config.file);
      for (const f of failures) {
        const at = yaml.position(['plugins', config.plugins.indexOf(f.specifier)]);
        problems.push({ file: config.file, line: at.line, col: at.col, message: f.error.message });
      }
    }
    if (failures.length === 0) {
      checkDatasources(config, full);
      checkNotifiers(config, full.notifierTypes());
    }
    const context = dashboardContext(config, full);
    const alertDir = config.alerts?.dir;
    const targets = parsed.positionals.length > 0 ? parsed.positionals : [config.dashboards.dir, ...(alertDir === undefined ? [] : [alertDir])];
    const isAlerts = (target: string): boolean => alertDir !== undefined && (resolve(target) === alertDir || (dirname(resolve(target)) === alertDir && existsSync(target)));
    const loaded: Dashboard[] = [];
    for (const target of targets.filter((t) => !isAlerts(t))) {
      if (!existsSync(target)) {
        problems.push({ file: target, line: 1, col: 1, message: 'no such file or folder' });
      } else if (statSync(target).isDirectory()) {
        const result = await loadDashboardDir(target, context);
        loaded.push(...result.dashboards);
        problems.push(...result.problems);
      } else {
        try {
          loaded.push(await loadDashboardFile(target, context));
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          problems.push(...err.problems);
        }
      }
    }
    // Alert files refer to dashboards: check them against the whole dashboards folder.
    const alertTargets = targets.filter(isAlerts);
    if (alertTargets.length > 0) {
      const all = parsed.positionals.length > 0 ? (await loadDashboardDir(config.dashboards.dir, context)).dashboards : loaded;
      for (const target of alertTargets) problems.push(...(await alertProblems(target, all, context)));
    }
    for (const warning of await warnings(config, loaded)) console.error(warning);
    const count = loaded.length;
    if (problems.length === 0) {
      console.log(`ok: ${count} dashboard${count === 1 ? '' : 's'} valid against ${config.file ?? 'the embedded default config'}`);
      return 0;
    }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  for (const p of problems) console.error(formatProblem(p));
  console.error(`${problems.length} problem${problems.length === 1 ? '' : 's'} found`);
  return 1;
}

/** The problems of the alerts folder (missing is fine) or of one alert file. */
async function alertProblems(target: string, dashboards: Dashboard[], context: DashboardContext): Promise<Problem[]> {
  if (!existsSync(target) || statSync(target).isDirectory()) return (await loadAlertDir(target, dashboards, context)).problems;
  try {
    parseAlertFile(await readFile(target, 'utf8'), target, dashboards, context);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

/** What is valid but will not work as its author expects, as `file:line:col: warning: …` lines. */
async function warnings(config: ServerConfig, dashboards: Dashboard[]): Promise<string[]> {
  const out: string[] = [];
  const where = config.file ?? 'the embedded default config';
  const signIn = signInModes(config.auth).length > 0;
  for (const d of dashboards) {
    const why =
      d.access === 'token' && config.auth.embedSecret === undefined
        ? `has access: token, but auth.embed_secret is not set in ${where}: nobody can open it`
        : d.access === 'signed-in' && !signIn
          ? `is for signed-in users, but ${where} sets no way of signing in (auth.oidc, auth.users_file or auth.proxy): only embed tokens can open it (docs/auth.md)`
          : undefined;
    if (why === undefined) continue;
    const at = new YamlFile(await readFile(d.file, 'utf8'), d.file).position(['access']);
    out.push(`${d.file}:${at.line}:${at.col}: warning: dashboard "${d.id}" ${why}`);
  }
  const noUsers = missingUsersFile(config.auth.usersFile);
  if (noUsers !== undefined) out.push(`${where}: warning: ${noUsers}`);
  return out;
}
