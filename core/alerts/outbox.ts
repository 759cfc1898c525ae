/**
 * A persistent outbox: every (notifier, group) delivery is a file in a folder until its receiver has
 * accepted it, so a notification survives a crash, a restart and a receiver that is down for hours.
 *
 * File `<entry id>.json` (version 1), written to `.<entry id>.<pid>.<random>.tmp`, fsynced, renamed:
 *   { "version": 1, "id": "<entry id>", "notifier": "ops-webhook", "createdAt": "<ISO>", "seq": 7, "group": NotificationGroup,
 *     "alerts": { "<notification id>": { "series": "host=\"a\"", "at": <ms>, "state": "firing" } } }
 * (`seq` and `alerts` came later; an entry without them is ordered by `createdAt` and its alerts told apart by
 * their labels). The entry id is derived from the notifier's name and the group id, so enqueueing the same group for the
 * same notifier twice yields one entry.
 *
 * Guarantees: an entry is on disk before `enqueue` resolves; it is tried until its receiver accepts it or a newer
 * notification of the same alerts supersedes it (outbox-order.ts: one rule's entries for one notifier go one at a
 * time, oldest first, and a receiver never ends on a state older than the alert's current one); one process never
 * sends an entry again once it was accepted. At least once across processes: if the process dies after the
 * receiver accepted a try but before the file is deleted, the next start sends it again, with the same group id
 * (webhook `X-Rtdash-Delivery`, email Message-ID) so the receiver can drop it.
 */
import { EventEmitter } from 'node:events';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../duration.js';
import { messageOf, RtdashError } from '../errors.js';
import type { Logger } from '../plugin.js';
import type { NotificationGroup } from './notification.js';
import { abortable } from './notifiers/abortable.js';
import type { Notifier } from './notifiers/notifier.js';
import { outboxEntryId, scanFolder, writeEntryFile, type NotificationAbout, type OutboxEntry } from './outbox-folder.js';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './outbox-retry.js';
import { byCreation, laneOf, OutboxLanes, without, type LaneEntry } from './outbox-order.js';

export { outboxEntryId, type NotificationAbout, type OutboxEntry } from './outbox-folder.js';
export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './outbox-retry.js';

/**
 * Which notifications of an entry are outdated right before a try: those whose alert has moved on since (as this
 * instance or, with several, the one leading now knows it). A rejection counts as a failed try.
 */
export type StaleCheck = (entry: OutboxEntry) => Promise<ReadonlySet<string>>;

/** Options of an outbox; the defaults suit production, tests shorten them. */
export interface OutboxOptions {
  retry?: Partial<RetryPolicy>;
  /** Longest time `close()` waits for tries in flight before it aborts them (their entries stay for the next start). */
  closeTimeoutMs?: number;
  /** The source of jitter, in [0, 1). */
  random?: () => number;
}

/** Figures for metrics. */
export interface OutboxStats {
  /** Entries waiting for delivery, including orphaned ones. */
  pending: number;
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

interface Pending extends LaneEntry {
  attempts: number;
  timer?: NodeJS.Timeout;
  orphaned: boolean;
}

// Ids of delivered entries are remembered so that a re-enqueue is dropped; this many is plenty for that.
const REMEMBER_DELIVERED = 100_000;

/** Delivers notification groups through notifiers, from files in `dir`, retrying until each is accepted. */
export class Outbox extends EventEmitter<OutboxEvents> {
  private notifiers: ReadonlyMap<string, Notifier>;
  private readonly log: Logger;
  private readonly retry: RetryPolicy;
  private readonly closeTimeoutMs: number;
  private readonly random: () => number;
  private readonly pending = new Map<string, Pending>();
  /** One rule's entries for one notifier go one at a time, oldest first (outbox-order.ts). */
  private readonly lanes = new OutboxLanes<Pending>((work) => this.track(work));
  private staleCheck: StaleCheck | undefined;
  private seq = 0;
  private readonly delivered = new Set<string>();
  private readonly ownTemps = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private dirReady: Promise<unknown> | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private counts = { delivered: 0, failedAttempts: 0, superseded: 0 };

  /** `dir` is usually `<storage.dir>/outbox`; it is created when needed. Nothing is sent before `start()`. */
  constructor(
    readonly dir: string,
    notifiers: ReadonlyMap<string, Notifier>,
    logger: Logger,
    options: OutboxOptions = {},
  ) {
    super();
    this.notifiers = notifiers;
    this.log = logger.child({ component: 'outbox' });
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.random = options.random ?? Math.random;
  }

  /** Figures for metrics. */
  stats(): OutboxStats {
    const orphaned = [...this.pending.values()].filter((p) => p.orphaned).length;
    return { pending: this.pending.size, orphaned, ...this.counts };
  }

  /** Sets the check made right before each try, which leaves out notifications whose alert has moved on since. */
  setStaleCheck(check: StaleCheck): void {
    this.staleCheck = check;
  }

