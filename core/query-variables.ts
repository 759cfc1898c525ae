/**
 * The options of `type: query` variables: the first column of a query on a source, read through the source's
 * usual query path (bound parameters, its time-out and max_rows), cached per (dashboard version, variable,
 * values of the variables the query uses) and read again every `refresh` while a view holds them or someone
 * asked within the last interval. However many viewers, one query per such key per refresh. A read that
 * fails keeps the options before and records the error; listeners hear of every change.
 */
import { ERRORS, RtdashError, messageOf } from './errors.js';
import { codedError, failureCode } from './failure-code.js';
import { DEFAULT_MAX_COLUMNS, checkFrame, type Frame } from './frame.js';
import { DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_MS } from './job.js';
import type { Dashboard, QueryVariable } from './model.js';
import type { Logger } from './plugin.js';
import type { Metrics } from './metrics.js';
import type { SourceInstance } from './registry.js';
import { parentValues, variablesKey, type CurrentOptions } from './variables.js';

/** Which dashboard a set of options belongs to. */
type DashboardKey = Pick<Dashboard, 'id' | 'version'>;

/** A failed read as admins see it: `detail` is the driver's whole message. */
export interface OptionsError {
  code: string;
  message: string;
  detail: string;
}

interface Entry {
  readonly key: string;
  readonly dashboard: string;
  readonly variable: QueryVariable;
  readonly parents: Readonly<Record<string, string>>;
  options: string[] | undefined;
  error: OptionsError | undefined;
  /** Settles when the first read ends, whatever its outcome. */
  readonly first: Promise<void>;
  running: boolean;
  holders: number;
  lastUsed: number;
  timer: NodeJS.Timeout | undefined;
}

/** What the options cache needs from the server. */
export interface QueryVariableDeps {
  source(name: string): SourceInstance | undefined;
  metrics: Metrics;
  logger: Logger;
}

/** The options of every query variable in use, with their refresh timers. */
export class QueryVariableOptions {
  readonly #entries = new Map<string, Entry>();
  readonly #deps: QueryVariableDeps;
  readonly #listeners = new Set<(dashboardId: string) => void>();
  readonly #shutdown = new AbortController();
  /** Reads run so far (for tests and metrics). */
  reads = 0;

  constructor(deps: QueryVariableDeps) {
    this.#deps = deps;
  }

  /** The options as last read, starting the first read when there is none yet (then undefined). */
  current(dashboard: DashboardKey, variable: QueryVariable, parents: Readonly<Record<string, string>>): CurrentOptions | undefined {
    const entry = this.#entry(dashboard, variable, parents);
    entry.lastUsed = Date.now();
    if (entry.options === undefined) return undefined;
    return entry.error === undefined ? { options: entry.options } : { options: entry.options, error: { code: entry.error.code, message: entry.error.message } };
  }

  /** Settles once the options have been read (or failed to be) for the first time. */
  loaded(dashboard: DashboardKey, variable: QueryVariable, parents: Readonly<Record<string, string>>): Promise<void> {
    return this.#entry(dashboard, variable, parents).first;
  }

  /** The state with the failure's whole message: for admins. */
  detailed(dashboard: DashboardKey, variable: QueryVariable, parents: Readonly<Record<string, string>>): { options: string[]; error?: OptionsError } | undefined {
    const entry = this.#entries.get(keyOf(dashboard, variable, parents));
    if (entry?.options === undefined) return undefined;
    return entry.error === undefined ? { options: entry.options } : { options: entry.options, error: entry.error };
  }

  /**
   * Keeps the options of a view's query variables (for its variable values) read on their interval until the
   * returned function is called.
   */
  hold(dashboard: Dashboard, values: Readonly<Record<string, string>>): () => void {
    const held: Entry[] = [];
    for (const v of dashboard.variables) {
      if (v.type !== 'query') continue;
      const entry = this.#entry(dashboard, v, parentValues(v, values));
      entry.holders++;
      held.push(entry);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = Date.now();
      for (const entry of held) {
        entry.holders--;
        entry.lastUsed = now;
      }
    };
  }

