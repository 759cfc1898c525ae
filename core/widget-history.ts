/**
 * One widget's data as viewers see it: the kept history, the status, and a bounded log of the
 * serialised updates that built it, so a viewer that reconnects gets exactly what it missed.
 */
import type { Frame } from './frame.js';
import { rowCount, sliceFrame, timeField } from './frame.js';
import { ERRORS, type ErrorCode } from './errors.js';
import type { Keep } from './model.js';
import { entryHead } from './stream/protocol.js';
import { deltaBody, frameDelta, metaBody, rowEquals, sameColumns, type FrameDelta } from './frame-delta.js';
import { sortedByTime, trimInPlace, trimmed } from './keep-window.js';

/** `pending` until the first run ends. */
export type WidgetStatus = 'pending' | 'ok' | 'error';

/**
 * An update as it goes on the wire, serialised once and shared by every viewer: `head` (`{"w":"ID"`) and
 * `body` (what changed, closing the object) are joined with its age in the message (protocol.ts entryJson).
 */
export interface UpdateEntry {
  readonly seq: number;
  /** When the state changed, epoch ms. */
  readonly at: number;
  readonly head: string;
  readonly body: string;
  /** A whole state (with its own seq and times), not a change. */
  readonly full?: true;
}

import { widgetTraits, type MergeMode } from './widget-types.js';

export type { MergeMode };

const MAX_LOG_ENTRIES = 512;
const MIN_LOG_ENTRIES = 64;
const MAX_LOG_BYTES = 1 << 20;

/**
 * How many updates a widget's log keeps for resuming: about as many as make up its kept history (64 to 512).
 * Resuming further back would replay more than the whole state, which the viewer gets instead; and every entry
 * kept is one more object the garbage collector walks on each full collection, for every widget.
 * @example updateLogDepth({ kind: 'points', count: 60 }, 1000) // 64
 */
export function updateLogDepth(keep: Keep, intervalMs: number): number {
  const entries = keep.kind === 'points' ? keep.count : Math.ceil(keep.ms / Math.max(1, intervalMs));
  return Math.min(MAX_LOG_ENTRIES, Math.max(MIN_LOG_ENTRIES, entries));
}

/** A widget's whole state, as another instance made it (core/cluster/). */
export interface RestoredState {
  seq: number;
  at: number;
  status: WidgetStatus;
  error: { code: ErrorCode; message: string } | undefined;
  lastGoodAt: number | null;
  frame: Frame;
}

/** The history, status and update log of one job. */
export class WidgetHistory {
  readonly widgetId: string;
  readonly mode: MergeMode;
  /** The seq this history started from: seqs below it belong to an earlier life of the job. */
  firstSeq: number;
  seq: number;
  status: WidgetStatus = 'pending';
  /** The error as viewers see it: its code and, for a source's failure, only the code's sentence. */
  error: { code: ErrorCode; message: string } | undefined;
  /** The full message of the current error, for the log and admins only: never in an update or a snapshot. */
  errorDetail: string | undefined;
  /** Time of the last successful run, epoch ms. */
  lastGoodAt: number | undefined;
  /** Time of the last state change, epoch ms. */
  at: number;
  #frame: Frame = { fields: [] };
  #keep: Keep;
  #log: UpdateEntry[] = [];
  #logBytes = 0;
  #snapshot: string | undefined;
  /** `{"w":"ID"`: what every entry of this widget starts with on the wire. */
  readonly head: string;
  readonly #confirmAfterMs: number;
  readonly #logDepth: number;
  /** The `lastGoodAt` viewers last heard of. */
  #confirmedGoodAt = 0;

  /**
   * @param firstSeq where sequence numbers start; pass something larger than any seq an earlier
   *   life of this job handed out (the clock in ms does: a job never makes 1,000 updates a second).
   * @param confirmAfterMs how long unchanged data may go without an update; then a small one (no
   *   data) carries the new last good time, so viewers can tell "unchanged" from "stale".
   * @param logDepth how many updates the log keeps for resuming (updateLogDepth).
   */
  constructor(widgetId: string, mode: MergeMode, keep: Keep, firstSeq: number, confirmAfterMs = Infinity, logDepth = MAX_LOG_ENTRIES) {
    this.#confirmAfterMs = confirmAfterMs;
    this.#logDepth = logDepth;
    this.widgetId = widgetId;
    this.head = entryHead(widgetId);
    this.mode = mode;
    this.#keep = keep;
    this.firstSeq = firstSeq;
    this.seq = firstSeq;
    this.at = Date.now();
  }

  /** The kept history (append mode) or the latest frame (replace mode). */
  get frame(): Frame {
    return this.#frame;
  }

