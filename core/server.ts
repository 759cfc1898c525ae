/**
 * Puts a server together from a loaded config and a set of plugins, starts it, and shuts it down
 * gracefully: stop accepting, close streams with 1001, cancel running queries, close sources.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { DashboardStore, type ReloadResult } from './dashboard-store.js';
import { EmbedAccess } from './embed-access.js';
import { AlertFolder, DEFAULT_CLUSTER, changedVersions, checkDatasources, checkNotifiers, dashboardContext } from './config/index.js';
import { Metrics } from './metrics.js';
import { VERSION } from './version.js';
import type { ServerConfig } from './model.js';
import { definePlugin, type Logger, type PluginDefinition, type RuntimeStats } from './plugin.js';
import { RtdashError, messageOf } from './errors.js';
import { PluginRegistry, createSource, type SourceInstance } from './registry.js';
import type { PluginFaults } from './plugin-faults.js';
import { Scheduler } from './scheduler.js';
import { clusterFor, type Cluster } from './cluster/cluster.js';
import { QueryVariableOptions } from './query-variables.js';
import { rangeCacheFor, type RangeCache } from './range-cache.js';
import { Recorder } from './recorder.js';
import type { ServerParts } from './server-parts.js';
import { ConnectionGate } from './stream/connection-gate.js';
import { AllowedHosts } from './allowed-hosts.js';
import { TrustedProxies } from './trusted-proxies.js';
import { exposureWarnings, placeholderTokenRefusal } from './exposure-warnings.js';
import { Hub } from './stream/hub.js';
import { startAlerting, type Alerting } from './alerts/alerting.js';
import { CLOSE } from './stream/protocol.js';
import { attachWebSocket } from './stream/ws-transport.js';
import { createApp } from './http/app.js';
import { startSignIn, type SignIn } from './auth/sign-in.js';
import { missingUsersFile } from './auth/local-users.js';
import { MemoryRelease, glibcTrim } from './memory-release.js';

/** The package version, for the `hello` message and `--version`. */
export { VERSION } from './version.js';

/** After a burst of at least 100 connections in 30 s, the allocator's free pages are handed back in each of the next 3 quiet periods. */
const MEMORY_RELEASE = { everyMs: 30_000, burst: 100, periodsAfter: 3 };

/** How long a graceful shutdown may take before the rest is cut off. */
const SHUTDOWN_BUDGET_MS = 4000;

/** A running server. */
export interface RtdashServer extends ServerParts {
  http: HttpServer;
  /** The base URL it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  /** Graceful shutdown; resolves when everything is closed. Safe to call twice. */
  close(): Promise<void>;
}

/** Options for `startServer`. */
export interface StartOptions {
  /** Plugin definitions to register (the built-in ones, usually); config.plugins are loaded on top. */
  plugins: PluginDefinition[];
  logger: Logger;
  /** Listen on this port instead of the config's (0 for an ephemeral port). */
  port?: number;
  host?: string;
  /** Where stray errors from loaded plugins are traced to their sources; `rtdash serve` passes the one its process handlers use. */
  faults?: PluginFaults;
}

/** A plugin module from config.yaml that could not be loaded. */
export interface PluginFailure {
  specifier: string;
  error: RtdashError;
}

/**
 * Builds the registry the config's data sources are checked against: the given plugins plus the
 * modules config.plugins names. A module that fails to load is reported, not thrown, so the others
 * still serve.
 */
