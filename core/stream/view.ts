/**
 * A view: one dashboard with one set of variable values, watched by one or more peers. It holds the
 * jobs of its widgets, gathers their updates between flushes, and turns them into one message that
 * every peer of the view receives as the same bytes.
 */
import type { Dashboard } from '../model.js';
import type { Job, JobListener } from '../job.js';
import type { UpdateEntry } from '../widget-history.js';
import type { Scheduler } from '../scheduler.js';
import { publicDashboard, type PublicTime } from '../public-dashboard.js';
import { resolveRange, type RangeSpec } from '../time-range.js';
import type { QueryVariableOptions } from '../query-variables.js';
import { parentValues } from '../variables.js';
import { encodeCursor, snapshotMessage, updateMessage, updatePrefix, type Outgoing, type SnapshotRange } from './protocol.js';
import type { Peer } from './peer.js';

/** How long a resume from an instance that was ahead waits for this one to catch up, before it gets what there is. */
const RESUME_WAIT_MS = 2000;

/** Why a snapshot is sent. */
export type SnapshotReason = 'subscribe' | 'reload' | 'resume';

/** The updates a view gathered since its last flush, as one message for all its peers. */
export interface Batch {
  readonly view: View;
  readonly message: Outgoing;
  /** Widget id → the seq before this batch: where a peer that does not get it stands. */
  readonly before: Readonly<Record<string, number>>;
}

/** One (dashboard, variable values, time range) triple and its peers. */
export class View {
  readonly key: string;
  readonly dashboard: Dashboard;
  readonly variables: Readonly<Record<string, string>>;
  /** On a dashboard with `time:`: the range its viewers asked for (or the default). */
  readonly range: RangeSpec | undefined;
  /** Widget id → its job, for widgets with a source. */
  readonly jobs = new Map<string, Job>();
  readonly #peers = new Set<Peer>();
  /** Updates waiting for the next flush. */
  #pending: UpdateEntry[] = [];
  /** Widget id → the seq every in-step peer has seen (as of the last flush). */
  #positions = new Map<string, number>();
  readonly #listener: JobListener;
  readonly #scheduler: Scheduler;
  readonly #prefix: string;
  #definition: string;
  readonly #options: QueryVariableOptions | undefined;
  readonly #time: PublicTime | undefined;
  /** Lets go of the options of its query variables. */
  readonly #release: () => void;
  /**
   * The last snapshot built per reason, and the widget states it was built from: every subscriber until
   * one of them changes gets the same message, so it is serialised and encoded once, and the bytes queued
   * for many clients are one buffer.
   */
  readonly #snapshots = new Map<SnapshotReason, { widgets: string[]; message: Outgoing }>();

  /** `time`: the dashboard's time settings as its viewers' embed token narrows them (EmbedAccess.timeFor), shown in the definition. */
  constructor(key: string, dashboard: Dashboard, variables: Record<string, string>, scheduler: Scheduler, onDirty: (view: View, urgent: boolean) => void, range?: RangeSpec, options?: QueryVariableOptions, time?: PublicTime) {
    this.key = key;
    this.dashboard = dashboard;
    this.variables = variables;
    this.range = range;
    this.#scheduler = scheduler;
    this.#options = options;
    this.#time = time;
    this.#release = options?.hold(dashboard, variables) ?? (() => undefined);
    this.#prefix = updatePrefix(dashboard.id);
    this.#definition = this.#describe();
    this.#listener = (entry, job) => {
      this.#pending.push(entry);
      onDirty(this, job.pushed);
    };
    for (const widget of dashboard.widgets) {
      if (widget.source === undefined) continue;
      const job = scheduler.acquire(dashboard, widget, variables, this.#listener, range);
      this.jobs.set(widget.id, job);
      this.#positions.set(widget.id, job.shownSeq);
    }
  }

  /** The peers watching this view. */
  get peers(): ReadonlySet<Peer> {
    return this.#peers;
  }

  /** Whether updates wait for the next flush. */
  get hasPending(): boolean {
    return this.#pending.length > 0;
  }

  /** Settles once every job of a cluster knows its role and holds the cluster's state; undefined when all do already. */
  whenReady(resume?: Readonly<Record<string, number>>): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    for (const [id, job] of this.jobs) {
      const plane = job.plane;
      if (plane === undefined) continue;
      const seen = resume?.[id];
      // A resume from an instance that was ahead (it held the job and published more before it went) waits for the relay.
      const ahead = typeof seen === 'number' && Number.isSafeInteger(seen) && seen > plane.shownSeq;
      if (plane.settled && plane.idle && !ahead) continue;
      waits.push(plane.ready.then(() => plane.whenIdle()).then(() => (ahead ? plane.whenShown(seen, RESUME_WAIT_MS) : undefined)));
    }
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  /** Whether every job's history holds only what its viewers were given (see Job.idle): a snapshot or catch-up now is what they would get. */
  get idle(): boolean {
    for (const job of this.jobs.values()) if (!job.idle) return false;
    return true;
  }

