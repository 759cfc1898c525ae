/**
 * Recorded widgets (docs/time.md, "Recorded widgets"): a widget with `record:` has a job that runs on its
 * schedule from server start whether anyone watches or not, and puts its points in the record store.
 * Widgets that ask the same source the same query on the same schedule share one series and one job. The
 * jobs of viewers of a recorded widget read the store instead of the source, so history is there at once and
 * a range over the widget never asks the source for the past.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import { Gauge } from 'prom-client';
import { RtdashError } from './errors.js';
import type { Frame } from './frame.js';
import { Job } from './job.js';
import type { Metrics } from './metrics.js';
import type { Dashboard, ServerConfig, Widget } from './model.js';
import type { Logger, QueryContext } from './plugin.js';
import type { RecordRedisOptions } from './record-redis.js';
import { RecordStore } from './record-store.js';
import type { SourceInstance } from './registry.js';
import { isRangeWidget } from './time-range.js';
import type { JobPlane } from './cluster/job-plane.js';

/** How far ahead of the clock-aligned tick a recording runs. */
const RECORD_LEAD_MS = 50;

/** What the recorder needs from the server. */
export interface RecorderDeps {
  source(name: string): SourceInstance | undefined;
  /** `storage` of the config: the store's folder is `dir/records`, its cap `recordMaxBytes`. */
  storage: Pick<ServerConfig['storage'], 'dir' | 'recordMaxBytes'>;
  /** With `cluster.redis` and storage type `redis`: the points are kept in Redis instead of the folder. */
  redis?: RecordRedisOptions | undefined;
  metrics: Metrics;
  logger: Logger;
  /** With `cluster.redis`: one instance records each series, the others take its points as relayed updates. */
  cluster?: { attach(job: Job): JobPlane } | undefined;
}

interface Recording {
  key: string;
  job: Job;
  widgets: string[];
  timer?: NodeJS.Timeout;
  cron?: ScheduledTask;
}

/** The series of a recorded widget: its source, query and schedule (not its id, title or looks). */
export function seriesKey(widget: Widget): string {
  const what = JSON.stringify({ source: widget.source, query: widget.query, schedule: widget.schedule, listen: widget.listen ?? null });
  return createHash('sha256').update(what).digest('hex').slice(0, 20);
}

/** Runs the jobs of recorded widgets and serves their viewers from the store. */
export class Recorder {
  readonly #deps: RecorderDeps;
  /** Where the points are kept. */
  readonly store: RecordStore;
  readonly #recordings = new Map<string, Recording>();
  readonly #shutdown = new AbortController();

