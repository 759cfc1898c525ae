/**
 * Where alert state, history, silences and acknowledgements are kept across restarts: what a store promises
 * (AlertStore) and what it writes on (StateMedium: a file, file-medium.ts, or a Redis key, redis-medium.ts). The
 * store itself, one document on a medium, is document-alert-store.ts.
 */
import type { Acknowledgement, AcknowledgementBackend } from './acknowledgements.js';
import type { AlertStates } from './alert-document.js';
import type { Transition } from './rule-state.js';
import type { Silence, SilenceBackend } from './silences.js';

export type { AlertStates } from './alert-document.js';
export { DocumentAlertStore } from './document-alert-store.js';

/** What a store holds. */
export interface StoredAlerts {
  alerts: AlertStates;
  /** Notified transitions, oldest first. */
  history: Transition[];
  /** The silences in force. */
  silences: Silence[];
  /** The acknowledgements of alerting alerts. */
  acknowledgements: Acknowledgement[];
  /**
   * Set when the document this store had seen is gone (a Redis restarted without persistence): `restored` when
   * this store wrote it last, so what it held is written back and returned; `lost` when another instance wrote
   * it last, so nothing is returned and the caller decides.
   */
  vanished?: 'restored' | 'lost';
}

/** Where alert state lives: one document, in a file or a Redis key (see StateMedium). */
export interface AlertStore {
  /**
   * Restores what was saved; empty (and logged) when there is nothing usable. Call it before the rest, and again
   * to take over what another instance saved. `strict`: a document that cannot be read (Redis unreachable)
   * rejects instead of counting as none, so a takeover never mistakes an outage for "every alert is ok".
   */
  load(options?: { strict?: boolean }): Promise<StoredAlerts>;
  /** Reads the history again as another instance saved it (for an instance that does not lead); never writes. */
  refresh(): Promise<void>;
  /** The alert states as saved now (by whichever instance leads), read without changing what this store holds. */
  peek(): Promise<AlertStates>;
  /** Records every alert's current state; persisted soon (coalesced), and for sure by `close()`. */
  save(alerts: AlertStates): void;
  /** Appends notified transitions to the history (bounded by count and age). */
  appendHistory(entries: readonly Transition[]): void;
  /** The history, newest first, at most `limit` entries, optionally of one rule. For GET /api/alerts/history. */
  history(options?: { rule?: string; limit?: number }): Transition[];
  /**
   * Writes now what is pending; resolves once it is on disk, with false when the medium refused it (the alert
   * lease is another instance's now: what this one decided must not be acted on).
   */
  flush(): Promise<boolean>;
  /** Writes what is pending and stops. */
  close(): Promise<void>;
  /** The silences kept in the same document. */
  readonly silences: SilenceBackend;
  /** The acknowledgements kept in the same document. */
  readonly acknowledgements: AcknowledgementBackend;
}

/** Options of a store, on a file or in Redis; the defaults suit production, tests shorten them. */
export interface FileAlertStoreOptions {
  /** Least time between two writes, in ms (250: at most four a second). */
  minWriteIntervalMs?: number;
  /** History entries kept (1000). */
  historyLimit?: number;
  /** How old a history entry may get, in ms (7 days). */
  historyMaxAgeMs?: number;
  /** The clock, for history ageing. */
  now?: () => number;
}

/**
 * Where a store's one document lives: a file in the data folder, or a Redis key. `read` resolves undefined
 * when nothing was saved yet; `write` resolves false when it refused to write (a Redis key written only by the
 * instance holding the alert lease: see redis-medium.ts); `moveAside` keeps an unreadable document for a person
 * to look at and says where.
 */
export interface StateMedium {
  /** The file or key, for log lines. */
  readonly where: string;
  prepare?(): Promise<void>;
  read(): Promise<string | undefined>;
  write(text: string): Promise<boolean>;
  moveAside(at: number): Promise<string>;
}