  /** Settles once every update of the view's jobs that is on its way to the cluster arrived (see `idle`). */
  whenIdle(): Promise<void> {
    return Promise.all([...this.jobs.values()].map((job) => job.plane?.whenIdle())).then(() => undefined);
  }

  /** Adds a peer. */
  join(peer: Peer): void {
    this.#peers.add(peer);
  }

  /** Removes a peer; returns true when nobody is left. */
  leave(peer: Peer): boolean {
    this.#peers.delete(peer);
    return this.#peers.size === 0;
  }

  /**
   * Builds the definition again with the current options of its query variables; true when it changed (the
   * peers then need a new snapshot).
   */
  refreshDefinition(): boolean {
    const next = this.#describe();
    if (next === this.#definition) return false;
    this.#definition = next;
    this.#snapshots.clear();
    return true;
  }

  /** The viewer-safe definition, each query variable with its options for this view's values. */
  #describe(): string {
    const definition = publicDashboard(this.dashboard);
    if (this.#time !== undefined) definition.time = this.#time;
    const options = this.#options;
    if (options !== undefined) {
      definition.variables = definition.variables.map((pv) => {
        const v = pv.type === 'query' ? this.dashboard.variables.find((d) => d.name === pv.name) : undefined;
        if (pv.type !== 'query' || v?.type !== 'query') return pv;
        const current = options.current(this.dashboard, v, parentValues(v, this.variables));
        return { ...pv, options: current?.options ?? [], ...(current?.error !== undefined && { error: current.error }) };
      });
    }
    return JSON.stringify(definition);
  }

  /** Lets go of every job (they stop at their next tick if nobody else listens). */
  dispose(): void {
    this.#release();
    for (const job of this.jobs.values()) this.#scheduler.release(job, this.#listener);
    this.jobs.clear();
    this.#pending = [];
    this.#snapshots.clear();
  }

  /** The pending updates as one batch, or undefined when there are none. */
  takeBatch(): Batch | undefined {
    if (this.#pending.length === 0) return undefined;
    const entries = this.#pending;
    this.#pending = [];
    const before = Object.fromEntries(this.#positions);
    const positions = this.currentPositions();
    this.#positions = positions;
    const version = this.dashboard.version;
    return { view: this, message: updateMessage(this.#prefix, Date.now(), entries, () => encodeCursor(version, positions)), before };
  }

  /** Every widget's whole state, with the viewer-safe definition. */
  snapshot(reason: SnapshotReason): Outgoing {
    const widgets = [...this.jobs.values()].map((job) => job.history.snapshot());
    const cached = this.#snapshots.get(reason);
    // A widget's snapshot string is rebuilt only when its state changes, so the same strings mean the same state.
    if (cached !== undefined && cached.widgets.length === widgets.length && cached.widgets.every((w, i) => w === widgets[i])) return cached.message;
    const { id: dashboard, version } = this.dashboard;
    const range = this.#resolvedRange();
    const message = snapshotMessage(
      { dashboard, version, reason, vars: this.variables, ...(range !== undefined && { range }), definitionJson: this.#definition, widgets },
      encodeCursor(version, this.currentPositions()),
    );
    this.#snapshots.set(reason, { widgets, message });
    return message;
  }

  /**
   * What a peer that has seen `from` is missing, as one `update` message marked `resumed`: the exact
   * updates where the history reaches back, the whole state of a widget where it does not.
   */
  catchUp(from: Readonly<Record<string, number>>, resumes?: { exact: number; snapshot: number }): Outgoing {
    const parts: (UpdateEntry | string)[] = [];
    for (const [id, job] of this.jobs) {
      const seen = from[id];
      const shown = job.shownSeq;
      const missed = seen === undefined ? undefined : job.history.since(seen)?.filter((entry) => entry.seq <= shown);
      if (missed !== undefined) {
        for (const entry of missed) parts.push(entry);
        if (resumes !== undefined) resumes.exact++;
      }
      // A job that restarted has no data yet: say nothing, so the client keeps what it has until the
      // job's first run sends the whole history.
      else if (job.history.status !== 'pending' || seen === undefined) {
        parts.push(job.history.snapshot());
        if (resumes !== undefined) resumes.snapshot++;
      }
    }
    const positions = this.currentPositions();
    const version = this.dashboard.version;
    return updateMessage(this.#prefix, Date.now(), parts, () => encodeCursor(version, positions), true);
  }

  /** The snapshot's range: as asked and as resolved when the snapshot is built; undefined without `time:`. */
  #resolvedRange(): SnapshotRange | undefined {
    const { range, dashboard } = this;
    if (range === undefined || dashboard.time === undefined) return undefined;
    const resolved = resolveRange(range, dashboard.time.maxPoints, Date.now());
    return { from: range.from, to: range.to, fromMs: resolved.fromMs, toMs: resolved.toMs, live: resolved.live, bucket: resolved.bucketSeconds };
  }

  /** Widget id → the seq of its latest state. */
  currentPositions(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, job] of this.jobs) out.set(id, job.shownSeq);
    return out;
  }
}
