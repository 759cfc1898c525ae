/** What an outbox is given and what it tells: its options, the check before each try, its figures and its events. */
import type { OutboxEntry } from './outbox-folder.js';
import type { RetryPolicy } from './outbox-retry.js';

/**
 * Which notifications of an entry are outdated right before a try: those whose alert has moved on since (as this
 * instance or, with several, the one leading now knows it). A rejection counts as a failed try.
 */
export type StaleCheck = (entry: OutboxEntry) => Promise<ReadonlySet<string>>;

/** Options of an outbox; the defaults suit production, tests shorten them. */
export interface OutboxOptions {
  retry?: Partial<RetryPolicy>;
  /** Longest time `close()` waits for tries and changes in flight before it aborts them (their entries stay for the next start). */
  closeTimeoutMs?: number;
  /** The source of jitter, in [0, 1). */
  random?: () => number;
}

/** Figures for metrics. */
export interface OutboxStats {
  /** Entries waiting for delivery, including orphaned ones and those not stored yet. */
  pending: number;
  /** When the oldest waiting entry was made (epoch ms); undefined when none waits. */
  oldestAt: number | undefined;
  /** Entries whose notifier is not configured: kept until it is. */
  orphaned: number;
  /** Entries delivered since this outbox was created. */
  delivered: number;
  /** Tries that failed (each is retried). */
  failedAttempts: number;
  /** Notifications taken out before they were sent, because a newer one of the same alert came. */
  superseded: number;
}

/** What an outbox reports, for metrics and tests. */
export interface OutboxEvents {
  delivered: [{ id: string; notifier: string; attempts: number }];
  failed: [{ id: string; notifier: string; attempt: number; error: string; retryInMs: number }];
  orphaned: [{ id: string; notifier: string }];
  discarded: [{ file: string; reason: string }];
  /** Notifications taken out of an entry unsent: a newer one of the same alert is queued (`superseded`) or was sent (`outdated`). */
  superseded: [{ id: string; notifier: string; notifications: string[]; reason: 'superseded' | 'outdated'; dropped: boolean }];
}
