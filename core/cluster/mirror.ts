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
import type { Keep } from '../model.js';
import { WidgetHistory, type RestoredState, type UpdateEntry } from '../widget-history.js';

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

/**
 * The job's state as the cluster holds it: its snapshot (or, without one, the stream's last whole state) with the
 * stream's entries after it applied, and the entries that lead up to that state (the contiguous run before the
 * snapshot, then those after it), so that viewers resume from them. Undefined when the cluster has no state of it.
 */
export function clusterState(history: WidgetHistory, keep: Keep, snap: string | null, stream: [string, string[]][]): { state: RestoredState; log: UpdateEntry[] } | undefined {
  const remote = stream.map(([id, fields]) => streamEntry(id, fields));
  const scratch = new WidgetHistory(history.widgetId, history.mode, keep, 0);
  let from = 0;
  if (snap === null || !adoptSnapshot(scratch, snap)) {
    const full = remote.map((e) => e.full).lastIndexOf(true);
    if (full < 0 || !adoptSnapshot(scratch, remote[full]!.body)) return undefined;
    from = full + 1;
  }
  const base = scratch.seq;
  for (const entry of remote.slice(from)) if (entry.seq > scratch.seq) applyRemote(scratch, entry);
  const before: RemoteEntry[] = [];
  for (let i = remote.findIndex((e) => e.seq === base); i >= 0 && remote[i]!.seq === base - before.length; i--) before.unshift(remote[i]!);
  const log = [...before, ...remote.filter((e) => e.seq > base && e.seq <= scratch.seq)].map(
    (e): UpdateEntry => ({ seq: e.seq, at: e.at, head: history.head, body: e.body, ...(e.full && { full: true as const }) }),
  );
  return { state: scratch.state(), log };
}

/** A stream entry (`<seq>-0`, fields at, full, body) as a remote entry. */
function streamEntry(id: string, fields: string[]): RemoteEntry {
  const get = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
  return { seq: Number(id.slice(0, id.indexOf('-'))), at: Number(get('at')), full: get('full') === '1', body: get('body') };
}

/** A published message (`seq|at|full|body`) as a remote entry; undefined when malformed. */
export function channelEntry(message: string): RemoteEntry | undefined {
  const a = message.indexOf('|');
  const b = message.indexOf('|', a + 1);
  const c = message.indexOf('|', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  const seq = Number(message.slice(0, a));
  const at = Number(message.slice(a + 1, b));
  if (!Number.isSafeInteger(seq) || !Number.isFinite(at)) return undefined;
  return { seq, at, full: message.slice(b + 1, c) === '1', body: message.slice(c + 1) };
}