  /**
   * Stores a delivery of `group` through the notifier named `notifier`; resolves with the entry id once it
   * is on disk. Enqueueing a group already pending or delivered for that notifier does nothing. `alerts` says
   * what each notification is about (by notification id), so that newer ones of the same alert supersede it.
   */
  async enqueue(notifier: string, group: NotificationGroup, alerts?: Record<string, NotificationAbout>): Promise<string> {
    if (this.closing !== undefined) throw new RtdashError('RTDASH_SHUTTING_DOWN', 'the outbox is closed; the notification was not stored');
    const id = outboxEntryId(notifier, group.id);
    if (this.pending.has(id) || this.delivered.has(id)) return id;
    const entry: OutboxEntry = { version: 1, id, notifier, createdAt: new Date().toISOString(), seq: ++this.seq, group, ...(alerts !== undefined && { alerts }) };
    const p: Pending = { entry, written: false, attempts: 0, orphaned: false, lane: laneOf(entry), sending: false };
    // Claimed before the first await, so a concurrent enqueue or start() cannot take it twice.
    this.pending.set(id, p);
    this.lanes.join(p);
    try {
      await this.ensureDir();
      await writeEntryFile(this.dir, id, JSON.stringify(entry), this.ownTemps);
    } catch (err) {
      this.pending.delete(id);
      this.lanes.leave(p);
      throw err;
    }
    p.written = true;
    // Only once it is on disk may it supersede older entries: a crash in between must lose neither.
    this.supersede(p.lane);
    if (this.started) this.kick(p.lane);
    return id;
  }

  /** Picks up every entry a previous process left (removing its torn writes) and starts delivering. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.ensureDir();
    const scan = await scanFolder(this.dir, this.ownTemps, (id) => this.pending.has(id) || this.delivered.has(id));
    for (const file of scan.torn) {
      this.log.warn({ file }, 'removed an outbox entry torn by a crash while it was written');
      this.emit('discarded', { file, reason: 'torn write' });
    }
    for (const { file, reason } of scan.corrupt) {
      this.log.error({ file, reason }, 'an outbox file is unreadable; renamed it to .corrupt');
      this.emit('discarded', { file, reason });
    }
    const found: Pending[] = scan.entries.map((entry) => ({ entry, written: true, attempts: 0, orphaned: false, lane: laneOf(entry), sending: false }));
    // Lanes in the order the entries were made, whoever made them: a previous run's come before this one's.
    const all = [...this.pending.values(), ...found].sort((a, b) => byCreation(a.entry, b.entry));
    this.pending.clear();
    this.lanes.clear();
    for (const p of all) {
      this.pending.set(p.entry.id, p);
      this.lanes.join(p);
    }
    if (found.length > 0) this.log.info({ entries: found.length }, 'delivering notifications left by a previous run');
    for (const lane of this.lanes.names()) {
      this.supersede(lane);
      this.kick(lane);
    }
  }

  /** Swaps the notifiers (after a config reload); entries kept for a missing notifier are tried again. */
  setNotifiers(notifiers: ReadonlyMap<string, Notifier>): void {
    this.notifiers = notifiers;
    for (const p of this.pending.values()) {
      if (p.orphaned && notifiers.has(p.entry.notifier)) {
        p.orphaned = false;
        this.schedule(p, 0);
      }
    }
  }

  /** Stops delivering; waits up to `closeTimeoutMs` for tries in flight, then aborts them. Entries stay on disk. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const p of this.pending.values()) clearTimeout(p.timer);
      const settled = Promise.allSettled([...this.inFlight]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, this.closeTimeoutMs)))]);
      clearTimeout(timer);
      this.stopping.abort(new RtdashError('RTDASH_SHUTTING_DOWN', 'the outbox is closing'));
      await settled;
    })();
    return this.closing;
  }

  private schedule(p: Pending, delayMs: number): void {
    if (this.closing !== undefined) return;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      p.timer = undefined;
      this.attempt(p);
    }, delayMs);
    // A pending retry alone must not keep the process alive; the server's own handles do that.
    p.timer.unref();
  }

  /** Tries the first entry of a lane now, unless it is being tried, waits for its retry, or is not on disk yet. */
  private kick(lane: string): void {
    const head = this.lanes.head(lane);
    if (head !== undefined && this.started && head.written && !head.sending && !head.orphaned && head.timer === undefined) this.schedule(head, 0);
  }

