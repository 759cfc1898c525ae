/**
 * A job: one widget with one set of variable values, run on its schedule while someone needs it.
 * One query per tick however many viewers; a tick never overlaps the previous run; every run has a
 * time-out delivered as an AbortSignal; failures back off exponentially and recover by themselves.
 */
import { RtdashError, messageOf } from './errors.js';
import { codedError, failureCode } from './failure-code.js';
import { DEFAULT_MAX_COLUMNS, FrameChecker, capRows, checkFrame, frameTooWide, sliceFrame, type Frame } from './frame.js';
import type { Widget } from './model.js';
import type { Logger, QueryContext, TimeRange } from './plugin.js';
import { probeSource, type SourceInstance } from './registry.js';
import type { Metrics } from './metrics.js';
import { outcomeOf, type SourceQueries } from './query-metrics.js';
import { RunGuard, withSignal, type RunSignal } from './run-signal.js';
import { isRangeWidget, resolveRange, type RangeSpec, type ResolvedRange } from './time-range.js';
import { downsample } from './downsample.js';
import type { RangeCache } from './range-cache.js';
import { WidgetHistory, mergeModeFor, updateLogDepth, type UpdateEntry } from './widget-history.js';
import type { JobPlane } from './cluster/job-plane.js';

/** Called with each serialised update of the job. */
export type JobListener = (entry: UpdateEntry, job: Job) => void;

/** The default time-out of one run when neither the widget nor its source sets one. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The row cap of one result when the source sets no `max_rows`. */
export const DEFAULT_MAX_ROWS = 10_000;
/** Unchanged data is confirmed to viewers after this many intervals without an update. */
export const CONFIRM_INTERVALS = 3;
/** The longest a failing job waits between attempts. */
export const MAX_BACKOFF_MS = 60_000;

/** What a job needs from the server. */
export interface JobDeps {
  source: SourceInstance;
  metrics: Metrics;
  logger: Logger;
  /** Aborted at shutdown: cancels every run in flight. */
  shutdown: AbortSignal;
  /** On a dashboard with `time:`: the viewers' range (resolved at each run) and the dashboard's max_points. */
  range?: { spec: RangeSpec; maxPoints: number } | undefined;
  /** For a fixed range: the cache its result is read from and kept in, and its key there. */
  cache?: { store: RangeCache; key: string } | undefined;
}

/** One running (widget, variable values, time range) triple. */
export class Job {
  readonly key: string;
  readonly widget: Widget;
  readonly variables: Readonly<Record<string, string>>;
  readonly history: WidgetHistory;
  readonly listeners = new Set<JobListener>();
  /** Interval used for the time range of the first run and for back-off; cron jobs estimate it. */
  readonly intervalMs: number;
  running = false;
  /** Whether the current (or last) run was caused by a pushed change rather than the schedule. */
  pushed = false;
  /** The frame of the latest successful run (capped), as the source gave it: what a rule's `last()` reads. */
  latest: Frame | undefined;
  runs = 0;
  skipped = 0;
  /** With `cluster.redis`: the job's part in the cluster, which says whether it runs here and takes its updates. */
  plane: JobPlane | undefined;
  failures = 0;
  #backoffUntil = 0;
  #lastTo: number | undefined;
  #deps: JobDeps;
  #inflight: Promise<void> | undefined;
  #unlisten: (() => void) | undefined;
  #again = false;
  #pokeQueued = false;
  #probing = false;
  /** Whether a back-off probe found the source down since the last successful run. */
  #sourceWasDown = false;
  /** Cancels a run at its time-out or at shutdown. */
  readonly #guard: RunGuard;
  /** Remembers the source's frame shape, so each run checks only the values. */
  readonly #frames = new FrameChecker();
  /** This job's source's query count and duration figures. */
  readonly #queries: SourceQueries;

