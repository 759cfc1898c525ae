/**
 * Whether each viewer got every update of each widget exactly once, in order. A change entry carries no seq (it is
 * the previous one + 1), so a lost or repeated change shows only against what the cluster published: each job's
 * stream holds every published update's seq and body, and each entry a viewer kept is matched to the stream by the
 * number of the query run that made it (its newest row's `run`, the same on every instance; a relaying instance
 * dates a change by its own clock, so the time cannot tell). A whole-state entry carries its seq: one larger than
 * the next is a jump (allowed by the protocol, counted apart from losses).
 */

/** What one widget's entries of one viewer showed. */
export interface WidgetTrack {
  /** The seq the viewer held when tracking began. */
  start: number;
  /** Each entry kept: `seq, run, full (1|0)`, flat; `seq` is the viewer's own count for a change. */
  log: number[];
  /** The number of entries kept before the viewer moved to another instance, if it did. */
  movedAt?: number;
}

/** Counts over many viewers and widgets. */
export interface Continuity {
  viewers: number;
  /** Entries matched to a published update. */
  entries: number;
  /** Entries that came right after the one before (seq + 1). */
  inOrder: number;
  /** Updates never received: the sizes of the gaps between change entries. */
  lost: number;
  /** Entries for an update received before. */
  duplicated: number;
  /** Whole-state entries with a seq past the next one. */
  jumps: number;
  /** Entries whose run matches no update in the stream: never published, or trimmed from the stream already. */
  unknown: number;
  /** For viewers that moved: widgets whose first entry after the move was the next change, exactly. */
  resumedExactly: number;
  /** … whose first entry after the move was a whole state. */
  resumedWhole: number;
  /** … with no entry after the move. */
  resumedNothing: number;
}

/** Nothing counted yet. */
export function noContinuity(): Continuity {
  return { viewers: 0, entries: 0, inOrder: 0, lost: 0, duplicated: 0, jumps: 0, unknown: 0, resumedExactly: 0, resumedWhole: 0, resumedNothing: 0 };
}

/** One job's published updates: seq → run and run → seq. */
export interface Truth {
  runOf: Map<number, number>;
  seqOf: Map<number, number>;
}

/** A stream's `[seq, run, time, …]` (see cluster-streams.ts) as a Truth. */
export function truthOf(flat: readonly number[]): Truth {
  const truth: Truth = { runOf: new Map(), seqOf: new Map() };
  for (let i = 0; i + 2 < flat.length; i += 3) {
    truth.runOf.set(flat[i]!, flat[i + 1]!);
    truth.seqOf.set(flat[i + 1]!, flat[i]!);
  }
  return truth;
}

/**
 * Adds one widget's entries of one viewer to `into`; `anomaly` hears of each entry not in order, in words.
 * @example checkWidget({ start: 4, log: [5, 100, 0, 7, 300, 0] }, truthOf([5, 100, 1000, 6, 200, 2000, 7, 300, 3000]), c) // c.lost: 1
 */
export function checkWidget(track: WidgetTrack, truth: Truth, into: Continuity, anomaly?: (what: string) => void): void {
  const { log } = track;
  let prev = track.start;
  const count = log.length / 3;
  if (track.movedAt !== undefined && track.movedAt >= count) into.resumedNothing++;
  for (let k = 0; k < count; k++) {
    const [seq, run, full] = [log[3 * k]!, log[3 * k + 1]!, log[3 * k + 2]! === 1];
    let actual: number | undefined = seq;
    if (!full) actual = truth.runOf.get(prev + 1) === run ? prev + 1 : truth.seqOf.get(run);
    if (actual === undefined) {
      anomaly?.(`a change of run ${run} after seq ${prev}, where the stream has run ${truth.runOf.get(prev + 1) ?? 'none'} (stream: ${around(truth, prev)})`);
      into.unknown++;
      prev++;
      continue;
    }
    into.entries++;
    if (actual !== prev + 1) anomaly?.(`${full ? 'a whole state' : 'a change'} of seq ${actual} (run ${run}) after seq ${prev} (stream: ${around(truth, prev)})`);
    if (actual === prev + 1) into.inOrder++;
    else if (actual <= prev) into.duplicated++;
    else if (full) into.jumps++;
    else into.lost += actual - prev - 1;
    if (k === track.movedAt) {
      if (full) into.resumedWhole++;
      else if (actual === prev + 1) into.resumedExactly++;
    }
    prev = Math.max(prev, actual);
  }
}

/** The stream's seqs and runs next to `seq`, for saying what a viewer got instead. */
function around(truth: Truth, seq: number): string {
  const near = [...truth.runOf].filter(([s]) => Math.abs(s - seq) <= 2);
  return near.map(([s, run]) => `seq ${s} run ${run}`).join(', ') || `nothing near seq ${seq}; ${truth.runOf.size} entries`;
}

/** The sum of two counts. */
export function addContinuity(a: Continuity, b: Continuity): Continuity {
  const sum = noContinuity();
  for (const key of Object.keys(sum) as (keyof Continuity)[]) sum[key] = a[key] + b[key];
  return sum;
}
