/**
 * Where alert state, history, silences and acknowledgements are kept across restarts: one document (see
 * alert-document.ts) on a StateMedium, a file (file-medium.ts) or a Redis key (redis-medium.ts). Writes are
 * coalesced to a few a second, and made on close. A document that cannot be read is logged and moved aside;
 * a malformed entry inside one that can is skipped with a log line.
 */
import { messageOf, RtdashError } from '../errors.js';
import type { Logger } from '../plugin.js';
import { cleanAcknowledgement, type Acknowledgement, type AcknowledgementBackend } from './acknowledgements.js';
import { readAlertDocument, writeAlertDocument, type AlertStates, type Skipped } from './alert-document.js';
import type { Transition } from './rule-state.js';
import { cleanSilence, type Silence, type SilenceBackend } from './silences.js';

export type { AlertStates } from './alert-document.js';

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

/** The store of one server: one document holding every alert's state, the history, silences and acknowledgements, on a StateMedium. */
export class DocumentAlertStore implements AlertStore {
  private alerts: AlertStates = {};
  private entries: Transition[] = [];
  private silenceList: Silence[] = [];
  private ackList: Acknowledgement[] = [];
  private readonly log: Logger;
  private readonly minWriteIntervalMs: number;
  private readonly historyLimit: number;
  private readonly historyMaxAgeMs: number;
  private readonly now: () => number;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private lastWriteAt = -Infinity;
  private closed = false;
  private refused = false;
  private loaded = false;
  /** Why the last write failed; undefined after one that succeeded. */
  private lastError: string | undefined;
  /** Whether a document was ever read or written here: one missing now has vanished. */
  private seen = false;
  /** The text this store last wrote, while no other has been read since: it is then the latest there is. */
  private lastWritten: string | undefined;

  /** The silences of this document: `put` and `delete` resolve once the document is written, and reject when it could not be. */
  readonly silences: SilenceBackend = {
    list: async (now) => this.silenceList.filter((s) => s.endsAt > now),
    ...this.writtenEntries('silences', () => this.silenceList, (list) => (this.silenceList = list), cleanSilence),
  };

  /** The acknowledgements of this document, written like the silences. */
  readonly acknowledgements: AcknowledgementBackend = {
    list: async () => [...this.ackList],
    ...this.writtenEntries('acknowledgements', () => this.ackList, (list) => (this.ackList = list), cleanAcknowledgement),
  };

  constructor(
    readonly medium: StateMedium,
    logger: Logger,
    options: FileAlertStoreOptions = {},
  ) {
    this.log = logger.child({ component: 'alert-store' });
    this.minWriteIntervalMs = options.minWriteIntervalMs ?? 250;
    this.historyLimit = options.historyLimit ?? 1000;
    this.historyMaxAgeMs = options.historyMaxAgeMs ?? 7 * 24 * 3_600_000;
    this.now = options.now ?? Date.now;
  }

  /** Where the state is kept (a path or a Redis key). */
  get file(): string {
    return this.medium.where;
  }

  async load(options: { strict?: boolean } = {}): Promise<StoredAlerts> {
    // On a takeover, what this instance had pending from an earlier lead is stale: what is read replaces it.
    while (this.writing !== undefined) await this.writing;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty = false;
    this.refused = false;
    await this.medium.prepare?.();
    let text: string | undefined;
    try {
      text = await this.medium.read();
    } catch (err) {
      // A strict load that fails leaves what was held: emptied, the API would show no alerts and no history.
      if (options.strict) throw err;
      this.clear();
      await this.moveAside(`it cannot be read (${messageOf(err)})`);
      return this.snapshot();
    }
    if (text === undefined && this.seen) return this.vanished();
    if (text !== undefined) this.saw(text);
    this.clear();
    if (text === undefined) {
      // Said once: a takeover that finds nothing either has nothing new to say.
      if (!this.loaded) this.log.info({ file: this.file }, 'no saved alert state: every alert starts as ok');
      this.loaded = true;
      return this.snapshot();
    }
    this.loaded = true;
    const parsed = readAlertDocument(text, this.now());
    if (typeof parsed === 'string') {
      await this.moveAside(parsed);
      return this.snapshot();
    }
    this.alerts = parsed.alerts;
    this.entries = parsed.history;
    this.silenceList = parsed.silences;
    this.ackList = parsed.acknowledgements;
    if (parsed.dropped > 0) this.log.warn({ file: this.file, dropped: parsed.dropped }, 'dropped malformed entries from the saved alert state');
    this.reportSkipped(parsed.badSilences, 'silence(s)');
    this.reportSkipped(parsed.badAcknowledgements, 'acknowledgement(s)');
    if (parsed.expiredSilences > 0) this.log.info({ file: this.file, expired: parsed.expiredSilences }, 'dropped silences that ended while the server was down');
    this.prune();
    return this.snapshot();
  }