  constructor(deps: RecorderDeps) {
    this.#deps = deps;
    const { dir, recordMaxBytes } = deps.storage;
    this.store = new RecordStore({ dir, ...(recordMaxBytes === undefined ? {} : { maxBytes: recordMaxBytes }), redis: deps.redis, logger: deps.logger });
    this.store.start();
    setMaxListeners(0, this.#shutdown.signal);
    const registers = [deps.metrics.registry];
    const store = this.store;
    new Gauge({ name: 'rtdash_recorded_series', help: 'Series of recorded widgets held', registers, collect() { this.set(store.totals().series); } });
    new Gauge({ name: 'rtdash_recorded_points', help: 'Points of recorded widgets held in memory', registers, collect() { this.set(store.totals().points); } });
    new Gauge({ name: 'rtdash_recorded_bytes', help: 'Estimated memory the points of recorded widgets take, against storage.record_max_mb', registers, collect() { this.set(store.totals().bytes); } });
  }

  /** The recording jobs, by series key (for tests and metrics). */
  jobs(): Map<string, Job> {
    return new Map([...this.#recordings].map(([key, r]) => [key, r.job]));
  }

  /**
   * Brings the recordings in line with the dashboards: starts the series of new recorded widgets, updates how
   * long each keeps its points (the longest `record` of its widgets), and stops those no widget records any more.
   */
  sync(dashboards: readonly Dashboard[]): void {
    if (this.#shutdown.signal.aborted) return;
    const wanted = new Map<string, { widget: Widget; keepMs: number; labels: string[] }>();
    for (const dashboard of dashboards) {
      for (const widget of dashboard.widgets) {
        if (widget.recordMs === undefined || widget.source === undefined) continue;
        const key = seriesKey(widget);
        const label = `${dashboard.id}/${widget.id}`;
        const entry = wanted.get(key);
        if (entry === undefined) wanted.set(key, { widget, keepMs: widget.recordMs, labels: [label] });
        else {
          entry.keepMs = Math.max(entry.keepMs, widget.recordMs);
          entry.labels.push(label);
        }
      }
    }
    for (const [key, recording] of this.#recordings) {
      if (wanted.has(key)) continue;
      this.#stopOne(recording);
      this.#recordings.delete(key);
      this.store.drop(key);
    }
    for (const [key, { widget, keepMs, labels }] of wanted) {
      const label = `widget${labels.length > 1 ? 's' : ''} ${labels.join(', ')}`;
      this.store.open(key, label, keepMs, widget.schedule.kind === 'every' ? widget.schedule.ms : 60_000);
      const known = this.#recordings.get(key);
      if (known !== undefined) {
        known.widgets = labels;
        continue;
      }
      const source = this.#deps.source(widget.source!);
      if (source === undefined) continue; // the dashboard was refused for it already
      this.#start(key, widget, source, labels);
    }
  }

  /**
   * The source a viewer's job of a recorded widget asks: the store. A range chart on a dashboard with `time:`
   * gets the range at its bucket; every other widget gets the points of its `keep` window as recorded.
   * Undefined for a widget that is not recorded.
   */
  sourceFor(_dashboard: Dashboard, widget: Widget): SourceInstance | undefined {
    if (widget.recordMs === undefined || widget.source === undefined) return undefined;
    const real = this.#deps.source(widget.source);
    if (real === undefined) return undefined;
    const key = seriesKey(widget);
    const store = this.store;
    let answered = false;
    const read = (ctx: QueryContext): Frame => {
      const ranged = ctx.bucketSeconds !== undefined && isRangeWidget(widget);
      const keep = widget.keep;
      // Not "since the last run": a slow source's point may land after a viewer's read with a time before it.
      // The whole keep window each run, and the viewer's history takes what is newer than what it has.
      const from = ranged ? ctx.range.from : keep.kind === 'duration' ? ctx.range.to - keep.ms : -Infinity;
      // The newest rows when there are more than a result may hold (a 24h keep at 1s), never the oldest.
      const newest = ranged ? Infinity : Math.min(keep.kind === 'points' ? keep.count : Infinity, ctx.maxRows);
      const frame = store.read(key, from, ctx.range.to, ranged ? ctx.bucketSeconds : undefined, newest);
      const history = this.#recordings.get(key)?.job.history;
      // A failing recording shows its error over the data viewers have; a viewer's first answer is the history.
      if (history?.status === 'error' && history.error !== undefined && (answered || frame === undefined)) {
        throw new RtdashError(history.error.code, history.errorDetail ?? history.error.message);
      }
      answered = true;
      return frame ?? { fields: [] };
    };
    return {
      config: real.config,
      plugin: real.plugin,
      source: { query: (_query: unknown, ctx: QueryContext) => store.ready(key).then(() => read(ctx)), health: (signal: AbortSignal) => real.source.health(signal) },
      close: () => Promise.resolve(),
    };
  }

  /** Stops every recording job, waits for runs in flight, and writes the points not yet on disk or in Redis. */
  async stop(): Promise<void> {
    this.#shutdown.abort();
    const inflight: Promise<void>[] = [];
    for (const recording of this.#recordings.values()) {
      this.#stopOne(recording);
      if (recording.job.inflight) inflight.push(recording.job.inflight);
    }
    this.#recordings.clear();
    await Promise.allSettled(inflight);
    await this.store.close();
  }

  #start(key: string, widget: Widget, source: SourceInstance, labels: string[]): void {
    const { metrics, logger } = this.#deps;
    const store = this.store;
    const intervalMs = widget.schedule.kind === 'every' ? widget.schedule.ms : 60_000;
    // The job's own history only has to tell new points from old: the store keeps them.
    const job = new Job(`record:${key}`, { ...widget, keep: { kind: 'points', count: 2 } }, {}, intervalMs, { source, metrics, logger, shutdown: this.#shutdown.signal });
    job.listeners.add((_entry, ran) => {
      if (ran.latest !== undefined && ran.history.status === 'ok') store.append(key, ran.latest, Date.now());
    });
    const recording: Recording = { key, job, widgets: labels };
    this.#recordings.set(key, recording);
    // The job's frames reach every instance's store; only the instance holding its lease asks the source.
    if (this.#deps.cluster !== undefined) job.plane = this.#deps.cluster.attach(job);
    job.tick();
    job.listen();
    const schedule = widget.schedule;
    if (schedule.kind === 'cron') {
      recording.cron = cronSchedule(schedule.expression, () => job.tick(), { name: job.key });
      return;
    }
    const interval = schedule.ms;
    // A little ahead of the clock-aligned ticks viewers' jobs run on, so the point is recorded when they read.
    const lead = Math.min(RECORD_LEAD_MS, Math.floor(interval / 4));
    let due = Math.floor(Date.now() / interval) * interval - lead;
    const next = () => {
      const now = Date.now();
      due += interval;
      if (due <= now) due += Math.ceil((now - due + 1) / interval) * interval; // missed ticks are skipped
      recording.timer = setTimeout(() => {
        job.tick();
        if (this.#recordings.get(key) === recording) next();
      }, due - now);
    };
    next();
  }

  #stopOne(recording: Recording): void {
    recording.job.unlisten();
    recording.job.plane?.detach();
    if (recording.timer !== undefined) clearTimeout(recording.timer);
    recording.timer = undefined;
    if (recording.cron !== undefined) void recording.cron.destroy();
    recording.cron = undefined;
  }
}