export async function buildRegistry(plugins: PluginDefinition[], config: Pick<ServerConfig, 'plugins' | 'file'>): Promise<{ registry: PluginRegistry; failures: PluginFailure[] }> {
  const registry = new PluginRegistry();
  for (const p of plugins) registry.register(p);
  const base = config.file ? dirname(resolve(config.file)) : process.cwd();
  const failures: PluginFailure[] = [];
  for (const specifier of config.plugins) {
    try {
      await registry.load(specifier, base);
    } catch (err) {
      failures.push({ specifier, error: err instanceof RtdashError ? err : new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${specifier}": ${messageOf(err)}`) });
    }
  }
  return { registry, failures };
}

/**
 * Stands in for the plugin of a source whose type no loaded plugin provides while some plugin failed
 * to load: the source exists, its widgets show why it cannot answer, and the rest of the server runs.
 */
function unavailablePlugin(type: string, failures: PluginFailure[]): PluginDefinition {
  const reason = `no plugin provides type "${type}"; plugins that failed to load: ${failures.map((f) => f.error.message).join('; ')}`;
  return definePlugin({
    type,
    description: 'a plugin that failed to load',
    optionsSchema: {},
    querySchema: {},
    create: () => ({
      query: () => Promise.reject(new RtdashError('RTDASH_PLUGIN_INVALID', reason)),
      health: async () => ({ status: 'down' as const, message: reason }),
    }),
  });
}

/** Starts a server on a loaded config. */
export async function startServer(config: ServerConfig, options: StartOptions): Promise<RtdashServer> {
  const built: Built = { sources: new Map(), listening: false, ready: false };
  let server: Omit<RtdashServer, 'close'>;
  try {
    server = await assemble(config, options, built);
  } catch (err) {
    // What was built holds connections, timers and perhaps the alert lease: left open, they would keep a server
    // that failed to start (a port in use) alive, notifying, while the command line reports the failure.
    await teardown(built, 'server failed to start', options.logger);
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= teardown(built, 'server shutting down', options.logger).then(() => options.logger.info('server stopped'));
    return closing;
  };
  return Object.assign(server, { close });
}

/** The parts of a server built so far: what a failed start or a shutdown has to release. */
interface Built {
  http?: HttpServer;
  listening: boolean;
  /** Whether /readyz says ready: from listening until shutdown begins. */
  ready: boolean;
  store?: DashboardStore;
  alertFiles?: AlertFolder;
  closeApp?: () => void;
  hub?: Hub;
  signIn?: SignIn;
  alerting?: Alerting;
  scheduler?: Scheduler;
  cluster?: Cluster | undefined;
  variableOptions?: QueryVariableOptions;
  rangeCache?: RangeCache;
  recorder?: Recorder;
  sources: Map<string, SourceInstance>;
  ws?: { close(): Promise<void> };
  memory?: MemoryRelease;
}

/**
 * Releases what was built, in order, each step within what is left of the shutdown budget: stop accepting,
 * stop watching files, close the streams with 1001, flush alert state and outbox while the jobs still run,
 * stop the jobs (cancelling queries), close the sources, let the sockets finish their close handshakes, and
 * cut whatever is left. A failed start runs the same list over the parts it got to.
 */
async function teardown(b: Built, reason: string, logger: Logger): Promise<void> {
  b.ready = false;
  const cutoff = new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_BUDGET_MS).unref());
  const steps: [string, () => unknown][] = [
    ['stop accepting connections', () => b.listening && b.http?.close()],
    ['stop releasing memory', () => b.memory?.stop()],
    ['stop watching the dashboard files', () => b.store?.close()],
    ['stop watching the alert files', () => b.alertFiles?.close()],
    ['close the HTTP app', () => b.closeApp?.()],
    ['stop sign-in', () => b.signIn?.close()],
    ['close the streams', () => b.hub?.close(CLOSE.GOING_AWAY, reason)],
    ['close alerting', () => b.alerting?.close()], // state and outbox are flushed before the jobs stop
    ['stop the jobs', () => b.scheduler?.stop()],
    ['leave the cluster', () => b.cluster?.close()], // the jobs held here go to the other instances at once
    ['stop reading variable options', () => b.variableOptions?.stop()],
    ['stop recording and write the recorded points', () => b.recorder?.stop()],
    ['close the time-range cache', () => b.rangeCache?.close()],
    ['close the data sources', () => Promise.allSettled([...b.sources.values()].map((s) => s.close()))],
    ['wait for the sockets to close', () => b.listening && b.http !== undefined && waitForSockets(b.http)],
    ['close the WebSocket server', () => b.ws?.close()],
    ['cut the connections left', () => b.http?.closeAllConnections()],
  ];
  for (const [what, step] of steps) {
    try {
      await Promise.race([Promise.resolve().then(step), cutoff]);
    } catch (err) {
      logger.warn({ err: messageOf(err), step: what }, `${reason}: could not ${what}`);
    }
  }
}