  async refresh(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.medium.read();
    } catch (err) {
      this.log.warn({ file: this.file, err: messageOf(err) }, 'could not read the alert history another instance saved; showing the last one read');
      return;
    }
    if (text === undefined) return;
    this.saw(text);
    const parsed = readAlertDocument(text, this.now());
    if (typeof parsed === 'string') return;
    this.alerts = parsed.alerts;
    this.entries = parsed.history;
    this.prune();
  }

  async peek(): Promise<AlertStates> {
    const text = await this.medium.read();
    if (text !== undefined) this.saw(text);
    const parsed = text === undefined ? undefined : readAlertDocument(text, this.now());
    return parsed === undefined || typeof parsed === 'string' ? {} : parsed.alerts;
  }

  save(alerts: AlertStates): void {
    this.alerts = alerts;
    this.schedule();
  }

  appendHistory(entries: readonly Transition[]): void {
    if (entries.length === 0) return;
    this.entries.push(...entries);
    this.prune();
    this.schedule();
  }

  history(options: { rule?: string; limit?: number } = {}): Transition[] {
    const of = options.rule === undefined ? this.entries : this.entries.filter((t) => t.rule === options.rule);
    return of.slice(-(options.limit ?? this.historyLimit)).reverse();
  }

  /** Writes now what is pending, waiting for a write in progress. */
  async flush(): Promise<boolean> {
    while (this.writing !== undefined) await this.writing;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) await this.write();
    return !this.refused;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  /** Notes a document read: one this store did not write means another instance writes now. */
  private saw(text: string): void {
    this.seen = true;
    if (text !== this.lastWritten) this.lastWritten = undefined;
  }

  /**
   * The document this store had seen is gone. Written last by this store, what it holds is the latest state there
   * is: it is written back (a receiver must not get a second "firing" because Redis restarted empty). Otherwise
   * it may be stale, and the caller decides.
   */
  private vanished(): StoredAlerts {
    if (this.lastWritten === undefined) {
      this.log.warn({ file: this.file }, 'the saved alert state is gone (a Redis restarted without persistence?) and another instance wrote it last');
      this.clear();
      return { ...this.snapshot(), vanished: 'lost' };
    }
    this.log.warn({ file: this.file }, 'the saved alert state is gone (a Redis restarted without persistence?): writing back the state this instance saved last');
    this.schedule();
    return { ...this.snapshot(), vanished: 'restored' };
  }

  private reportSkipped(bad: Skipped, what: string): void {
    if (bad.count > 0) this.log.warn({ file: this.file, skipped: bad.count, problems: bad.problems }, `skipped ${bad.count} malformed ${what} in the saved alert state; the others are in force`);
  }

  /**
   * `put` and `delete` for one list of the document (`get`/`set` reach it): each writes the document now, and on
   * failure puts the list back as it was and rejects.
   */
  private writtenEntries<T extends { id: string }>(what: string, get: () => T[], set: (list: T[]) => void, clean: (entry: T) => T) {
    const change = async (next: T[]): Promise<void> => {
      const before = get();
      set(next);
      await this.writeOrUndo(what, () => set(before));
    };
    return {
      put: (entry: T) => change([...get().filter((e) => e.id !== entry.id), clean(entry)]),
      delete: async (id: string) => {
        const kept = get().filter((e) => e.id !== id);
        if (kept.length === get().length) return false;
        await change(kept);
        return true;
      },
    };
  }

  private async writeOrUndo(what: string, undo: () => void): Promise<void> {
    this.dirty = true;
    await this.flush();
    if (this.lastError !== undefined) {
      undo();
      throw new RtdashError('RTDASH_INTERNAL', `the ${what} could not be saved: ${this.lastError}`);
    }
  }

  /** Forgets the alerts, history, silences and acknowledgements held, before what was read replaces them. */
  private clear(): void {
    this.alerts = {};
    this.entries = [];
    this.silenceList = [];
    this.ackList = [];
  }

  private snapshot(): StoredAlerts {
    return { alerts: this.alerts, history: [...this.entries], silences: [...this.silenceList], acknowledgements: [...this.ackList] };
  }

  private prune(): void {
    const oldest = this.now() - this.historyMaxAgeMs;
    const start = Math.max(this.entries.length - this.historyLimit, 0);
    let i = start;
    while (i < this.entries.length && (this.entries[i] as Transition).at < oldest) i++;
    if (i > 0) this.entries = this.entries.slice(i);
  }

  private schedule(): void {
    this.dirty = true;
    if (this.closed || this.timer !== undefined || this.writing !== undefined) return;
    const wait = Math.max(0, this.lastWriteAt + this.minWriteIntervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.dirty) void this.write();
    }, wait);
    this.timer.unref();
  }

  private write(): Promise<void> {
    this.dirty = false;
    this.lastWriteAt = Date.now();
    const text = writeAlertDocument({ alerts: this.alerts, history: this.entries, silences: this.silenceList, acknowledgements: this.ackList }, this.now());
    this.writing = this.medium
      .write(text)
      .then((written) => {
        if (written) {
          this.seen = true;
          this.lastWritten = text;
        }
        // Refused: another instance leads the alert engine now and writes the state; this one's is stale.
        if (!written && !this.refused) this.log.warn({ file: this.file }, 'alert state not saved: this instance no longer holds the alert lease');
        this.refused = !written;
        this.lastError = written ? undefined : 'this instance no longer holds the alert lease';
      })
      .catch((err: unknown) => {
        // The state is still in memory: the next change (or close) writes it again.
        this.dirty = true;
        this.lastError = messageOf(err);
        this.log.error({ file: this.file, err: messageOf(err) }, 'could not save the alert state');
      })
      .finally(() => {
        this.writing = undefined;
        if (this.dirty && !this.closed) this.schedule();
      });
    return this.writing;
  }

  private async moveAside(reason: string): Promise<void> {
    try {
      const aside = await this.medium.moveAside(this.now());
      this.log.error({ file: this.file, movedTo: aside, reason }, 'the saved alert state is unreadable: moved aside, every alert starts as ok');
    } catch (err) {
      this.log.error({ file: this.file, reason, err: messageOf(err) }, 'the saved alert state is unreadable and could not be moved aside: every alert starts as ok');
    }
  }
}

