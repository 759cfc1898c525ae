/**
 * The plugin registry (type name → definition) and the live data-source instances built from config.
 */
import { RtdashError, messageOf } from './errors.js';
import { definePlugin, type DataSource, type Health, type Logger, type PluginDefinition, type RuntimeStats } from './plugin.js';
import { importPlugin } from './plugin-loader.js';
import type { SourceConfig } from './model.js';

/** A map of plugin definitions by their `type`. */
export class PluginRegistry {
  readonly #plugins = new Map<string, PluginDefinition>();

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

  /** All registered type names, sorted. */
  types(): string[] {
    return [...this.#plugins.keys()].sort();
  }

  /**
   * Imports a plugin module (a .js or .ts path relative to `baseDir`, or a package name) and registers
   * its definition: the module's default export or its named export `plugin`. Throws RTDASH_PLUGIN_INVALID
   * naming the module.
   */
  async load(specifier: string, baseDir: string): Promise<PluginDefinition> {
    let mod: Record<string, unknown>;
    try {
      mod = await importPlugin(specifier, baseDir);
    } catch (err) {
      throw new RtdashError('RTDASH_PLUGIN_INVALID', `plugin "${specifier}" cannot be loaded: ${messageOf(err)}`, { cause: err });
    }
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
    return def;
  }
}

/** One configured source, built from its plugin, with its own abort signal for closing. */
export interface SourceInstance {
  config: SourceConfig;
  plugin: PluginDefinition;
  source: DataSource;
  close(): Promise<void>;
}

/** Builds a source instance. Its factory gets a scoped context: options, a child logger, a signal. */
export async function createSource(
  config: SourceConfig,
  plugin: PluginDefinition,
  logger: Logger,
  stats: () => RuntimeStats,
): Promise<SourceInstance> {
  const lifetime = new AbortController();
  const source = await plugin.create({
    name: config.name,
    options: config.options,
    logger: logger.child({ source: config.name, plugin: plugin.type }),
    signal: lifetime.signal,
    runtime: { stats },
  });
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

/** Runs a source's health check with a time-out, never throwing. */
export async function checkHealth(instance: SourceInstance, timeoutMs = 5000): Promise<Health> {
  const started = performance.now();
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