  /** The newest time value in the history, if the widget is a time series with points. */
  lastTime(): number | undefined {
    const t = timeField(this.#frame);
    const n = t?.values.length ?? 0;
    return n > 0 ? (t!.values[n - 1] as number) : undefined;
  }

  /**
   * Applies a successful run. Returns the update to send (only what changed: rows added and dropped, or
   * values under the columns viewers know), or undefined when nothing changed.
   */
  applyFrame(frame: Frame, now: number): UpdateEntry | undefined {
    const recovered = this.status !== 'ok';
    this.status = 'ok';
    this.error = undefined;
    this.errorDetail = undefined;
    this.lastGoodAt = now;
    const prev = this.#frame;
    let delta: FrameDelta;
    if (this.mode === 'append' && timeField(frame) && sameColumns(prev, frame) && rowCount(prev) > 0) {
      delta = this.#appendRows(frame);
    } else {
      // `keep` bounds a time series' history; a frame without time (a bar per region) is a whole state.
      const next = this.mode === 'append' && timeField(frame) ? trimmed(sortedByTime(frame), this.#keep) : frame;
      delta = frameDelta(prev, next);
      this.#frame = next;
    }
    if (delta.kind === 'same') return recovered ? this.#record(now, '}') : this.#confirm(now);
    return this.#record(now, `${deltaBody(delta, this.#frame)}${metaBody(this.#frame)}}`);
  }

  /**
   * Applies a failed run: the data stays, the status says why. `detail` is the full message; viewers get
   * `exposed` (the coded error's own text) only for codes the catalogue exposes, else the code's sentence.
   * Repeats of what viewers saw send nothing.
   */
  applyError(code: ErrorCode, detail: string, now: number, exposed = detail): UpdateEntry | undefined {
    const message = ERRORS[code].expose ? exposed : ERRORS[code].summary;
    this.errorDetail = detail;
    if (this.status === 'error' && this.error?.code === code && this.error.message === message) return undefined;
    this.status = 'error';
    this.error = { code, message };
    return this.#record(now, `,"e":${JSON.stringify(this.error)}}`);
  }

  /**
   * The updates after `seq`, oldest first; undefined when the log no longer reaches back that far
   * (or `seq` is from an earlier life of the job), and the viewer needs the whole state instead.
   */
  since(seq: number): UpdateEntry[] | undefined {
    if (!Number.isSafeInteger(seq) || seq < this.firstSeq || seq > this.seq) return undefined;
    if (seq === this.seq) return [];
    const first = this.#log[0];
    if (first === undefined || first.seq > seq + 1) return undefined;
    return this.#log.slice(seq + 1 - first.seq);
  }

  /** The whole state as one full entry (with its seq, times, status and frame), serialised once per change. */
  snapshot(): string {
    this.#snapshot ??= this.#full(this.error);
    return this.#snapshot;
  }

  /** The whole state as a full entry under its seq, as viewers get it in an update. */
  wholeEntry(): UpdateEntry {
    return { seq: this.seq, at: this.at, head: this.head, body: this.snapshot().slice(this.head.length), full: true };
  }

  /** The snapshot with the error's full message as `error.detail`: for admins only. */
  detailedSnapshot(): string {
    if (this.error === undefined || this.errorDetail === undefined) return this.snapshot();
    return this.#full({ ...this.error, detail: this.errorDetail });
  }

  /** The whole state, as another instance would restore it. */
  state(): RestoredState {
    return { seq: this.seq, at: this.at, status: this.status, error: this.error, lastGoodAt: this.lastGoodAt ?? null, frame: this.#frame };
  }

  /**
   * Takes a state made by another instance (core/cluster/) as a whole, with the log of entries that led to it
   * (oldest first, contiguous, the last one at `state.seq`; may be empty): viewers resume here as anywhere else.
   */
  load(state: RestoredState, log: readonly UpdateEntry[]): void {
    this.restore(state);
    const first = log[0];
    if (first === undefined || log[log.length - 1]!.seq !== state.seq) return;
    this.firstSeq = first.seq - 1;
    for (const entry of log) this.#push(entry);
  }

  /**
   * Takes a state made by another instance (core/cluster/): the state as it stands after `entry`, and the entry
   * itself as viewers get it, kept in the log with its seq so that a viewer resumes here as anywhere else. Without
   * an entry the state replaces this one outright, and the log restarts from it.
   */
  restore(state: RestoredState, entry?: UpdateEntry): void {
    this.seq = state.seq;
    this.at = state.at;
    this.status = state.status;
    this.error = state.error;
    this.errorDetail = undefined;
    this.lastGoodAt = state.lastGoodAt ?? undefined;
    this.#frame = state.frame;
    this.#snapshot = undefined;
    if (state.status === 'ok' && state.lastGoodAt !== null) this.#confirmedGoodAt = state.lastGoodAt;
    if (entry === undefined) {
      this.#log = [];
      this.#logBytes = 0;
      this.firstSeq = state.seq;
      return;
    }
    this.#push(entry);
  }

  /**
   * The whole state again as a full entry under `seq` (larger than any the job's viewers anywhere hold): what a job
   * sends when the cluster's record of it cannot take its next change as a change (lost, or moved on elsewhere).
   * The log's entries after `shown` (made here, never given to a viewer) leave it: nobody resumes through them.
   */
  restamp(seq: number, shown = this.seq): UpdateEntry {
    while (this.#log.length > 0 && this.#log[this.#log.length - 1]!.seq > shown) this.#logBytes -= this.#log.pop()!.body.length;
    this.seq = seq;
    this.#snapshot = undefined;
    const entry = this.wholeEntry();
    this.#push(entry);
    return entry;
  }

  /** Bytes and entries held by the update log (for metrics and tests). */
  logSize(): { entries: number; bytes: number } {
    return { entries: this.#log.length, bytes: this.#logBytes };
  }

  /** Adds the rows of `frame` newer than the history's last (that one replaced if it changed), then trims. */
  #appendRows(frame: Frame): FrameDelta {
    const incoming = sortedByTime(frame);
    const times = timeField(incoming)!.values as number[];
    const last = this.lastTime()!;
    let start = 0;
    while (start < times.length && (times[start] as number) < last) start++;
    let pop = 0;
    // A row at the last kept time may be a bucket still filling up (revenue this minute): it replaces ours if it changed.
    if (start < times.length && times[start] === last) {
      if (rowEquals(this.#frame, rowCount(this.#frame) - 1, incoming, start)) start++;
      else {
        for (const f of this.#frame.fields) f.values.pop();
        pop = 1;
      }
    }
    if (start === rowCount(incoming)) return { kind: 'same' };
    // Most runs bring only new rows: the source's frame is then the rows added as it is, not a copy of it.
    const rows = start === 0 ? incoming : sliceFrame(incoming, start);
    const kept = this.#frame.fields;
    for (let i = 0; i < kept.length; i++) {
      const into = kept[i]!.values;
      const from = rows.fields[i]!.values;
      for (let j = 0; j < from.length; j++) into.push(from[j] as never);
    }
    return { kind: 'slide', drop: trimInPlace(this.#frame, this.#keep), pop, rows };
  }

  #full(error: { code: ErrorCode; message: string; detail?: string } | undefined): string {
    const lastGood = this.lastGoodAt ?? null;
    return `${this.head},"seq":${this.seq},"at":${this.at},"lastGoodAt":${lastGood},"status":"${this.status}"${error === undefined ? '' : `,"error":${JSON.stringify(error)}`},"frame":${JSON.stringify(this.#frame)}}`;
  }

  /** Nothing changed: say so only when viewers' last good time would otherwise look stale. */
  #confirm(now: number): UpdateEntry | undefined {
    return now - this.#confirmedGoodAt >= this.#confirmAfterMs ? this.#record(now, '}') : undefined;
  }

  #record(now: number, body: string): UpdateEntry {
    if (this.status === 'ok') this.#confirmedGoodAt = now;
    this.seq += 1;
    this.at = now;
    this.#snapshot = undefined;
    // A job's first entry is its whole state, with its seq: a viewer who held an earlier life of the job (its
    // seqs from another clock value) takes it as it is, and counts on from there.
    const first = this.seq === this.firstSeq + 1;
    if (first) this.#snapshot = this.#full(this.error); // the entry is the snapshot: serialised once
    const entry: UpdateEntry = first ? { seq: this.seq, at: now, head: this.head, body: this.#snapshot!.slice(this.head.length), full: true } : { seq: this.seq, at: now, head: this.head, body };
    this.#push(entry);
    return entry;
  }

  #push(entry: UpdateEntry): void {
    // The log holds consecutive seqs only: after a jump (a whole state above a gap) it starts again from that state.
    const last = this.#log[this.#log.length - 1];
    if (last !== undefined && entry.seq !== last.seq + 1) {
      this.#log = [];
      this.#logBytes = 0;
    }
    if (this.#log.length === 0) this.firstSeq = Math.min(this.firstSeq, entry.seq - 1);
    this.#log.push(entry);
    this.#logBytes += entry.body.length;
    while (this.#log.length > this.#logDepth || (this.#logBytes > MAX_LOG_BYTES && this.#log.length > 1)) {
      this.#logBytes -= this.#log.shift()!.body.length;
    }
  }
}

/** How a widget type's frames combine (core/widget-types.ts): tables are replaced whole; others append when their frames have a time field, else replace. */
export function mergeModeFor(widgetType: string): MergeMode {
  return widgetTraits(widgetType).merge;
}
