/**
 * config.yaml → ServerConfig: parse with positions, interpolate `${VAR}`, check against
 * core/schemas/config.schema.json and each data source's plugin, apply defaults, resolve paths.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { messageOf } from '../errors.js';
import { redactCredentials } from '../secret-text.js';
import type { Limits, ServerConfig, SourceConfig } from '../model.js';
import { bundledDashboardDir } from '../paths.js';
import type { PluginDefinition } from '../plugin.js';
import { authOf } from './auth-config.js';
import { proxyEntryProblem } from '../trusted-proxies.js';
import { booleanAt, durationAt, numberAt, objectAt, rootMapping, stringAt, stringsAt, type Plain } from './fields.js';
import { interpolate, type Env } from './interpolate.js';
import { ConfigError, throwIfProblems, type Problem } from './problem.js';
import { optionProblems } from './plugin-options.js';
import { pluginValidator, schemaValidator } from './schema-store.js';
import type { NotifierDefinition } from '../alerts/notifiers/index.js';
import { deferredNotifiers, notifierProblems, notifiersOf, optionsOf } from './notifier-config.js';
import { didYouMean, listNames } from './suggest.js';
import { defaultWhere, dottedPath, validateData } from './validate.js';
import { isPlainObject } from './to-plain.js';
import { YamlFile, type DocPath } from './yaml-file.js';

/**
 * Finds a plugin by its `type`: a function, or an object such as the PluginRegistry. When `types()` is
 * there, an unknown type's message lists the known ones.
 */
export type PluginLookup =
  | ((type: string) => PluginDefinition | undefined)
  | { get(type: string): PluginDefinition | undefined; types?(): Iterable<string> };

/** The limits when config.yaml does not set them. */
export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxMessageBytes: 65_536,
  slowClientBytes: 1_048_576,
  slowClientTimeoutMs: 10_000,
  heartbeatMs: 30_000,
  coalesceMs: 15,
  maxConnectionsPerIp: 200,
  maxSubscriptionsPerConnection: 20,
  maxClientQueueBytes: 4_194_304,
  maxSubscribesPerSecond: 20,
  maxSnapshotsPerSecond: 1000,
  maxMessagesPerSecond: 50,
});

/** The cluster settings when config.yaml sets `cluster.redis` but not these. */
export const DEFAULT_CLUSTER = Object.freeze({ prefix: 'rtdash', leaseTtlMs: 10_000 });

/** The file name problems in the embedded defaults are reported under. */
export const EMBEDDED_DEFAULTS = '<embedded defaults>';

// The defaults go through the same parser as a user's file, so they cannot drift from what the schema accepts.
const DEFAULT_CONFIG_YAML = `datasources:
  demo: { type: demo }
  system: { type: system }
`;

// Positions of a config's file, kept for `checkDatasources` after plugins named in the config are loaded.
const sourcesOfConfigs = new WeakMap<ServerConfig, YamlFile>();

/**
 * Reads and checks a config file; without one, the embedded defaults (the demo and system sources and the
 * bundled dashboards on 127.0.0.1:8080). Pass `plugins` to check data-source options here too.
 * Throws ConfigError listing every problem as file:line:col.
 */
export async function loadServerConfig(file: string | undefined, env: Env = process.env, plugins?: PluginLookup): Promise<ServerConfig> {
  if (file === undefined) return defaultServerConfig(plugins);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, line: 1, col: 1, message: `cannot read the file: ${messageOf(err)}` }], { cause: err });
  }
  return parseServerConfig(text, file, env, plugins);
}

/** The configuration `rtdash serve` runs on when no config file is given. */
export function defaultServerConfig(plugins?: PluginLookup): ServerConfig {
  const config = parseServerConfig(DEFAULT_CONFIG_YAML, EMBEDDED_DEFAULTS, {}, plugins, process.cwd());
  const source = sourcesOfConfigs.get(config);
  const defaults: ServerConfig = { ...config, dashboards: { dir: bundledDashboardDir, watch: true } };
  delete defaults.file;
  if (source !== undefined) sourcesOfConfigs.set(defaults, source);
  return defaults;
}

/**
 * Parses config.yaml text; `file` names it in problems and anchors relative paths. Throws ConfigError.
 * @example parseServerConfig('server: { port: ${PORT:-8080} }', 'config.yaml', { PORT: '9000' }).server.port // 9000
 */
