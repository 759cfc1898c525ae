/**
 * Reads the `at` of every entry of an `update` message straight from its bytes. A viewer process
 * that JSON.parses 5,000 messages of 2 KB in one burst spends ~100 ms doing it on a small machine,
 * which would show up as server latency; scanning takes a tenth of that. load.ts checks the scan
 * against JSON.parse on every update outside the measured window.
 */

const UPDATE_PREFIX = Buffer.from('{"type":"update"');
const AT_KEY = Buffer.from('"at":');
const RESUMED = Buffer.from('"resumed":true');
const ZERO = 0x30;
const NINE = 0x39;

/** Whether the message is an `update` (both servers write `type` first). */
export function isUpdate(data: Buffer): boolean {
  return data.length >= UPDATE_PREFIX.length && data.compare(UPDATE_PREFIX, 0, UPDATE_PREFIX.length, 0, UPDATE_PREFIX.length) === 0;
}

/** Whether the update is a catch-up the server sent after holding the viewer back as slow. */
export function isResumed(data: Buffer): boolean {
  return data.lastIndexOf(RESUMED) >= 0;
}

/**
 * Appends the `at` of each entry to `out` and returns how many it found. Relies on the bench's
 * frames holding only numbers, so `"at":` cannot occur inside a value.
 */
export function scanAts(data: Buffer, out: number[]): number {
  let found = 0;
  let i = data.indexOf(AT_KEY);
  while (i >= 0) {
    let j = i + AT_KEY.length;
    let value = 0;
    for (let c = data[j]; c !== undefined && c >= ZERO && c <= NINE; c = data[++j]) value = value * 10 + (c - ZERO);
    out.push(value);
    found++;
    i = data.indexOf(AT_KEY, j);
  }
  return found;
}
