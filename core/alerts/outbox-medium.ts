/**
 * Where the outbox keeps its entries (outbox.ts): a folder in the data folder (outbox-folder.ts), or, when several
 * instances share the alert state, Redis (outbox-redis.ts), so that the next leader finds what a dead one left.
 */
import type { OutboxEntry } from './outbox-folder.js';

/** What a medium found when the outbox starts delivering. */
export interface LoadedEntries {
  /** Every stored entry, in the order they were made (oldest first). */
  entries: OutboxEntry[];
  /** Writes a crash left half done, removed. */
  torn: string[];
  /** Stored values that are not entries, moved out of the way but kept for a person to look at, and why. */
  corrupt: { file: string; reason: string }[];
}

/**
 * The storage of an outbox. `put` and `remove` resolve false when the medium refused the change: a shared medium
 * takes changes only from the instance holding the alert lease, so one that lost it cannot undo its successor's work.
 */
export interface OutboxMedium {
  /** The folder or key, for log lines. */
  readonly where: string;
  /**
   * Read by every instance (Redis): only the one leading the alert engine delivers from it (it starts the outbox
   * on taking the lease and pauses it on losing it), and a change that fails is an outage to wait out (kept in
   * memory and tried again), not a fault to report.
   */
  readonly shared: boolean;
  /** Every entry stored, in order. */
  load(): Promise<LoadedEntries>;
  /** Stores an entry, new or with fewer notifications. A rewrite of an entry already removed does not bring it back. */
  put(entry: OutboxEntry, isNew: boolean): Promise<boolean>;
  /** Removes an entry (delivered, or with nothing left to send); removing one that is gone is not an error. */
  remove(id: string): Promise<boolean>;
  /** Ends the medium's connections. */
  close?(): void;
}