export function parseServerConfig(text: string, file: string, env: Env = process.env, plugins?: PluginLookup, baseDir?: string): ServerConfig {
  const source = new YamlFile(text, file);
  const problems: Problem[] = [...source.problems];
  throwIfProblems(problems);
  const filled = interpolate(source, env);
  problems.push(...filled.problems);
  const plain = source.toPlain();
  problems.push(...plain.problems);
  // An undefined value means the converter refused the document (an alias bomb): nothing more to check.
  const root = plain.value === undefined ? undefined : rootMapping(source, plain.value, problems, 'config file', 'server:');
  if (root === undefined) throw new ConfigError(problems);
  // A scalar whose ${VAR} could not be filled would also fail its type or pattern: say it once.
  const unfilled = new Set(filled.unfilled.map((p) => `${p.line}:${p.col}`));
  const schemaProblems = validateData(schemaValidator('config'), root, source, { where: configWhere });
  problems.push(...schemaProblems.filter((p) => !unfilled.has(`${p.line}:${p.col}`)));
  const config = normalise(root, source, problems, baseDir ?? dirname(resolve(file)));
  if (plugins !== undefined) problems.push(...datasourceProblems(config, source, plugins));
  throwIfProblems(problems);
  sourcesOfConfigs.set(config, source);
  return config;
}

/**
 * Checks each data source's `type` and options against the plugins, for callers that load the plugins a
 * config names only after reading it. Problems point into the config file. Throws ConfigError.
 * Fills in defaults the plugins' option schemas declare.
 */
export function checkDatasources(config: ServerConfig, plugins: PluginLookup): void {
  const source = sourcesOfConfigs.get(config) ?? new YamlFile('', config.file ?? EMBEDDED_DEFAULTS);
  throwIfProblems(datasourceProblems(config, source, plugins));
}

/**
 * Checks the notifiers whose type the config's `plugins:` were to provide, once those are loaded (as
 * `checkDatasources` does for sources): their options against their type's schema, at their positions.
 * Throws ConfigError; fills in their options' defaults.
 */
export function checkNotifiers(config: ServerConfig, types: ReadonlyMap<string, NotifierDefinition>): void {
  const source = sourcesOfConfigs.get(config) ?? new YamlFile('', config.file ?? EMBEDDED_DEFAULTS);
  const problems: Problem[] = [];
  for (const [name, raw] of deferredNotifiers(config.notifiers)) {
    const found = notifierProblems(name, raw, types, source, configWhere);
    problems.push(...found);
    if (found.length === 0) config.notifiers[name]!.options = optionsOf(raw);
  }
  throwIfProblems(problems);
}

/** Says where a config path is: `in datasource "shopdb"`, `in "smtp" of notifier "ops-mail"`, `in "server.limits"`. */
function configWhere(path: DocPath): string {
  const kind = path[0] === 'datasources' ? 'datasource' : path[0] === 'notifiers' ? 'notifier' : undefined;
  if (kind !== undefined && path.length >= 2) {
    const rest = path.slice(2);
    const name = `${kind} "${String(path[1])}"`;
    return rest.length === 0 ? `in ${name}` : `in "${dottedPath(rest)}" of ${name}`;
  }
  return defaultWhere(path);
}

function datasourceProblems(config: ServerConfig, source: YamlFile, plugins: PluginLookup): Problem[] {
  const problems: Problem[] = [];
  const get = typeof plugins === 'function' ? plugins : (type: string) => plugins.get(type);
  const known = typeof plugins === 'function' || plugins.types === undefined ? undefined : [...plugins.types()];
  for (const sc of config.datasources) {
    const path = ['datasources', sc.name];
    // The built-in sources a config without `datasources` gets are reported where they are written.
    const at = sc.position?.file === EMBEDDED_DEFAULTS && source.file !== EMBEDDED_DEFAULTS ? embeddedDefaults() : source;
    const plugin = get(sc.type);
    if (plugin === undefined) {
      const hint = known === undefined ? '' : `${didYouMean(sc.type, known)} (known types: ${listNames(known)}; add others under "plugins")`;
      problems.push(at.problem([...path, 'type'], `unknown data-source type "${sc.type}" in datasource "${sc.name}"${hint}`));
      continue;
    }
    const validate = pluginValidator(plugin.optionsSchema);
    if (typeof validate === 'string') {
      problems.push(at.problem([...path, 'type'], `plugin "${plugin.type}" has an invalid optionsSchema (a bug in the plugin): ${validate}`));
      continue;
    }
    const schemaProblems = validateData(validate, sc.options, at, { basePath: path, where: configWhere });
    problems.push(...schemaProblems);
    // The plugin's own checks (a url that must parse) expect options the schema accepted.
    if (schemaProblems.length === 0) problems.push(...optionProblems(plugin.checkOptions?.bind(plugin), sc.name, sc.options, at, path));
  }
  return problems;
}