  /** Calls `listener` with the dashboard id whenever options or their error change. */
  onChange(listener: (dashboardId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Cached option sets (for tests). */
  get size(): number {
    return this.#entries.size;
  }

  /** Stops every timer and cancels the reads in flight. */
  stop(): void {
    this.#shutdown.abort();
    for (const entry of this.#entries.values()) clearInterval(entry.timer);
    this.#entries.clear();
  }

  #entry(dashboard: DashboardKey, variable: QueryVariable, parents: Readonly<Record<string, string>>): Entry {
    const key = keyOf(dashboard, variable, parents);
    let entry = this.#entries.get(key);
    if (entry !== undefined) return entry;
    let settle!: () => void;
    const first = new Promise<void>((resolve) => (settle = resolve));
    const created: Entry = { key, dashboard: dashboard.id, variable, parents: { ...parents }, options: undefined, error: undefined, first, running: false, holders: 0, lastUsed: Date.now(), timer: undefined };
    entry = created;
    this.#entries.set(key, created);
    if (this.#shutdown.signal.aborted) {
      created.options = [];
      settle();
      return created;
    }
    void this.#read(created).finally(settle);
    created.timer = setInterval(() => this.#tick(created), variable.refreshMs);
    created.timer.unref();
    return created;
  }

  #tick(entry: Entry): void {
    if (entry.holders <= 0 && Date.now() - entry.lastUsed >= entry.variable.refreshMs) {
      clearInterval(entry.timer);
      this.#entries.delete(entry.key);
      return;
    }
    if (!entry.running) void this.#read(entry);
  }

  async #read(entry: Entry): Promise<void> {
    const { variable } = entry;
    const { metrics, logger } = this.#deps;
    const before = JSON.stringify([entry.options, entry.error?.code, entry.error?.message]);
    entry.running = true;
    this.reads++;
    metrics.hot.queries++;
    const started = performance.now();
    try {
      const options = await this.#query(entry);
      metrics.queries.inc({ source: variable.source, outcome: 'ok' });
      entry.options = options;
      entry.error = undefined;
    } catch (err) {
      const code = failureCode(err);
      metrics.queries.inc({ source: variable.source, outcome: code === 'RTDASH_QUERY_TIMEOUT' ? 'timeout' : code === 'RTDASH_SHUTTING_DOWN' ? 'cancelled' : 'error' });
      const detail = messageOf(err);
      const exposed = ERRORS[code].expose ? (codedError(err)?.message ?? detail) : ERRORS[code].summary;
      if (code !== 'RTDASH_SHUTTING_DOWN') logger.warn({ dashboard: entry.dashboard, variable: variable.name, source: variable.source, code, err: detail }, 'reading the options of a query variable failed; the options before stay');
      entry.error = { code, message: exposed, detail: `${variable.source}: ${detail}` };
      entry.options ??= [];
    } finally {
      metrics.queryDuration.observe({ source: variable.source }, (performance.now() - started) / 1000);
      entry.running = false;
    }
    if (JSON.stringify([entry.options, entry.error?.code, entry.error?.message]) === before || this.#entries.get(entry.key) !== entry) return;
    for (const listener of this.#listeners) {
      try {
        listener(entry.dashboard);
      } catch (err) {
        logger.error({ dashboard: entry.dashboard, err: messageOf(err) }, 'a listener of variable options failed');
      }
    }
  }

  /** One read, as a widget's job runs its query: time-out, row and column caps, a frame checked. */
  async #query(entry: Entry): Promise<string[]> {
    const { variable } = entry;
    const source = this.#deps.source(variable.source);
    if (source === undefined) throw new RtdashError('RTDASH_SOURCE_UNKNOWN', `variable "${variable.name}" uses unknown source "${variable.source}"`);
    if (source.fault !== undefined) throw source.fault;
    const timeoutMs = source.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRows = source.config.maxRows ?? DEFAULT_MAX_ROWS;
    const maxColumns = source.config.maxColumns ?? DEFAULT_MAX_COLUMNS;
    const controller = new AbortController();
    const onShutdown = () => controller.abort(new RtdashError('RTDASH_SHUTTING_DOWN', 'the server is shutting down'));
    this.#shutdown.signal.addEventListener('abort', onShutdown, { once: true });
    const timer = setTimeout(() => controller.abort(new RtdashError('RTDASH_QUERY_TIMEOUT', `the options query of variable "${variable.name}" on "${variable.source}" timed out after ${timeoutMs} ms and was cancelled`)), timeoutMs);
    try {
      const now = Date.now();
      const result = Promise.resolve().then(() =>
        source.source.query(variable.query, { variables: entry.parents, range: { from: now, to: now }, intervalMs: variable.refreshMs, signal: controller.signal, maxRows, maxColumns }),
      );
      result.catch(() => undefined);
      const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => setImmediate(() => reject(controller.signal.reason)), { once: true }));
      aborted.catch(() => undefined);
      const frame = await Promise.race([result, aborted]);
      const problem = checkFrame(frame);
      if (problem !== undefined) throw new RtdashError('RTDASH_FRAME_MALFORMED', `"${variable.source}" returned a malformed frame for variable "${variable.name}": ${problem}`);
      return optionsOf(frame, maxRows);
    } finally {
      clearTimeout(timer);
      this.#shutdown.signal.removeEventListener('abort', onShutdown);
    }
  }
}

/** The distinct non-null values of a frame's first column, as text, in their order, at most `maxRows`. */
export function optionsOf(frame: Frame, maxRows: number): string[] {
  const seen = new Set<string>();
  for (const value of frame.fields[0]?.values ?? []) {
    if (value === null) continue;
    seen.add(String(value));
    if (seen.size >= maxRows) break;
  }
  return [...seen];
}

function keyOf(dashboard: DashboardKey, variable: QueryVariable, parents: Readonly<Record<string, string>>): string {
  return `${dashboard.id}@${dashboard.version}|${variable.name}|${variablesKey(parents)}`;
}