/** Builds every part of a server into `built` (so a failure part-way can release them), and listens. */
async function assemble(config: ServerConfig, options: StartOptions, built: Built): Promise<Omit<RtdashServer, 'close'>> {
  const { logger } = options;
  const refusal = placeholderTokenRefusal(config, options.host ?? config.server.host);
  if (refusal !== undefined) throw new RtdashError('RTDASH_CONFIG_INVALID', refusal);
  const { registry, failures } = await buildRegistry(options.plugins, config);
  for (const f of failures) logger.error({ plugin: f.specifier, code: f.error.code }, f.error.message);
  if (failures.length > 0) {
    for (const sc of config.datasources) if (!registry.get(sc.type)) registry.register(unavailablePlugin(sc.type, failures));
  }
  checkDatasources(config, registry);
  checkNotifiers(config, registry.notifierTypes());
  options.faults?.watchPlugins(registry);
  let hub: Hub | undefined;
  let scheduler: Scheduler | undefined;
  const metrics = new Metrics({ viewers: () => hub?.viewers ?? 0, connections: () => hub?.connections ?? 0, jobs: () => scheduler?.size ?? 0, slots: () => gate.slots, alerts: () => alerting?.engine.alerts() ?? [], transports: () => hub?.transports() ?? { ws: 0, sse: 0, poll: 0 } });
  const stats = statsReader(metrics, () => hub, () => scheduler);
  const sources = built.sources;
  await createSources(config, registry, sources, logger, stats);
  options.faults?.watchSources(sources);
  const rangeCache = (built.rangeCache = rangeCacheFor(config, metrics, logger));
  const recordRedis = config.storage.type === 'redis' && config.cluster.redis !== undefined ? { url: config.cluster.redis, prefix: config.cluster.prefix ?? DEFAULT_CLUSTER.prefix } : undefined;
  let servedAt: string | undefined;
  const cluster = (built.cluster = clusterFor(config.cluster, { logger, registry: metrics.registry, publicUrl: () => servedAt }));
  const recorder = (built.recorder = new Recorder({ source: (name) => sources.get(name), storage: config.storage, redis: recordRedis, metrics, logger, cluster }));
  scheduler = new Scheduler({ source: (name) => sources.get(name), metrics, logger, rangeCache, recorded: (d, w) => recorder.sourceFor(d, w), cluster });
  built.scheduler = scheduler;
  const variableOptions = new QueryVariableOptions({ source: (name) => sources.get(name), metrics, logger });
  built.variableOptions = variableOptions;
  const limits = config.server.limits;
  const context = dashboardContext(config, registry);
  let alerting: Alerting | undefined;
  const store: DashboardStore = new DashboardStore(config.dashboards.dir, context, logger, (id, dashboard) => {
    recorder.sync(store.list()); // before the viewers' jobs restart, so they read the series of the new definition
    hub?.replaceDashboard(id, dashboard);
    void alerting?.refresh(); // a dashboard's rules change with its file
  });
  const alertFiles = config.alerts === undefined ? undefined : new AlertFolder(config.alerts.dir, context, logger);
  Object.assign(built, { store, alertFiles });
  const access = new EmbedAccess(config.auth.embedSecret, config.auth.embedTokenMaxTtlMs);
  access.useOptions({ options: (d, v, p) => variableOptions.current(d, v, p), load: (d, v, p) => variableOptions.loaded(d, v, p) });
  hub = new Hub({ dashboard: (id) => store.served(id), scheduler, metrics, logger, limits, access, alertsMessage: (id) => alerting?.message(id), options: variableOptions });
  built.hub = hub;
  alerting = await startAlerting({ config, scheduler, dashboards: () => store.list(), context, alertFiles, logger, publish: (id, message) => hub?.publish(id, message), instance: cluster?.instance, registry: metrics.registry, notifierTypes: registry.notifierTypes() });
  built.alerting = alerting;
  const host = options.host ?? config.server.host;
  const network = { hosts: new AllowedHosts({ ...config.server, host }), proxies: new TrustedProxies(config.server.trustedProxies) };
  const gate = new ConnectionGate(config.server.allowedOrigins, limits.maxConnectionsPerIp, config.server.publicUrl ? [new URL(config.server.publicUrl).origin] : [], network);
  const shared = config.cluster.redis === undefined ? undefined : { redis: config.cluster.redis, prefix: config.cluster.prefix ?? DEFAULT_CLUSTER.prefix };
  const signIn = (built.signIn = startSignIn(config.auth, hub, logger, (req) => gate.ownOrigin(req.headers.origin, req.headers.host), shared));
  const reload = async (): Promise<ReloadResult> => {
    const before = alertFiles?.versions() ?? new Map<string, string>();
    const dashboards = await store.reload();
    await alerting!.refresh(); // also when no dashboard changed: the alert files may have
    const changedFiles = alertFiles === undefined ? [] : changedVersions(before, alertFiles.versions());
    return { dashboards: dashboards.dashboards, changed: [...dashboards.changed, ...changedFiles], problems: [...dashboards.problems, ...(alertFiles?.problems ?? [])] };
  };
  const parts: ServerParts = { config, version: VERSION, logger, metrics, sources, registry, scheduler, variableOptions, store, hub, gate, access, auth: signIn.auth, alerts: alerting.engine, cluster, ready: () => built.ready, reload };
  const { app, close: closeApp } = createApp(parts);
  const http = createServer(app.callback());
  const ws = attachWebSocket(http, { hub, gate, access, limits, logger, version: VERSION, path: '/ws', identify: (req) => signIn.auth.identify(req), warm: (req) => signIn.auth.warm(req) });
  Object.assign(built, { closeApp, http, ws, memory: memoryRelease(http, metrics) });
  await store.reload(); // starts the recordings too: every dashboard is a change on the first load
  await alerting.refresh();
  if (config.dashboards.watch) {
    store.watch();
    alertFiles?.watch(() => void alerting!.refresh()); // standalone rules hot-reload like dashboards
  }
  const locked = store.list().filter((d) => d.access === 'token').map((d) => d.id);
  if (!access.enabled && locked.length > 0) {
    logger.warn({ dashboards: locked }, `dashboards ${locked.join(', ')} need embed tokens (access: token), but auth.embed_secret is not set: nobody can open them`);
  }
  const privateOnes = store.list().filter((d) => d.access === 'signed-in').map((d) => d.id);
  if (!signIn.auth.enabled && privateOnes.length > 0) {
    logger.warn({ dashboards: privateOnes }, `dashboards ${privateOnes.join(', ')} are for signed-in users, but no way of signing in is set (auth.oidc, auth.users_file or auth.proxy): only embed tokens can open them`);
  }
  const noUsers = missingUsersFile(config.auth.usersFile);
  if (noUsers !== undefined) logger.warn({ file: config.auth.usersFile }, noUsers);
  for (const warning of exposureWarnings(config, host)) logger.warn(warning.fields, warning.message);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? config.server.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  built.listening = built.ready = true;
  const port = (http.address() as AddressInfo).port;
  servedAt = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return Object.assign(parts, { http, url, port });
}

