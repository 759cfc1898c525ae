/**
 * Reads the time of every entry of an `update` message straight from its bytes. A viewer process
 * that JSON.parses 5,000 messages of 2 KB in one burst spends ~100 ms doing it on a small machine,
 * which would show up as server latency; scanning takes a tenth of that. load.ts checks the scan
 * against JSON.parse (`entryTimes`) on every update outside the measured window.
 *
 * Both wire protocols are read:
 * - protocol 1: every entry carries its own `"at":A`;
 * - protocol 2: the message carries `"at":T` before `"updates"`, and a delta entry `"dt":N` (omitted
 *   when 0), so the entry's time is T − N; a full-state entry in an update still carries its own `"at"`.
 */

const UPDATE_PREFIX = Buffer.from('{"type":"update"');
const UPDATES_KEY = Buffer.from('"updates":[');
const ENTRY_KEY = Buffer.from('{"w":');
const AT_KEY = Buffer.from('"at":');
const DT_KEY = Buffer.from('"dt":');
const RESUMED = Buffer.from('"resumed":true');
const SEQ_KEY = Buffer.from('"seq":');
const QUOTE = 0x22;
const ZERO = 0x30;
const NINE = 0x39;

/** Whether the message is an `update` (every server in the bench writes `type` first). */
export function isUpdate(data: Buffer): boolean {
  return data.length >= UPDATE_PREFIX.length && data.compare(UPDATE_PREFIX, 0, UPDATE_PREFIX.length, 0, UPDATE_PREFIX.length) === 0;
}

/** Whether the update is a catch-up the server sent after holding the viewer back as slow. */
export function isResumed(data: Buffer): boolean {
  return data.lastIndexOf(RESUMED) >= 0;
}

/**
 * Appends the time of each entry to `out` and returns how many entries it found. Relies on the
 * bench's frames holding only numbers, so `{"w":`, `"at":` and `"dt":` cannot occur inside a value,
 * and on entries writing `w` first (both protocols do). An entry with no time of its own and no
 * message time is counted but adds nothing to `out`.
 * @example scanAts(Buffer.from('{"type":"update","dashboard":"d","at":1000,"updates":[{"w":"a","dt":3,"a":[[1],[2]]}]}'), out) // 1; out: [997]
 */
export function scanAts(data: Buffer, out: number[]): number {
  return eachEntry(data, (_start, _end, time) => {
    if (time !== undefined) out.push(time);
  });
}

/** One entry of an update as scanEntries reads it from the bytes. */
export interface ScannedEntry {
  /** The widget id. */
  w: string;
  /** The entry's time (see scanAts), or undefined when neither it nor the message has one. */
  time: number | undefined;
  /** A whole-state entry's own `seq`; undefined for a change (its seq is the previous one + 1). */
  seq: number | undefined;
  /** Where the entry starts and ends in the message's bytes, for reading more of it. */
  start: number;
  end: number;
}

/**
 * Calls `visit` with each entry's widget, time and (for a whole state) seq, by the same rules as scanAts;
 * returns how many entries there were. For load processes that follow each widget's seqs.
 * @example scanEntries(Buffer.from('{"type":"update","at":1000,"updates":[{"w":"a","seq":7,"at":990,"status":"ok","frame":{"fields":[]}}]}'), visit) // visit({ w: 'a', time: 990, seq: 7 })
 */
export function scanEntries(data: Buffer, visit: (entry: ScannedEntry) => void): number {
  return eachEntry(data, (start, end, time) => {
    const idStart = start + ENTRY_KEY.length + 1;
    const seqAt = data.indexOf(SEQ_KEY, idStart);
    const seq = seqAt >= 0 && seqAt < end ? readInt(data, seqAt + SEQ_KEY.length) : undefined;
    visit({ w: data.toString('utf8', idStart, data.indexOf(QUOTE, idStart)), time, seq, start, end });
  });
}

/** Walks the entries of an update: each one's byte range and time; returns how many there were. */
function eachEntry(data: Buffer, visit: (start: number, end: number, time: number | undefined) => void): number {
  const updates = data.indexOf(UPDATES_KEY);
  if (updates < 0) return 0;
  const head = data.indexOf(AT_KEY);
  const messageAt = head >= 0 && head < updates ? readInt(data, head + AT_KEY.length) : undefined;
  let found = 0;
  let entry = data.indexOf(ENTRY_KEY, updates);
  // The next `"at":` and `"dt":` at or after the current entry: each key is searched for once in all.
  let at = data.indexOf(AT_KEY, updates);
  let dt = data.indexOf(DT_KEY, updates);
  while (entry >= 0) {
    const next = data.indexOf(ENTRY_KEY, entry + ENTRY_KEY.length);
    const end = next < 0 ? data.length : next;
    let time: number | undefined;
    if (at >= 0 && at < end) time = readInt(data, at + AT_KEY.length);
    else if (messageAt !== undefined) time = dt >= 0 && dt < end ? messageAt - readInt(data, dt + DT_KEY.length) : messageAt;
    visit(entry, end, time);
    found++;
    while (at >= 0 && at < end) at = data.indexOf(AT_KEY, at + AT_KEY.length);
    while (dt >= 0 && dt < end) dt = data.indexOf(DT_KEY, dt + DT_KEY.length);
    entry = next;
  }
  return found;
}

/** The entry times of a parsed update, by the same rules: what `scanAts` must find. */
export function entryTimes(message: { at?: number; updates?: readonly { at?: number; dt?: number }[] }): number[] {
  const times: number[] = [];
  for (const entry of message.updates ?? []) {
    if (entry.at !== undefined) times.push(entry.at);
    else if (message.at !== undefined) times.push(message.at - (entry.dt ?? 0));
  }
  return times;
}

/** The non-negative integer written at `i`. */
export function readInt(data: Buffer, i: number): number {
  let value = 0;
  for (let c = data[i]; c !== undefined && c >= ZERO && c <= NINE; c = data[++i]) value = value * 10 + (c - ZERO);
  return value;
}