  constructor(key: string, widget: Widget, variables: Record<string, string>, intervalMs: number, deps: JobDeps) {
    this.key = key;
    this.widget = widget;
    this.variables = Object.freeze({ ...variables });
    this.intervalMs = intervalMs;
    this.#deps = deps;
    this.#guard = new RunGuard(deps.shutdown, (timeoutMs) => {
      const name = deps.source.config.name;
      return new RtdashError('RTDASH_QUERY_TIMEOUT', `query to "${name}" timed out after ${timeoutMs} ms and was cancelled`, { details: { timeoutMs } });
    });
    this.#queries = deps.metrics.queries.of(deps.source.config.name);
    // Unchanged data is confirmed every few intervals, so its age never reads as stale. A range widget's
    // frame is its whole window each run: it replaces, and `keep` does not cut it.
    const mode = deps.range !== undefined && isRangeWidget(widget) ? 'replace' : mergeModeFor(widget.type);
    this.history = new WidgetHistory(widget.id, mode, widget.keep, Date.now(), CONFIRM_INTERVALS * intervalMs, updateLogDepth(widget.keep, intervalMs));
  }

  /** The range this job answers for, on a dashboard with `time:`. */
  get range(): RangeSpec | undefined {
    return this.#deps.range?.spec;
  }

  /** True for a fixed (absolute) range: the job runs once, not on a schedule. */
  get fixed(): boolean {
    return this.#deps.range !== undefined && !this.#deps.range.spec.live;
  }

  /**
   * Starts listening for pushed changes when the widget has `listen:` and its source can push: a
   * change runs the query at once; changes during a run lead to one more run after it, not one each.
   */
  listen(): void {
    const { source, logger } = this.#deps;
    if (this.widget.listen === undefined || this.#unlisten || this.fixed || typeof source.source.subscribe !== 'function') return;
    try {
      this.#unlisten = source.source.subscribe(this.widget.listen, () => this.#poke(), { variables: this.variables });
    } catch (err) {
      logger.warn({ job: this.key, err: messageOf(err) }, 'cannot listen for changes; the widget runs on its schedule');
    }
  }

  /** Stops listening for pushed changes. */
  unlisten(): void {
    const unlisten = this.#unlisten;
    this.#unlisten = undefined;
    try {
      unlisten?.();
    } catch (err) {
      this.#deps.logger.warn({ job: this.key, err: messageOf(err) }, 'stopping a listener failed');
    }
  }

  #poke(): void {
    if (this.running) this.#again = true;
    else if (!this.#pokeQueued) {
      // A burst of notifications in one turn of the event loop makes one run.
      this.#pokeQueued = true;
      setImmediate(() => {
        this.#pokeQueued = false;
        this.tick(true);
      });
    }
  }

  /** The run in flight, if any (awaited at shutdown). */
  get inflight(): Promise<void> | undefined {
    return this.#inflight;
  }

  /**
   * One tick: runs the query unless the previous run is still going or the job is backing off.
   * `pushed` marks a run caused by a pushed change, whose update should not wait for others.
   */
  tick(pushed = false): void {
    // Another instance runs it: its updates arrive through the cluster.
    if (this.plane !== undefined && !this.plane.runsHere) return;
    if (this.running) {
      this.skipped++;
      this.#deps.metrics.skippedTicks.inc({ reason: 'overlap' });
      return;
    }
    if (Date.now() < this.#backoffUntil) {
      this.#deps.metrics.skippedTicks.inc({ reason: 'backoff' });
      this.#probe();
      return;
    }
    this.pushed = pushed;
    const run = this.#run();
    // A run that failed before its first await (its source out of service) has ended already.
    if (this.running) this.#inflight = run;
  }

  /**
   * While backing off, asks (at most once a second per source) whether the source answers its health check:
   * once it has been down and answers again, the back-off ends and the query runs now, not up to a minute
   * later. A query that fails on a healthy source (a typo in it, say) keeps backing off.
   */
  #probe(): void {
    if (this.#probing) return;
    this.#probing = true;
    void probeSource(this.#deps.source).then((healthy) => {
      this.#probing = false;
      if (!healthy) this.#sourceWasDown = true;
      if (!healthy || !this.#sourceWasDown || this.listeners.size === 0 || this.#deps.shutdown.aborted || Date.now() >= this.#backoffUntil) return;
      this.#sourceWasDown = false;
      this.#backoffUntil = 0;
      this.tick();
    });
  }

  async #run(): Promise<void> {
    const { source, metrics } = this.#deps;
    const name = source.config.name;
    this.running = true;
    this.runs++;
    metrics.hot.queries++;
    const timeoutMs = this.widget.timeoutMs ?? source.config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // The plugin's signal is made only if it reads ctx.signal (core/run-signal.ts).
    const run = this.#guard.start(timeoutMs);
    const maxRows = source.config.maxRows ?? DEFAULT_MAX_ROWS;
    const maxColumns = source.config.maxColumns ?? DEFAULT_MAX_COLUMNS;
    const now = Date.now();
    // A query that uses the viewer's range (:from, :to, :bucket, or a source that answers ranges) gets it whole on
    // every run, resolved anew so a relative one slides: a chart of the window, or a stat counting over it. Any other
    // widget gets its keep window, then what is new since its last run, as on a dashboard without `time:`, so it stays
    // a live widget whatever the picker says; on an absolute range (a zoom) it too gets that range, for its one run.
    const resolved = this.#deps.range === undefined ? undefined : resolveRange(this.#deps.range.spec, this.#deps.range.maxPoints, now);
    const range =
      resolved === undefined || (resolved.live && this.widget.usesRange !== true)
        ? { from: this.#lastTo ?? now - this.#historySpanMs(), to: now }
        : { from: resolved.fromMs, to: resolved.toMs };
    const started = performance.now();
    try {
      if (source.fault !== undefined) throw source.fault; // its plugin is out of service: say why, ask it nothing
      // A fixed range's result does not change: a cached one answers without a query.
      const cache = this.#deps.cache;
      const cached = cache === undefined ? undefined : await cache.store.get(cache.key);
      if (cached !== undefined) metrics.hot.queries--; // counted above as a query, and it was none
      const frame = await run.race(cached !== undefined ? Promise.resolve(cached) : this.#query(run, range, resolved, maxRows, maxColumns));
      this.#check(frame, name, maxColumns);
      // A range widget gets at most about max_points rows, whatever the source gave.
      const capped = this.#deps.range !== undefined && isRangeWidget(this.widget) ? downsample(capRows(frame, maxRows), this.#deps.range.maxPoints) : capRows(frame, maxRows);
      if (cached === undefined) cache?.store.set(cache.key, capped);
      if (cached === undefined) this.#queries.done('ok');
      this.failures = 0;
      this.#backoffUntil = 0;
      this.#sourceWasDown = false;
      this.#lastTo = range.to;
      const update = this.history.applyFrame(capped, Date.now());
      // The history may adopt the frame itself and grow it in place later: the latest delivery is kept apart then.
      this.latest = this.history.frame === capped ? sliceFrame(capped, 0) : capped;
      this.#emit(update);
    } catch (err) {
      const code = failureCode(err);
      this.#queries.done(outcomeOf(code));
      this.failures++;
      this.#backoffUntil = Date.now() + Math.min(this.intervalMs * 2 ** (this.failures - 1), MAX_BACKOFF_MS);
      if (code !== 'RTDASH_SHUTTING_DOWN') {
        this.#deps.logger.warn({ job: this.key, source: name, code, err: messageOf(err), failures: this.failures }, 'query failed');
        const detail = err instanceof RtdashError ? messageOf(err) : withSource(messageOf(err), source);
        this.#emit(this.history.applyError(code, detail, Date.now(), codedError(err)?.message));
      }
    } finally {
      this.#queries.observe((performance.now() - started) / 1000);
      this.#guard.end(run);
      this.running = false;
      this.#inflight = undefined;
      if (this.#again) {
        this.#again = false;
        this.#poke();
      }
    }
  }

  /** Asks the source; a synchronous throw in the plugin becomes a rejection. */
  #query(run: RunSignal, range: TimeRange, resolved: ResolvedRange | undefined, maxRows: number, maxColumns: number): Promise<Frame> {
    // The time fields are there only on a dashboard with `time:`, as before.
    const fields =
      resolved === undefined
        ? { variables: this.variables, range, intervalMs: this.intervalMs, maxRows, maxColumns }
        : { variables: this.variables, range, bucketSeconds: resolved.bucketSeconds, rangeLive: resolved.live, intervalMs: this.intervalMs, maxRows, maxColumns };
    const ctx: QueryContext = withSignal(fields, run);
    try {
      return Promise.resolve(this.#deps.source.source.query(this.widget.query, ctx));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Throws when the source's answer is not a frame, or has more columns than the source allows. */
  #check(frame: Frame, name: string, maxColumns: number): void {
    const problem = this.#frames.accepts(frame) ? undefined : checkFrame(frame);
    if (problem !== undefined) throw new RtdashError('RTDASH_FRAME_MALFORMED', `"${name}" returned a malformed frame: ${problem}`);
    if (frame.fields.length > maxColumns) throw frameTooWide(name, `returned ${frame.fields.length} columns`, maxColumns);
  }

  #emit(entry: UpdateEntry | undefined): void {
    if (entry === undefined) return;
    if (this.plane !== undefined) this.plane.publish(entry);
    else this.deliver(entry);
  }

  /**
   * The seq of the state this instance's viewers have been given: the history's, except in a cluster while an
   * update made here is on its way to the stream (its viewers get it once the stream took it).
   */
  get shownSeq(): number {
    return this.plane?.shownSeq ?? this.history.seq;
  }

  /** Whether the history holds nothing viewers have not been given (in a cluster: no update on its way to the stream). */
  get idle(): boolean {
    return this.plane?.idle ?? true;
  }

  /** Gives an update to every listener: one made here, or (in a cluster) one the job's holder made. */
  deliver(entry: UpdateEntry): void {
    for (const listener of this.listeners) {
      try {
        listener(entry, this);
      } catch (err) {
        this.#deps.logger.error({ job: this.key, err: messageOf(err) }, 'job listener failed');
      }
    }
  }

  #historySpanMs(): number {
    const keep = this.widget.keep;
    return keep.kind === 'duration' ? keep.ms : keep.count * this.intervalMs;
  }
}

/**
 * A query error as the log and admins see it names its source, like `postgres "shopdb": …`; plugins that
 * say so themselves are left as they are.
 */
function withSource(message: string, source: SourceInstance): string {
  const { name, type } = source.config;
  if (message.includes(`"${name}"`)) return message;
  const bare = message.startsWith(`${type}: `) ? message.slice(type.length + 2) : message;
  return `${type} "${name}": ${bare}`;
}
