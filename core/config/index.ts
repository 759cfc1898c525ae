/**
 * Loading config.yaml, dashboards/*.yaml and alerts/*.yaml into the model, with every problem reported as file:line:col.
 * The rest of the server imports from here.
 */
export { ConfigError, formatProblem, tidyProblems, type Problem } from './problem.js';
export { DEFAULT_CLUSTER, DEFAULT_LIMITS, EMBEDDED_DEFAULTS, checkDatasources, checkNotifiers, defaultServerConfig, loadServerConfig, parseServerConfig, type PluginLookup } from './server-config.js';
export {
  DEFAULT_COLUMNS,
  DEFAULT_REFRESH_MS,
  dashboardContext,
  dashboardVersion,
  loadDashboardDir,
  loadDashboardFile,
  parseDashboard,
  type DashboardContext,
  type SourceInfo,
} from './dashboard-config.js';
export { DEFAULT_SEVERITY, DEFAULT_SUMMARY } from './alert-rules.js';
export { loadAlertDir, loadAlertFiles, parseAlertFile, type AlertFilesLoad } from './alert-files.js';
export { AlertFolder, changedVersions, type AlertFolderLoad } from './alert-folder.js';
export { WATCH_DEBOUNCE_MS, watchFolder } from './folder-watch.js';
export { VARIABLE_REFERENCE, variablePattern } from './dashboard-variables.js';
export { DEFAULT_KEEP_POINTS, DEFAULT_SIZE, MIN_EVERY_MS, WIDGET_TYPES } from './widget.js';
export { SCHEMA_FILES, readSchema, type SchemaName } from './schema-store.js';
export type { Env } from './interpolate.js';
