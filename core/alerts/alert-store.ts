/**
 * Alert state and history kept across restarts, in `<dir>/alerts.json`:
 *   { "version": 1, "savedAt": "<ISO>", "alerts": { "<rule>": { "<series key>": AlertState } }, "history": [Transition, …] }
 * Written atomically (temp file, fsync, rename; see outbox-folder.ts), coalesced to a few writes a second,
 * and on close. A file that does not parse is logged and moved aside to `alerts.json.<ms>.corrupt`.
 */
import { mkdir, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../errors.js';
import type { Logger } from '../plugin.js';
import { writeEntryFile } from './outbox-folder.js';
import { ALERT_STATES, type AlertState, type Transition } from './rule-state.js';

/** Every rule's alerts: rule name → series key → state. */
export type AlertStates = Record<string, Record<string, AlertState>>;

/** What a store holds. */
export interface StoredAlerts {
  alerts: AlertStates;
  /** Notified transitions, oldest first. */
  history: Transition[];
}

/** Where alert state lives; a Redis-backed store would implement the same. */
export interface AlertStore {
  /** Restores what was saved; empty (and logged) when there is nothing usable. Call once, before the rest. */
  load(): Promise<StoredAlerts>;
  /** Records every alert's current state; persisted soon (coalesced), and for sure by `close()`. */
  save(alerts: AlertStates): void;
  /** Appends notified transitions to the history (bounded by count and age). */
  appendHistory(entries: readonly Transition[]): void;
  /** The history, newest first, at most `limit` entries, optionally of one rule. For GET /api/alerts/history. */
  history(options?: { rule?: string; limit?: number }): Transition[];
  /** Writes now what is pending; resolves once it is on disk. */
  flush(): Promise<void>;
  /** Writes what is pending and stops. */
  close(): Promise<void>;
}

/** Options of a file store; the defaults suit production, tests shorten them. */
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

const FILE = 'alerts';
const VERSION = 1;

/**
 * Where a store's one document lives: a file in the data folder, or a Redis key. `read` resolves undefined
 * when nothing was saved yet; `moveAside` keeps an unreadable document for a person to look at and says where.
 */
export interface StateMedium {
  /** The file or key, for log lines. */
  readonly where: string;
  prepare?(): Promise<void>;
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
  moveAside(at: number): Promise<string>;
}

/** A file in the data folder, written atomically (temp file, fsync, rename). */
export class FileMedium implements StateMedium {
  readonly #ownTemps = new Set<string>();
  constructor(readonly dir: string) {}

  get where(): string {
    return join(this.dir, `${FILE}.json`);
  }

  async prepare(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // A crash between creating a temp file and renaming it leaves `.alerts.<pid>.<random>.tmp` behind.
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (name.startsWith(`.${FILE}.`) && name.endsWith('.tmp') && !this.#ownTemps.has(name)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  async read(): Promise<string | undefined> {
    try {
      return await readFile(this.where, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  write(text: string): Promise<void> {
    return writeEntryFile(this.dir, FILE, text, this.#ownTemps);
  }

  async moveAside(at: number): Promise<string> {
    const aside = `${this.where}.${at}.corrupt`;
    await rename(this.where, aside);
    return aside;
  }
}

/** The store of one server: one document holding every alert's state and the history, on a StateMedium. */
export class DocumentAlertStore implements AlertStore {
  private alerts: AlertStates = {};
  private entries: Transition[] = [];
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

  async load(): Promise<StoredAlerts> {
    await this.medium.prepare?.();
    let text: string | undefined;
    try {
      text = await this.medium.read();
    } catch (err) {
      await this.moveAside(`it cannot be read (${messageOf(err)})`);
      return this.snapshot();
    }
    if (text === undefined) {
      this.log.info({ file: this.file }, 'no saved alert state: every alert starts as ok');
      return this.snapshot();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      await this.moveAside(`it is not JSON (${messageOf(err)})`);
      return this.snapshot();
    }
    const problem = checkFile(parsed);
    if (problem !== undefined) {
      await this.moveAside(problem);
      return this.snapshot();
    }
    const file = parsed as { alerts: Record<string, Record<string, unknown>>; history: unknown[] };
    let dropped = 0;
    for (const [rule, byKey] of Object.entries(file.alerts)) {
      const kept: Record<string, AlertState> = {};
      for (const [key, state] of Object.entries(byKey ?? {})) {
        if (isAlertState(state)) kept[key] = state;
        else dropped++;
      }
      this.alerts[rule] = kept;
    }
    this.entries = file.history.filter(isTransition);
    dropped += file.history.length - this.entries.length;
    if (dropped > 0) this.log.warn({ file: this.file, dropped }, 'dropped malformed entries from the saved alert state');
    this.prune();
    return this.snapshot();
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
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) await this.write();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private snapshot(): StoredAlerts {
    return { alerts: this.alerts, history: [...this.entries] };
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
    const text = JSON.stringify({ version: VERSION, savedAt: new Date(this.now()).toISOString(), alerts: this.alerts, history: this.entries });
    this.writing = this.medium
      .write(text)
      .catch((err: unknown) => {
        // The state is still in memory: the next change (or close) writes it again.
        this.dirty = true;
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

/** The store in `<dir>/alerts.json`, `dir` being the data folder (created when needed). */
export class FileAlertStore extends DocumentAlertStore {
  constructor(dir: string, logger: Logger, options: FileAlertStoreOptions = {}) {
    super(new FileMedium(dir), logger, options);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFile(v: unknown): string | undefined {
  if (!isRecord(v)) return 'it is not a JSON object';
  if (v.version !== VERSION) return `its version is ${JSON.stringify(v.version)}, expected ${VERSION}`;
  if (!isRecord(v.alerts) || !Object.values(v.alerts).every(isRecord)) return '"alerts" is not an object of objects';
  if (!Array.isArray(v.history)) return '"history" is not an array';
  return undefined;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isOptNum = (v: unknown): boolean => v === undefined || isNum(v);

function isAlertState(v: unknown): v is AlertState {
  return (
    isRecord(v) && (ALERT_STATES as readonly unknown[]).includes(v.state) && isNum(v.since) && isNum(v.repeats) &&
    (v.value === null || isNum(v.value)) && isRecord(v.values) && isRecord(v.labels) &&
    isOptNum(v.pendingSince) && isOptNum(v.firingSince) && isOptNum(v.resolvingSince) && isOptNum(v.errorSince) && isOptNum(v.lastNotifiedAt)
  );
}

function isTransition(v: unknown): v is Transition {
  return isRecord(v) && typeof v.rule === 'string' && typeof v.kind === 'string' && isNum(v.at) && isNum(v.startsAt) && isRecord(v.labels);
}
