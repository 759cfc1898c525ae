/**
 * The plugin registry (type name → definition) and the live data-source instances built from config.
 */
import { RtdashError, messageOf } from './errors.js';
import { definePlugin, type DataSource, type Health, type Logger, type PluginDefinition, type RuntimeStats } from './plugin.js';
import { importPlugin } from './plugin-loader.js';
import type { SourceConfig } from './model.js';
import { NOTIFIER_TYPES, defineNotifier, type NotifierDefinition } from './alerts/notifiers/index.js';

/** A map of plugin definitions by their `type`. */
export class PluginRegistry {
  readonly #plugins = new Map<string, PluginDefinition>();
  /** Where each loaded (not built-in) plugin's code runs from, by type. */
  readonly #origins = new Map<string, string>();
  /** The notifier types: the built-in ones and those loaded from `plugins:`. */
  readonly #notifiers = new Map<string, NotifierDefinition>(NOTIFIER_TYPES);

  /** Every notifier type, built-in and loaded. */
  notifierTypes(): ReadonlyMap<string, NotifierDefinition> {
    return this.#notifiers;
  }

  /** Adds a definition; a second plugin with the same type is an error. */
  register(plugin: PluginDefinition): this {
    if (this.#plugins.has(plugin.type)) {
      throw new RtdashError('RTDASH_PLUGIN_INVALID', `two plugins declare type "${plugin.type}"`);
    }
    this.#plugins.set(plugin.type, plugin);
    return this;
  }

  /** The definition for a type, if any. */
  get(type: string): PluginDefinition | undefined {
    return this.#plugins.get(type);
  }

  /** The file (or package folder) a plugin loaded from config.yaml runs from; none for one registered in code. */
  origin(type: string): string | undefined {
    return this.#origins.get(type);
  }