function normalise(root: Plain, source: YamlFile, problems: Problem[], baseDir: string): ServerConfig {
  const server = objectAt(root, 'server');
  const auth = objectAt(root, 'auth');
  const dashboards = objectAt(root, 'dashboards');
  const cluster = objectAt(root, 'cluster');
  const storage = objectAt(root, 'storage');
  const publicUrl = stringAt(server, 'public_url');
  if (publicUrl !== undefined && !URL.canParse(publicUrl)) {
    problems.push(source.problem(['server', 'public_url'], `"public_url" is not a valid URL${source.fromEnvironment.has(publicUrl) ? '' : `: ${redactCredentials(JSON.stringify(publicUrl))}`}`));
  }
  const hostnames = stringsAt(server, 'hostnames');
  const trustedProxies = stringsAt(server, 'trusted_proxies');
  trustedProxies?.forEach((entry, i) => {
    // The schema's pattern has refused what is not made of address characters; this catches the rest.
    const why = /^[0-9A-Fa-f:.]+(\/\d{1,3})?$/.test(entry) ? proxyEntryProblem(entry) : undefined;
    if (why !== undefined) problems.push(source.problem(['server', 'trusted_proxies', i], `${JSON.stringify(entry)} is not a proxy address: ${why}`));
  });
  const redis = stringAt(cluster, 'redis');
  // Scaling out is adding a Redis URL: the instances then share alert state there unless told otherwise.
  const storageType = (stringAt(storage, 'type') ?? (redis === undefined ? 'embedded' : 'redis')) === 'redis' ? 'redis' : 'embedded';
  if (storageType === 'redis' && redis === undefined) {
    problems.push(source.problem(['storage', 'type'], 'storage type "redis" needs the Redis URL in "cluster.redis"'));
  }
  const leaseTtlMs = durationAt(cluster, 'lease_ttl', ['cluster'], source, problems, { minMs: 1000 }) ?? DEFAULT_CLUSTER.leaseTtlMs;
  const prefix = stringAt(cluster, 'prefix') ?? DEFAULT_CLUSTER.prefix;
  const recordMaxMb = numberAt(storage, 'record_max_mb');
  return {
    file: source.file,
    server: {
      host: stringAt(server, 'host') ?? '127.0.0.1',
      port: numberAt(server, 'port') ?? 8080,
      ...(publicUrl === undefined ? {} : { publicUrl }),
      allowedOrigins: stringsAt(server, 'origins') ?? [],
      limits: limitsOf(objectAt(server, 'limits'), source, problems),
      ...(hostnames === undefined ? {} : { hostnames }),
      ...(trustedProxies === undefined ? {} : { trustedProxies }),
    },
    auth: authOf(auth, source, problems, baseDir),
    // No `datasources` key: the built-in demo and system sources; a `datasources:` of its own replaces them.
    datasources: root['datasources'] === undefined ? builtinSources() : datasourcesOf(objectAt(root, 'datasources'), source, problems),
    plugins: (stringsAt(root, 'plugins') ?? []).map((p) => (p.startsWith('.') || isAbsolute(p) ? resolve(baseDir, p) : p)),
    dashboards: { dir: resolve(baseDir, stringAt(dashboards, 'dir') ?? 'dashboards'), watch: booleanAt(dashboards, 'watch') ?? true },
    alerts: { dir: resolve(baseDir, stringAt(objectAt(root, 'alerts'), 'dir') ?? 'alerts') },
    notifiers: notifiersOf(objectAt(root, 'notifiers'), source, problems, configWhere, (stringsAt(root, 'plugins') ?? []).length > 0),
    cluster: redis === undefined ? {} : { redis, prefix, leaseTtlMs },
    storage: { type: storageType, dir: resolve(baseDir, stringAt(storage, 'dir') ?? 'data'), ...(recordMaxMb === undefined ? {} : { recordMaxBytes: recordMaxMb * 1024 * 1024 }) },
    cache: cacheOf(objectAt(root, 'cache'), source, problems),
    log: { level: (stringAt(objectAt(root, 'log'), 'level') as ServerConfig['log']['level'] | undefined) ?? 'info' },
  };
}