/**
 * Creates every configured source at once (a slow plugin does not hold up the others; each has its
 * `create_timeout`), into `sources` in config order. A create() that rejects fails the start, once the others
 * have settled, so that they are in `sources` to be closed.
 */
async function createSources(config: ServerConfig, registry: PluginRegistry, sources: Map<string, SourceInstance>, logger: Logger, stats: () => RuntimeStats): Promise<void> {
  const settled = await Promise.allSettled(config.datasources.map((sc) => createSource(sc, registry.get(sc.type)!, logger, stats)));
  settled.forEach((outcome, i) => outcome.status === 'fulfilled' && sources.set(config.datasources[i]!.name, outcome.value));
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/** Reads rtdash's own figures for the `system` plugin; queries per second over the last few seconds. */
function statsReader(metrics: Metrics, hub: () => Hub | undefined, scheduler: () => Scheduler | undefined): () => RuntimeStats {
  let last = { t: performance.now(), queries: 0 };
  let qps = 0;
  return () => {
    const now = performance.now();
    if (now - last.t >= 1000) {
      qps = ((metrics.hot.queries - last.queries) * 1000) / (now - last.t);
      last = { t: now, queries: metrics.hot.queries };
    }
    return {
      viewers: hub()?.viewers ?? 0,
      connections: hub()?.connections ?? 0,
      jobs: scheduler()?.size ?? 0,
      queriesPerSecond: Math.round(qps * 100) / 100,
      messagesSent: metrics.hot.messagesSent,
      bytesSent: metrics.hot.bytesSent,
    };
  };
}

/** Starts handing freed allocator memory back after bursts of connections to `http`; undefined where it cannot. */
function memoryRelease(http: HttpServer, metrics: Metrics): MemoryRelease | undefined {
  const trim = glibcTrim();
  if (trim === undefined) return undefined;
  const release = new MemoryRelease({ trim, ...MEMORY_RELEASE, onTrim: (released) => metrics.allocatorTrims.inc({ released: String(released) }) });
  http.on('connection', () => release.connectionAccepted());
  release.start();
  return release;
}

/** Resolves when every WebSocket has finished its close handshake (or there were none). */
function waitForSockets(http: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    const check = () => http.getConnections((_err, n) => (n === 0 ? resolve() : setTimeout(check, 20)));
    check();
  });
}
