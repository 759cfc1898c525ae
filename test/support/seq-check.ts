/** What a viewer received of each widget, checked for updates lost or received twice. */
import type { Message } from './ws-client.js';

/** One entry of an `update` (or of a snapshot's `widgets`). */
export type UpdateEntry = { w: string; seq: number; at: number; status: string; op?: string; frame?: unknown };

/** The entries of the `update` messages among `messages`, in the order received. */
export function updateEntries(messages: readonly Message[]): UpdateEntry[] {
  return messages.filter((m) => m.type === 'update').flatMap((m) => m.updates as UpdateEntry[]);
}

/**
 * Widget → the seqs received, in order, after throwing if any widget's seqs have a gap or a repeat.
 * @example contiguousSeqs(client.messages) // Map { 'a' => [17, 18, 19] }
 */
export function contiguousSeqs(messages: readonly Message[]): Map<string, number[]> {
  const seqs = new Map<string, number[]>();
  for (const entry of updateEntries(messages)) {
    const list = seqs.get(entry.w) ?? [];
    const last = list.at(-1);
    if (last !== undefined && entry.seq !== last + 1) {
      throw new Error(`widget "${entry.w}": seq ${entry.seq} came after ${last} (${entry.seq <= last ? 'a repeat' : `${entry.seq - last - 1} lost`})`);
    }
    seqs.set(entry.w, [...list, entry.seq]);
  }
  return seqs;
}
