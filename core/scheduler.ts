/**
 * The scheduler: one job per (widget, variable values, time range on a dashboard with `time:`), started by
 * its first listener (a viewer or a rule), stopped at its first tick after the last listener left. A job
 * for a fixed (absolute) range runs once, with no schedule, and ends when its last listener leaves. Jobs
 * that share an interval are aligned to the clock and fire in the same timer turn, whatever their dashboard:
 * the updates of every dashboard due at that moment reach the hub together and go out in one pass over the
 * sockets, not one pass per dashboard a few milliseconds apart (docs/benchmarks.md, "Scale").
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import { RtdashError } from './errors.js';
import type { Dashboard, Widget } from './model.js';
import type { Logger } from './plugin.js';
import type { Metrics } from './metrics.js';
import type { SourceInstance } from './registry.js';
import { Job, type JobListener } from './job.js';
import type { RangeCache } from './range-cache.js';
import { checkRange, type RangeSpec } from './time-range.js';
import type { JobPlane } from './cluster/job-plane.js';

interface Timed {
  job: Job;
  /** The clock-aligned tick it shares with the jobs of the same interval. */
  slot?: Slot;
  cron?: ScheduledTask;
}

/** The jobs that tick at the same times (same interval): one timer for all of them, not one per job. */
interface Slot {
  interval: number;
  due: number;
  timer?: NodeJS.Timeout;
  members: Set<Timed>;
}

/** What the scheduler needs from the server. */
export interface SchedulerDeps {
  source(name: string): SourceInstance | undefined;
  metrics: Metrics;
  logger: Logger;
  /** Where fixed-range results are kept for later viewers (none: every fixed-range job queries). */
  rangeCache?: RangeCache | undefined;
  /** The source a viewer's job of a recorded widget reads instead of the widget's own (core/recorder.ts). */
  recorded?(dashboard: Dashboard, widget: Widget): SourceInstance | undefined;
  /** With `cluster.redis`: where a live job learns whether it runs here or follows another instance (core/cluster/). */
  cluster?: { attach(job: Job): JobPlane } | undefined;
}

/** Owns every job and its timer. */
export class Scheduler {
  readonly #jobs = new Map<string, Timed>();
  /** Interval in ms → its slot. */
  readonly #slots = new Map<number, Slot>();
  readonly #deps: SchedulerDeps;
  readonly #shutdown = new AbortController();

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
    // Recorders and tests may listen too; the runs in flight share one listener (core/run-signal.ts).
    setMaxListeners(0, this.#shutdown.signal);
  }

  /** Number of jobs with a timer. */
  get size(): number {
    return this.#jobs.size;
  }

