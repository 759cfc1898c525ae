/**
 * The data-source contract: what a plugin exports and what the core calls.
 * Required: `query` and `health`. Optional abilities (`close`, `subscribe`) are detected, not inherited.
 */
import type { Frame } from './frame.js';

export type { Frame, Field, FieldType, FieldValue } from './frame.js';

/** A JSON Schema object (draft 2020-12 subset that ajv understands). */
export type JsonSchema = Record<string, unknown>;

/** A closed time interval in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

/** Everything one query run may depend on besides the query itself. */
export interface QueryContext {
  /** Variable values, already checked against the dashboard's declared options or patterns. Bind them, never splice them. */
  readonly variables: Readonly<Record<string, string>>;
  /**
   * The span of time the widget wants. On a dashboard with `time:` (docs/time.md), the viewer's range, resolved
   * when the run starts; otherwise its `keep` window on the first run, since the last run afterwards.
   */
  readonly range: TimeRange;
  /** On a dashboard with `time:`: the bucket width in seconds, chosen so the range has at most `max_points` buckets. */
  readonly bucketSeconds?: number;
  /** On a dashboard with `time:`: true when the range ends at `now` and slides with each run. */
  readonly rangeLive?: boolean;
  /** Suggested spacing of points in milliseconds (the widget's interval). */
  readonly intervalMs: number;
  /** Aborted when the run times out or the server shuts down. Pass it to your driver. */
  readonly signal: AbortSignal;
  /**
   * The most rows to return (the source's `max_rows`, 10,000 by default). Stop reading there and
   * set `meta.truncated` on the frame; the core cuts a longer frame itself, but only after it was loaded.
   */
  readonly maxRows: number;
  /**
   * The most columns (fields) a frame may have (the source's `max_columns`, 1,000 by default). The core
   * refuses a wider frame with RTDASH_FRAME_TOO_WIDE; a plugin that can tell early (one column per series)
   * should throw that itself before building it. Absent when a caller other than the core runs the query.
   */
  readonly maxColumns?: number;
}

/** The answer of a health check. */
export interface Health {
  status: 'ok' | 'degraded' | 'down';
  message?: string;
  /** How long the check took, filled in by the core when the plugin leaves it out. */
  latencyMs?: number;
}

/** The minimal logger a plugin gets: pino-compatible. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** rtdash's own figures, for plugins (like `system`) that report on the server. */
export interface RuntimeStats {
  viewers: number;
  connections: number;
  jobs: number;
  queriesPerSecond: number;
  messagesSent: number;
  bytesSent: number;
}

/** What a plugin's factory receives: its own scope, no globals. */
export interface PluginContext<Options> {
  /** The instance name from `datasources:` in config.yaml. */
  readonly name: string;
  /** The instance's options, already validated against the plugin's `optionsSchema`. */
  readonly options: Options;
  readonly logger: Logger;
  /** Aborted when the source is closed (shutdown or reload). */
  readonly signal: AbortSignal;
  /** Read-only view of the server's own figures. */
  readonly runtime: { stats(): RuntimeStats };
}

/** A live data source: one per configured instance. */
export interface DataSource<Query = unknown> {
  /** Runs one query and answers with a columnar frame. Reject (or throw) to report a failure. */
  query(query: Query, ctx: QueryContext): Promise<Frame>;
  /** Tells whether the source can answer queries now. */
  health(signal: AbortSignal): Promise<Health>;
  /** Optional: release connections and timers. */
  close?(): Promise<void> | void;
  /**
   * Optional: push. Starts listening for what a widget's `listen:` names (a NOTIFY channel, a pub/sub
   * channel…) and calls `onChange` when the data behind the widget may have changed; the core then
   * re-runs the widget's query at once, coalescing bursts. Returns a function that stops listening.
   * A plugin that implements it declares `listenSchema`.
   */
  subscribe?(listen: unknown, onChange: () => void, ctx: { variables: Readonly<Record<string, string>> }): () => void;
}

/** What a plugin module exports (as its default export or as `plugin`). */
export interface PluginDefinition<Options = Record<string, unknown>, Query = unknown> {
  /** The name used as `type:` in config.yaml, [a-z0-9-]. */
  type: string;
  /** One line shown by `rtdash` in listings and errors. */
  description: string;
  /** JSON Schema of the instance options (everything beside `type` and `timeout`). */
  optionsSchema: JsonSchema;
  /** JSON Schema of a widget's `query:` for this source. */
  querySchema: JsonSchema;
  /**
   * Optional: true when the plugin's sources answer a whole time range by themselves, from `ctx.range` and
   * `ctx.bucketSeconds` (Prometheus' query_range, say). On a dashboard with `time:` their charts are range
   * widgets (each run replaces the chart) even when the query names none of `:from`, `:to` and `:bucket`.
   */
  answersRanges?: boolean;
  /** JSON Schema of a widget's `listen:`; only for plugins whose sources implement `subscribe`. */
  listenSchema?: JsonSchema;
  /**
   * Optional: checks the options beyond what the schema can say (a url that must parse, keys that exclude
   * each other) the way create() will read them, and throws an Error whose message names the option. The
   * core runs it for every source before creating any (and `rtdash validate` does too), so each bad source
   * is reported at its place in config.yaml. It must not connect anywhere nor repeat a secret.
   */
  checkOptions?(options: Options, name: string): void;
  /** Builds one instance. May be async (to open a pool, say). */
  create(ctx: PluginContext<Options>): DataSource<Query> | Promise<DataSource<Query>>;
}

const TYPE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a data-source plugin and checks its shape early, so a mistake fails at load time.
 * @example export default definePlugin({ type: 'hello', description: 'Says hi', optionsSchema: {type: 'object'}, querySchema: {type: 'string'}, create: () => ({ ... }) })
 */
export function definePlugin<Options = Record<string, unknown>, Query = unknown>(
  definition: PluginDefinition<Options, Query>,
): PluginDefinition<Options, Query> {
  const problems: string[] = [];
  if (typeof definition !== 'object' || definition === null) throw new TypeError('definePlugin: expected an object');
  if (typeof definition.type !== 'string' || !TYPE_NAME.test(definition.type)) {
    problems.push(`"type" must match ${TYPE_NAME}; got ${JSON.stringify(definition.type)}`);
  }
  if (typeof definition.create !== 'function') problems.push('"create" must be a function');
  if (typeof definition.optionsSchema !== 'object' || definition.optionsSchema === null) problems.push('"optionsSchema" must be a JSON Schema object');
  if (typeof definition.querySchema !== 'object' || definition.querySchema === null) problems.push('"querySchema" must be a JSON Schema object');
  if (problems.length > 0) throw new TypeError(`definePlugin(${String(definition.type)}): ${problems.join('; ')}`);
  return definition;
}