function cacheOf(cache: Plain, source: YamlFile, problems: Problem[]): NonNullable<ServerConfig['cache']> {
  const rangeMaxBytes = numberAt(cache, 'range_max_bytes');
  const rangeTtlMs = durationAt(cache, 'range_ttl', ['cache'], source, problems, { minMs: 1000 });
  return { ...(rangeMaxBytes === undefined ? {} : { rangeMaxBytes }), ...(rangeTtlMs === undefined ? {} : { rangeTtlMs }) };
}

function limitsOf(limits: Plain, source: YamlFile, problems: Problem[]): Limits {
  const path = ['server', 'limits'];
  const duration = (key: string): number | undefined => durationAt(limits, key, path, source, problems);
  return {
    maxMessageBytes: numberAt(limits, 'max_message_bytes') ?? DEFAULT_LIMITS.maxMessageBytes,
    slowClientBytes: numberAt(limits, 'slow_client_bytes') ?? DEFAULT_LIMITS.slowClientBytes,
    slowClientTimeoutMs: duration('slow_client_timeout') ?? DEFAULT_LIMITS.slowClientTimeoutMs,
    heartbeatMs: duration('heartbeat') ?? DEFAULT_LIMITS.heartbeatMs,
    coalesceMs: duration('coalesce') ?? DEFAULT_LIMITS.coalesceMs,
    maxConnectionsPerIp: numberAt(limits, 'max_connections_per_ip') ?? DEFAULT_LIMITS.maxConnectionsPerIp,
    maxSubscriptionsPerConnection: numberAt(limits, 'max_subscriptions_per_connection') ?? DEFAULT_LIMITS.maxSubscriptionsPerConnection,
    maxClientQueueBytes: numberAt(limits, 'max_client_queue_bytes') ?? DEFAULT_LIMITS.maxClientQueueBytes,
    maxSubscribesPerSecond: numberAt(limits, 'max_subscribes_per_second') ?? DEFAULT_LIMITS.maxSubscribesPerSecond,
    maxSnapshotsPerSecond: numberAt(limits, 'max_snapshots_per_second') ?? DEFAULT_LIMITS.maxSnapshotsPerSecond,
    maxMessagesPerSecond: numberAt(limits, 'max_messages_per_second') ?? DEFAULT_LIMITS.maxMessagesPerSecond,
  };
}

/** The embedded defaults as a parsed file, for the positions of the built-in sources. */
function embeddedDefaults(): YamlFile {
  return new YamlFile(DEFAULT_CONFIG_YAML, EMBEDDED_DEFAULTS);
}

/** The sources of a config that names none: the embedded defaults' demo and system, fresh each time (plugins fill in their options). */
function builtinSources(): SourceConfig[] {
  const source = embeddedDefaults();
  const plain = source.toPlain().value as Plain;
  return datasourcesOf(objectAt(plain, 'datasources'), source, []);
}

/** Keys of a data source that the core reads; the rest are the plugin's options. */
const COMMON_SOURCE_KEYS = new Set(['type', 'timeout', 'max_rows', 'max_columns', 'create_timeout', 'record']);

function datasourcesOf(datasources: Plain, source: YamlFile, problems: Problem[]): SourceConfig[] {
  const out: SourceConfig[] = [];
  for (const [name, definition] of Object.entries(datasources)) {
    if (!isPlainObject(definition)) continue;
    const type = stringAt(definition, 'type');
    if (type === undefined) continue;
    const path = ['datasources', name];
    const timeoutMs = durationAt(definition, 'timeout', path, source, problems);
    const createTimeoutMs = durationAt(definition, 'create_timeout', path, source, problems);
    const recordMs = durationAt(definition, 'record', path, source, problems, { minMs: 1000 });
    // Object.fromEntries defines properties, so even a hostile key cannot reach a prototype.
    const maxRows = typeof definition['max_rows'] === 'number' ? definition['max_rows'] : undefined;
    const maxColumns = typeof definition['max_columns'] === 'number' ? definition['max_columns'] : undefined;
    const options = Object.fromEntries(Object.entries(definition).filter(([key]) => !COMMON_SOURCE_KEYS.has(key)));
    out.push({
      name,
      type,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      ...(maxRows === undefined ? {} : { maxRows }),
      ...(maxColumns === undefined ? {} : { maxColumns }),
      ...(createTimeoutMs === undefined ? {} : { createTimeoutMs }),
      ...(recordMs === undefined ? {} : { recordMs }),
      options,
      position: { file: source.file, ...source.position(path, 'key') },
    });
  }
  return out;
}

