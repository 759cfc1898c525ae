/**
 * Containing a plugin's stray failures. An exception thrown from a plugin's own timer, or a promise it
 * rejected that nobody awaited, reaches the process rather than a query, and would end it for every viewer.
 * `rtdash serve` hands such an error here: when a plugin's code (a file loaded from config.yaml, or a built-in
 * plugin's folder) is in the error's stack, that plugin's sources go out of service (their widgets and health
 * say so) and the server keeps serving. An error no plugin is found in is the server's own: the process cannot know its state,
 * so it logs and exits 1 rather than pretend.
 */
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RtdashError, messageOf } from './errors.js';
import { packageRoot } from './paths.js';
import type { Logger } from './plugin.js';
import type { PluginRegistry, SourceInstance } from './registry.js';

/**
 * Where the built-in plugins run from: one folder each, named for its type (`dist/plugins/mysql/`), and their
 * sources, which stack traces name instead under --enable-source-maps.
 */
const BUILTIN_PLUGINS = [fileURLToPath(new URL('../plugins/', import.meta.url)), join(packageRoot, 'plugins') + sep];

/** Stray failures of one plugin logged each; past them, one line a minute. */
const LOGGED_IN_FULL = 10;
const QUIET_MS = 60_000;

/** How a stray error reached the process. */
export type StrayKind = 'uncaught exception' | 'unhandled rejection';

/** The loaded plugins' files, the sources built from them, and which plugins have failed outside a query. */
export class PluginFaults {
  /** Plugin type → the forms its file (or package folder) takes in a stack trace: path and file URL. */
  readonly #origins = new Map<string, string[]>();
  readonly #faults = new Map<string, RtdashError>();
  /** How many stray failures each plugin had, and when one was last logged. */
  readonly #said = new Map<string, { count: number; at: number }>();
  #sources: ReadonlyMap<string, SourceInstance> = new Map();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Notes where the registry's plugins run from: a loaded one's file, a built-in one's folder. */
  watchPlugins(registry: PluginRegistry): void {
    for (const type of registry.types()) {
      const loaded = registry.origin(type);
      const origins = loaded !== undefined ? [loaded] : BUILTIN_PLUGINS.map((dir) => `${dir}${type}${sep}`).filter((dir) => existsSync(dir));
      if (origins.length > 0) this.#origins.set(type, origins.flatMap((origin) => [origin, pathToFileURL(origin).href]));
    }
  }

  /** The sources to take out of service when their plugin fails; a plugin that failed already does so now. */
  watchSources(sources: ReadonlyMap<string, SourceInstance>): void {
    this.#sources = sources;
    for (const [type, fault] of this.#faults) this.#mark(type, fault);
  }

  /** The loaded plugin whose code the error's stack passes through, if any. */
  pluginOf(err: unknown): string | undefined {
    const stack = err instanceof Error ? err.stack : undefined;
    if (stack === undefined) return undefined;
    for (const [type, forms] of this.#origins) {
      // A file is followed by its line number; a package folder ends with a separator already.
      if (forms.some((form) => stack.includes(form.endsWith('/') || form.endsWith(sep) ? form : `${form}:`))) return type;
    }
    return undefined;
  }

  /**
   * Contains a stray error when a loaded plugin caused it: logs it with the plugin's name and takes the
   * plugin's sources out of service. False when no plugin did (the caller must not carry on).
   */
  contain(err: unknown, kind: StrayKind): boolean {
    const type = this.pluginOf(err);
    if (type === undefined) return false;
    const fault = new RtdashError('RTDASH_PLUGIN_FAILED', `plugin "${type}" failed outside a query (${kind}); its sources are out of service until the server restarts`);
    const sources = this.#mark(type, fault);
    if (!this.#faults.has(type)) this.#faults.set(type, fault);
    // A throwing setInterval fails for ever: the first few are logged, then one line a minute with the count.
    const said = this.#said.get(type) ?? { count: 0, at: -Infinity };
    this.#said.set(type, said);
    said.count++;
    const now = performance.now();
    if (said.count > LOGGED_IN_FULL && now - said.at < QUIET_MS) return true;
    said.at = now;
    this.#logger.error({ plugin: type, sources, kind, failures: said.count, err: messageOf(err), stack: (err as Error).stack }, `${fault.message}; the server goes on serving the rest`);
    return true;
  }

  #mark(type: string, fault: RtdashError): string[] {
    const names: string[] = [];
    for (const instance of this.#sources.values()) {
      if (instance.plugin.type !== type) continue;
      instance.fault ??= fault;
      names.push(instance.config.name);
    }
    return names;
  }
}

/** What `rtdash serve` does with a stray error: contains it when a plugin caused it, else logs it and calls `exit(1)`. */
export function strayHandler(faults: PluginFaults, logger: Logger, exit: (code: number) => void): (kind: StrayKind) => (err: unknown) => void {
  return (kind) => (err) => {
    if (faults.contain(err, kind)) return;
    logger.error({ kind, err: messageOf(err), stack: err instanceof Error ? err.stack : undefined }, `${kind} in the server itself (no plugin is in its stack): exiting, since its state is unknown`);
    exit(1);
  };
}

/** Installs the process handlers of `rtdash serve` (see `strayHandler`); returns a function that removes them. */
export function containPluginFailures(faults: PluginFaults, logger: Logger): () => void {
  const handle = strayHandler(faults, logger, (code) => process.exit(code));
  const onException = handle('uncaught exception');
  const onRejection = handle('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
