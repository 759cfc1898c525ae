/**
 * An update made on another instance, taken into this instance's copy of the job's history: the entry's bytes
 * stay as the holder serialised them (viewers everywhere get the same), and the state it leads to is worked out
 * with the same rules a browser applies (web-components/client/dashboard-state.ts), so a late joiner here gets
 * the same snapshot as one on the holder.
 */
import { nextState } from '../../web-components/client/dashboard-state.js';
import type { FullEntry, UpdateEntry as WireEntry } from '../../web-components/client/protocol.js';
import type { WidgetState } from '../../web-components/client/types.js';
import type { ErrorCode } from '../errors.js';
import type { Frame } from '../frame.js';
import type { RestoredState, UpdateEntry, WidgetHistory } from '../widget-history.js';

/** One update as the cluster carries it: the entry's seq, time, whether it is a whole state, and its body. */
export interface RemoteEntry {
  seq: number;
  at: number;
  full: boolean;
  /** What follows the widget's head (`{"w":"ID"`): `,"a":…}`, or the whole state's fields for a full entry. */
  body: string;
}

/** The history's state as the browser's rules see it. */
function stateOf(history: WidgetHistory): WidgetState {
  const state: WidgetState = { frame: history.frame as WidgetState['frame'], status: history.status, at: history.at, lastGoodAt: history.lastGoodAt ?? null, seq: history.seq };
  if (history.error !== undefined) state.error = history.error;
  return state;
}

/** Parses an entry's body; undefined when it is not an object (never from a holder of this version). */
function parse(body: string): WireEntry | undefined {
  try {
    const parsed = JSON.parse(`{"w":""${body}`) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as WireEntry) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Applies `entry` to `history` when it is the next one (seq + 1) or a whole state newer than what it holds.
 * Returns the entry as this instance's viewers get it, or undefined when it does not follow (a gap, an old or
 * a repeated entry: the caller fills the gap from the stream, or ignores it).
 */
export function applyRemote(history: WidgetHistory, entry: RemoteEntry): UpdateEntry | undefined {
  if (entry.seq <= history.seq) return undefined;
  if (!entry.full && entry.seq !== history.seq + 1) return undefined;
  const wire = parse(entry.body);
  if (wire === undefined) return undefined;
  if (!entry.full && history.status === 'pending' && history.frame.fields.length === 0 && history.lastGoodAt === undefined) return undefined;
  const next = nextState(stateOf(history), wire, entry.at);
  if (next === undefined) return undefined;
  const state: RestoredState = {
    seq: entry.seq,
    at: entry.full ? (wire as FullEntry).at : entry.at,
    status: next.status,
    error: next.error as { code: ErrorCode; message: string } | undefined,
    lastGoodAt: next.lastGoodAt,
    frame: next.frame as Frame,
  };
  const local: UpdateEntry = entry.full
    ? { seq: entry.seq, at: state.at, head: history.head, body: entry.body, full: true }
    : { seq: entry.seq, at: entry.at, head: history.head, body: entry.body };
  history.restore(state, local);
  return local;
}

/** Takes a whole state loaded from the cluster (a snapshot), with no entry: the log starts again from it. */
export function adoptSnapshot(history: WidgetHistory, body: string): boolean {
  const wire = parse(body) as FullEntry | undefined;
  if (wire === undefined || typeof wire.seq !== 'number' || wire.seq <= history.seq) return false;
  history.restore({
    seq: wire.seq,
    at: wire.at,
    status: wire.status,
    error: wire.error as { code: ErrorCode; message: string } | undefined,
    lastGoodAt: wire.lastGoodAt,
    frame: wire.frame as Frame,
  });
  return true;
}