  /** All registered type names, sorted. */
  types(): string[] {
    return [...this.#plugins.keys()].sort();
  }

  /**
   * Imports a plugin module (a .js or .ts path relative to `baseDir`, or a package name) and registers
   * its definition: the module's default export or its named export `plugin`. Throws RTDASH_PLUGIN_INVALID
   * naming the module.
   */
  async load(specifier: string, baseDir: string): Promise<PluginDefinition | NotifierDefinition> {
    let mod: Record<string, unknown>;
    let origin: string;
    try {
      ({ exports: mod, origin } = await importPlugin(specifier, baseDir));
    } catch (err) {
      throw new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${specifier}" cannot be loaded: ${messageOf(err)}`, { cause: err });
    }
    const notifier = (mod.default ?? mod.notifier) as Partial<NotifierDefinition> | undefined;
    if (notifier !== undefined && typeof notifier === 'object' && notifier !== null && notifier.kind === 'notifier') return this.#loadNotifier(specifier, notifier);
    const def = (mod.default ?? mod.plugin) as PluginDefinition | undefined;
    if (!def || typeof def !== 'object' || typeof def.type !== 'string' || typeof def.create !== 'function') {
      throw new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${specifier}" must export a definePlugin(...) result as default or as "plugin"`);
    }
    try {
      definePlugin(def);
    } catch (err) {
      throw new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${specifier}": ${messageOf(err)}`, { cause: err });
    }
    if (this.#plugins.has(def.type)) throw new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${specifier}" declares type "${def.type}", which another plugin already has`);
    this.register(def);
    this.#origins.set(def.type, origin);
    return def;
  }

  #loadNotifier(specifier: string, candidate: Partial<NotifierDefinition>): NotifierDefinition {
    let def: NotifierDefinition;
    try {
      def = defineNotifier(candidate as NotifierDefinition);
    } catch (err) {
      throw new RtdashError('RTDASH_PLUGIN_INVALID', `notifier plugin "${specifier}": ${messageOf(err)}`, { cause: err });
    }
    if (this.#notifiers.has(def.type)) throw new RtdashError('RTDASH_PLUGIN_INVALID', `notifier plugin "${specifier}" declares type "${def.type}", which ${NOTIFIER_TYPES.has(def.type) ? 'is built in' : 'another notifier plugin already has'}`);
    this.#notifiers.set(def.type, def);
    return def;
  }
}

/** How long a plugin's create() may take when the source sets no `create_timeout`. */
export const DEFAULT_CREATE_TIMEOUT_MS = 10_000;

const TIMED_OUT = Symbol('create timed out');

/** One configured source, built from its plugin, with its own abort signal for closing. */
export interface SourceInstance {
  config: SourceConfig;
  plugin: PluginDefinition;
  source: DataSource;
  /**
   * Why the source is out of service, when it is: its plugin's create() did not finish in time, or the plugin
   * failed outside a query (see plugin-faults.ts). Its queries then fail with this error and its health is down.
   */
  fault?: RtdashError;
  close(): Promise<void>;
}

/**
 * Builds a source instance. Its factory gets a scoped context: options, a child logger, a signal. A factory
 * that does not settle within the source's `create_timeout` leaves the source failed (the server starts
 * without it) and its signal aborted; what it builds later is closed.
 */
export async function createSource(
  config: SourceConfig,
  plugin: PluginDefinition,
  logger: Logger,
  stats: () => RuntimeStats,
): Promise<SourceInstance> {
  const lifetime = new AbortController();
  const log = logger.child({ source: config.name, plugin: plugin.type });
  const created = Promise.resolve().then(() => plugin.create({ name: config.name, options: config.options, logger: log, signal: lifetime.signal, runtime: { stats } }));
  const timeoutMs = config.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => (timer = setTimeout(resolve, timeoutMs, TIMED_OUT)));
  const source = await Promise.race([created, late]).finally(() => clearTimeout(timer));
  if (source === TIMED_OUT) {
    const fault = new RtdashError('RTDASH_PLUGIN_FAILED', `plugin "${plugin.type}" did not finish creating source "${config.name}" within ${timeoutMs} ms (create_timeout); the source is out of service until the server restarts`);
    lifetime.abort(fault);
    logger.error({ source: config.name, plugin: plugin.type, code: fault.code }, fault.message);
    // Whatever a create() that settles after all has opened serves no one: close it.
    created.then((lateSource) => lateSource?.close?.()).catch((err: unknown) => log.warn({ err: messageOf(err) }, 'a create() that finished too late failed'));
    return failedSource(config, plugin, fault);
  }
  if (typeof source?.query !== 'function' || typeof source.health !== 'function') {
    throw new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${plugin.type}" create() must return an object with query() and health()`);
  }
  let closed: Promise<void> | undefined;
  return {
    config,
    plugin,
    source,
    close() {
      closed ??= (async () => {
        lifetime.abort();
        try {
          await source.close?.();
        } catch (err) {
          logger.warn({ err: messageOf(err), source: config.name }, 'data source close failed');
        }
      })();
      return closed;
    },
  };
}

/** A source that exists only to say why it cannot serve: its widgets and health show `fault`. */
function failedSource(config: SourceConfig, plugin: PluginDefinition, fault: RtdashError): SourceInstance {
  return {
    config,
    plugin,
    fault,
    source: { query: () => Promise.reject(fault), health: async () => ({ status: 'down', message: fault.message }) },
    close: async () => undefined,
  };
}

/** How often back-off probes and /api/datasources may ask one source whether it is healthy. */
const PROBE_EVERY_MS = 1000;
const probes = new WeakMap<SourceInstance, { at: number; settled: boolean; health: Promise<Health> }>();

/**
 * A source's health, checked at most once a second and never twice at once: the jobs backing off and every
 * caller of /api/datasources share it, so a visitor asking in a loop does not make the server ask the source.
 */
export function recentHealth(instance: SourceInstance): Promise<Health> {
  const last = probes.get(instance);
  if (last !== undefined && (!last.settled || performance.now() - last.at < PROBE_EVERY_MS)) return last.health;
  const probe = { at: performance.now(), settled: false, health: checkHealth(instance, PROBE_EVERY_MS * 3) };
  void probe.health.then(() => Object.assign(probe, { at: performance.now(), settled: true }));
  probes.set(instance, probe);
  return probe.health;
}

/**
 * Whether a source answers its health check now ("ok" or "degraded"), for jobs backing off after failures. All
 * the jobs of one source share one check a second, so a failing source is not asked once per job.
 */
export function probeSource(instance: SourceInstance): Promise<boolean> {
  return recentHealth(instance).then((h) => h.status !== 'down');
}

/** Runs a source's health check with a time-out, never throwing. */
export async function checkHealth(instance: SourceInstance, timeoutMs = 5000): Promise<Health> {
  const started = performance.now();
  if (instance.fault !== undefined) return { status: 'down', message: instance.fault.message, latencyMs: 0 };
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const health = await Promise.race([
      Promise.resolve().then(() => instance.source.health(signal)),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`health check timed out after ${timeoutMs} ms`)), { once: true })),
    ]);
    return { ...health, latencyMs: Math.round(health.latencyMs ?? performance.now() - started) };
  } catch (err) {
    return { status: 'down', message: messageOf(err), latencyMs: Math.round(performance.now() - started) };
  }
}
