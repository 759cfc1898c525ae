/**
 * The alert store of one server: one document (alert-document.ts) holding every alert's state, the history,
 * silences and acknowledgements, on a StateMedium. Writes are coalesced to a few a second, and made on close. A
 * document that cannot be read is logged and moved aside; a malformed entry inside one that can is skipped with a
 * log line; one that vanished (a Redis restarted empty) is written back by the instance that wrote it last.
 */
import { messageOf, RtdashError } from '../errors.js';
import type { Logger } from '../plugin.js';
import { cleanAcknowledgement, type Acknowledgement, type AcknowledgementBackend } from './acknowledgements.js';
import { readAlertDocument, writeAlertDocument, type AlertStates, type Skipped } from './alert-document.js';
import type { AlertStore, FileAlertStoreOptions, StateMedium, StoredAlerts } from './alert-store.js';
import type { Transition } from './rule-state.js';
import { cleanSilence, type Silence, type SilenceBackend } from './silences.js';

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