  /** Counts work that `close()` waits for. */
  private track(work: Promise<void>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Takes out of a lane's entries (on disk too) every notification a newer entry of the lane is about. */
  private supersede(lane: string): void {
    for (const [p, drop] of this.lanes.superseded(lane)) this.trim(p, drop, 'superseded');
  }

  /** Removes notifications from an entry, rewriting its file, or removing it when none is left. */
  private trim(p: Pending, drop: ReadonlySet<string>, reason: 'superseded' | 'outdated'): void {
    const { id, notifier } = p.entry;
    const rest = without(p.entry, drop);
    this.counts.superseded += drop.size;
    this.log.info({ entry: id, notifier, notifications: drop.size, reason }, reason === 'superseded' ? 'a newer notification of the same alert replaces one not yet sent' : 'left out a notification whose alert has moved on since');
    if (rest === undefined) this.remove(p);
    else {
      p.entry = rest;
      const text = JSON.stringify(rest);
      this.lanes.change(p.lane, () => writeEntryFile(this.dir, id, text, this.ownTemps).catch((err: unknown) => this.log.error({ entry: id, error: messageOf(err) }, 'could not rewrite an outbox entry; the next start trims it again')));
    }
    this.emit('superseded', { id, notifier, notifications: [...drop], reason, dropped: rest === undefined });
  }

  /** Forgets an entry that will not be sent (its file goes too), and lets the next of its lane go. */
  private remove(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    this.pending.delete(p.entry.id);
    this.remember(p.entry.id);
    this.lanes.leave(p);
    this.lanes.change(p.lane, () => this.unlinkEntry(p.entry.id));
    this.kick(p.lane);
  }

  private remember(id: string): void {
    this.delivered.add(id);
    if (this.delivered.size > REMEMBER_DELIVERED) this.delivered.delete(this.delivered.values().next().value as string);
  }

  private async unlinkEntry(id: string): Promise<void> {
    try {
      await unlink(join(this.dir, `${id}.json`));
    } catch (err) {
      // Still on disk: the next start sends it again, which the receiver can drop by its delivery id.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error({ entry: id, error: messageOf(err) }, 'could not remove an outbox entry');
    }
  }

  private attempt(p: Pending): void {
    if (this.closing !== undefined || !this.pending.has(p.entry.id)) return;
    // Not first in its lane: it goes when the entries before it are done.
    if (this.lanes.head(p.lane) !== p) return;
    const notifier = this.notifiers.get(p.entry.notifier);
    if (notifier === undefined) {
      if (!p.orphaned) {
        p.orphaned = true;
        const known = [...this.notifiers.keys()].join(', ') || 'none';
        this.log.error({ entry: p.entry.id, notifier: p.entry.notifier, known }, 'an outbox entry names a notifier that is not configured; it is kept until that notifier is back');
        this.emit('orphaned', { id: p.entry.id, notifier: p.entry.notifier });
      }
      return;
    }
    p.sending = true;
    const run = this.deliver(p, notifier).finally(() => {
      p.sending = false;
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
  }

  private async deliver(p: Pending, notifier: Notifier): Promise<void> {
    p.attempts++;
    // Every earlier change of the lane's files is on disk before anything of it is sent.
    await this.lanes.settled(p.lane);
    if (this.staleCheck !== undefined) {
      let stale: ReadonlySet<string>;
      try {
        stale = await this.staleCheck(p.entry);
      } catch (err) {
        this.failed(p, notifier, `could not check that the alert is still in this state: ${messageOf(err)}`);
        return;
      }
      if (stale.size > 0) this.trim(p, stale, 'outdated');
      if (!this.pending.has(p.entry.id)) return;
    }
    const { entry } = p;
    const timeout = AbortSignal.timeout(notifier.timeoutMs);
    const signal = AbortSignal.any([timeout, this.stopping.signal]);
    try {
      // abortable: the try ends on time even if a notifier ignores its signal.
      await abortable(notifier.send(entry.group, signal), signal);
    } catch (err) {
      if (this.stopping.signal.aborted) {
        this.log.info({ entry: entry.id, notifier: notifier.name }, 'a delivery was cut short by shutdown; it is tried again on the next start');
        return;
      }
      this.failed(p, notifier, timeout.aborted ? `no answer within ${formatDuration(notifier.timeoutMs)}` : messageOf(err));
      return;
    }
    this.pending.delete(entry.id);
    this.remember(entry.id);
    this.lanes.leave(p);
    this.counts.delivered++;
    this.lanes.change(p.lane, () => this.unlinkEntry(entry.id));
    await this.lanes.settled(p.lane);
    this.kick(p.lane);
    this.log.debug({ entry: entry.id, group: entry.group.id, notifier: notifier.name, attempts: p.attempts }, 'notification delivered');
    this.emit('delivered', { id: entry.id, notifier: notifier.name, attempts: p.attempts });
  }

  /** A try failed: newer entries of the lane may supersede it now; what is left is retried after a pause. */
  private failed(p: Pending, notifier: Notifier, error: string): void {
    const { entry } = p;
    this.counts.failedAttempts++;
    const retryInMs = retryDelayMs(p.attempts, this.retry, this.random);
    this.log.warn({ entry: entry.id, group: entry.group.id, notifier: notifier.name, attempt: p.attempts, error }, `notification delivery failed; retrying in ${formatDuration(retryInMs)}`);
    this.emit('failed', { id: entry.id, notifier: notifier.name, attempt: p.attempts, error, retryInMs });
    p.sending = false;
    this.supersede(p.lane);
    if (this.pending.has(entry.id)) this.schedule(p, retryInMs);
  }

  private ensureDir(): Promise<unknown> {
    this.dirReady ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.dirReady = undefined;
      throw err;
    });
    return this.dirReady;
  }
}