  /** All jobs (for metrics, the API and tests). */
  jobs(): Job[] {
    return [...this.#jobs.values()].map((t) => t.job);
  }

  /**
   * Adds a listener to the job of (widget, the values of the variables it uses, the range), creating and
   * starting the job if it is the first. On a dashboard with `time:`, `range` is the viewer's (checked with
   * checkRange); left out, the dashboard's default. Returns the job; give the same listener to `release`.
   */
  acquire(dashboard: Dashboard, widget: Widget, variables: Readonly<Record<string, string>>, listener: JobListener, range?: RangeSpec): Job {
    if (this.#shutdown.signal.aborted) throw new RtdashError('RTDASH_SHUTTING_DOWN', 'the server is shutting down');
    const used: Record<string, string> = {};
    for (const name of widget.variables) used[name] = variables[name] ?? '';
    const spec = dashboard.time === undefined ? undefined : (range ?? checkRange(dashboard.id, dashboard.time, undefined, Date.now()));
    const key = jobKey(dashboard, widget, used, spec);
    let timed = this.#jobs.get(key);
    // A fixed range that failed runs again for the next viewer rather than never.
    if (timed !== undefined && timed.job.fixed && timed.job.history.status === 'error' && !timed.job.running) timed.job.tick();
    if (timed === undefined) {
      const source = widget.source === undefined ? undefined : (this.#deps.recorded?.(dashboard, widget) ?? this.#deps.source(widget.source));
      if (source === undefined) throw new RtdashError('RTDASH_SOURCE_UNKNOWN', `widget "${widget.id}" uses unknown source "${widget.source}"`);
      const intervalMs = widget.schedule.kind === 'every' ? widget.schedule.ms : cronIntervalMs(widget.schedule.expression);
      const job = new Job(key, widget, used, intervalMs, {
        source,
        metrics: this.#deps.metrics,
        logger: this.#deps.logger,
        shutdown: this.#shutdown.signal,
        range: spec === undefined ? undefined : { spec, maxPoints: dashboard.time!.maxPoints },
        // The dashboard's version in the key: an edited file never gets a result of its previous meaning.
        cache: spec === undefined || spec.live || this.#deps.rangeCache === undefined ? undefined : { store: this.#deps.rangeCache, key: `${dashboard.version}/${key}` },
      });
      timed = { job };
      this.#jobs.set(key, timed);
      this.#start(timed);
    }
    timed.job.listeners.add(listener);
    return timed.job;
  }

  /** Removes a listener. The job stops at its next tick if no listener is left (a fixed-range job, which has no ticks, at once). */
  release(job: Job, listener: JobListener): void {
    job.listeners.delete(listener);
    const timed = this.#jobs.get(job.key);
    if (job.fixed && job.listeners.size === 0 && timed?.job === job) {
      this.#clear(timed);
      this.#jobs.delete(job.key);
    }
  }

  /** Stops every job, cancels the runs in flight, and waits for them to settle. */
  async stop(): Promise<void> {
    this.#shutdown.abort();
    const inflight: Promise<void>[] = [];
    for (const timed of this.#jobs.values()) {
      this.#clear(timed);
      if (timed.job.inflight) inflight.push(timed.job.inflight);
    }
    this.#jobs.clear();
    await Promise.allSettled(inflight);
  }

  #start(timed: Timed): void {
    const { job } = timed;
    // A fixed range runs once wherever it is asked for (its result is shared through the range cache).
    if (!job.fixed && this.#deps.cluster !== undefined) job.plane = this.#deps.cluster.attach(job);
    job.tick(); // the first viewer should not wait a whole interval for data (in a cluster, its holder's run)
    if (job.fixed) return; // a fixed range's data does not change: one run, no schedule
    job.listen();
    const schedule = job.widget.schedule;
    if (schedule.kind === 'cron') {
      timed.cron = cronSchedule(schedule.expression, () => this.#fire(timed), { name: job.key });
      return;
    }
    const interval = schedule.ms;
    let slot = this.#slots.get(interval);
    if (slot === undefined) {
      // Timers may fire a little before `due` by Date.now(); deriving the next tick from the previous
      // one (not from the clock) keeps one tick per interval instead of firing twice.
      slot = { interval, due: Math.floor(Date.now() / interval) * interval, members: new Set() };
      this.#slots.set(interval, slot);
      this.#arm(slot);
    }
    slot.members.add(timed);
    timed.slot = slot;
  }

  #arm(slot: Slot): void {
    const now = Date.now();
    slot.due += slot.interval;
    if (slot.due <= now) slot.due += Math.ceil((now - slot.due + 1) / slot.interval) * slot.interval; // missed ticks are skipped, not replayed
    slot.timer = setTimeout(() => {
      for (const timed of slot.members) this.#fire(timed);
      if (this.#slots.get(slot.interval) === slot) this.#arm(slot);
    }, slot.due - now);
  }

  /** One tick of a job: runs it, or stops it when nobody listens any more. */
  #fire(timed: Timed): void {
    const { job } = timed;
    if (job.listeners.size === 0) {
      this.#clear(timed);
      if (this.#jobs.get(job.key) === timed) this.#jobs.delete(job.key);
      return;
    }
    job.tick();
  }

  #clear(timed: Timed): void {
    timed.job.unlisten();
    timed.job.plane?.detach();
    const slot = timed.slot;
    timed.slot = undefined;
    if (slot !== undefined) {
      slot.members.delete(timed);
      if (slot.members.size === 0 && this.#slots.get(slot.interval) === slot) {
        clearTimeout(slot.timer);
        this.#slots.delete(slot.interval);
      }
    }
    if (timed.cron) {
      void timed.cron.destroy();
      timed.cron = undefined;
    }
  }
}

/**
 * The identity of a job: the widget's definition (so an edited widget gets a fresh job), its variable values
 * and, on a dashboard with `time:`, the range (as written for a relative one, `now-6h|now`; in ms for a fixed one).
 */
function jobKey(dashboard: Dashboard, widget: Widget, used: Record<string, string>, range: RangeSpec | undefined): string {
  const { position: _position, ...definition } = widget;
  // The time settings change what a run asks (max_points picks the bucket), so they are part of the definition.
  const hash = createHash('sha256').update(JSON.stringify({ ...definition, time: dashboard.time })).digest('base64url').slice(0, 12);
  const vars = Object.entries(used).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${dashboard.id}/${widget.id}#${hash}${vars ? '?' + vars : ''}${range === undefined ? '' : `@${encodeURIComponent(range.key)}`}`;
}

/** The gap between the next two runs of a cron expression, used for back-off and the first time range. */
function cronIntervalMs(expression: string): number {
  const probe = cronSchedule(expression, () => undefined, { name: 'rtdash-probe' });
  try {
    const [a, b] = probe.getNextRuns(2);
    return a && b ? Math.max(1000, b.getTime() - a.getTime()) : 60_000;
  } finally {
    void probe.destroy();
  }
}
