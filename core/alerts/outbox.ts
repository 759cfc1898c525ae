/**
 * A persistent outbox: every (notifier, group) delivery is an entry in a medium until its receiver has accepted it,
 * so a notification survives a crash, a restart and a receiver that is down for hours. The medium is a folder
 * (outbox-folder.ts), or Redis when several instances share the alert state (outbox-redis.ts).
 *
 * An entry is an OutboxEntry (outbox-folder.ts). Its id is derived from the notifier's name and the group id, so
 * enqueueing the same group for the same notifier twice yields one entry.
 *
 * Guarantees: an entry is stored before `enqueue` resolves (on a shared medium that does not answer: see below);
 * it is tried until its receiver accepts it or a newer notification of the same alerts supersedes it
 * (outbox-order.ts: one rule's entries for one notifier go one at a time, oldest first, and a receiver never ends
 * on a state older than the alert's current one); one process never
 * sends an entry again once it was accepted. At least once across processes: if the process dies after the
 * receiver accepted a try but before the entry is removed, the next start (with Redis: the next leader) sends it
 * again, with the same group id (webhook `X-Rtdash-Delivery`, email Message-ID) so the receiver can drop it.
 *
 * On a shared medium only the instance leading the alert engine delivers: it starts the outbox on taking the lease,
 * pauses it on losing it, and an entry it could not store while Redis was away is kept in memory and stored once
 * Redis answers (enqueue resolves at once: the engine counts the notification as sent); it is lost if the lease goes
 * first, since the next leader decides from the stored alert state.
 */
import { messageOf, RtdashError } from '../errors.js';
import type { Logger } from '../plugin.js';
import type { NotificationGroup } from './notification.js';
import type { Notifier } from './notifiers/notifier.js';
import { OutboxChanges } from './outbox-changes.js';
import type { OutboxOptions } from './outbox-events.js';
import { OutboxFolder, outboxEntryId, type NotificationAbout, type OutboxEntry } from './outbox-folder.js';
import type { OutboxMedium } from './outbox-medium.js';
import { retryDelayMs } from './outbox-retry.js';
import { laneOf, without } from './outbox-order.js';
import { OutboxTries, type Pending } from './outbox-tries.js';

export { OutboxFolder, outboxEntryId, type NotificationAbout, type OutboxEntry } from './outbox-folder.js';
export type { OutboxMedium } from './outbox-medium.js';
export { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './outbox-retry.js';
export type { OutboxEvents, OutboxOptions, OutboxStats, StaleCheck } from './outbox-events.js';

// Ids of delivered entries are remembered so that a re-enqueue is dropped; this many is plenty for that.
const REMEMBER_DELIVERED = 100_000;

/** Delivers notification groups through notifiers, from entries in a medium, retrying until each is accepted. */
export class Outbox extends OutboxTries {
  readonly medium: OutboxMedium;
  private readonly closeTimeoutMs: number;
  private readonly changes: OutboxChanges;
  private seq = 0;
  private readonly delivered = new Set<string>();
  /** Set while `start()` reads the medium. */
  private starting: AbortController | undefined;

  /** `medium`: a folder, usually `<storage.dir>/outbox` (created when needed), or a medium. Nothing is sent before `start()`. */
  constructor(medium: string | OutboxMedium, notifiers: ReadonlyMap<string, Notifier>, logger: Logger, options: OutboxOptions = {}) {
    super(notifiers, logger, options);
    this.medium = typeof medium === 'string' ? new OutboxFolder(medium) : medium;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.changes = new OutboxChanges(this.medium, this.lanes, this.log, (attempt) => retryDelayMs(attempt, this.retry, this.random));
  }

  /**
   * Stores a delivery of `group` through the notifier named `notifier`; resolves with the entry id once it is stored
   * (or, on a shared medium that does not answer, kept to be stored when it does). Enqueueing a group already pending
   * or delivered for that notifier does nothing. `alerts` says what each notification is about (by notification id),
   * so that newer ones of the same alert supersede it. Rejects when the medium refused it: the alert lease is another
   * instance's now.
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
    let held = false;
    let kept!: () => void;
    const keptInMemory = new Promise<void>((resolve) => (kept = resolve));
    const stored = this.changes.add(p.lane, entry, (err) => {
      held = true;
      this.log.warn({ entry: id, where: this.medium.where, err: messageOf(err) }, 'could not store a notification in the outbox; keeping it in memory and trying again');
      kept();
    });
    // Followed to its end even when kept in memory meanwhile: stored, it goes out; refused or given up, it is dropped.
    const settled = stored.then(
      (taken) => this.settle(p, taken, held),
      (err: unknown) => {
        this.forget(p);
        throw err;
      },
    );
    settled.catch(() => undefined);
    await Promise.race([settled, keptInMemory]);
    return id;
  }

  /** What becomes of a new entry once its medium has answered: `taken` (true), refused (false) or given up (undefined). */
  private settle(p: Pending, taken: boolean | undefined, held: boolean): void {
    const { id } = p.entry;
    if (taken === true) {
      if (held) this.log.info({ entry: id }, 'stored a notification kept in memory while the outbox could not be written');
      if (this.pending.get(id) !== p) return; // paused meanwhile: stored, it is the leader's to send
      p.written = true;
      // Only once it is stored may it supersede older entries: a crash in between must lose neither.
      this.supersede(p.lane);
      this.kick(p.lane);
      return;
    }
    this.forget(p);
    const why = taken === false ? 'another instance leads the alert engine now' : 'this instance stopped leading the alert engine first';
    if (taken === false && !held) throw new RtdashError('RTDASH_INTERNAL', `the notification was not stored in the outbox: ${why}`);
    this.log.error({ entry: id, notifier: p.entry.notifier, group: p.entry.group.id }, `a notification kept in memory was never stored in the outbox, and is not sent: ${why}`);
  }

  /** Takes an entry that was not stored out of the outbox. */
  private forget(p: Pending): void {
    if (this.pending.get(p.entry.id) !== p) return;
    this.pending.delete(p.entry.id);
    this.lanes.leave(p);
    this.kick(p.lane);
  }

  /** Picks up every entry stored (by a previous process, or another instance) and starts delivering. */
  async start(): Promise<void> {
    if (this.term !== undefined || this.starting !== undefined || this.closing !== undefined) return;
    const starting = new AbortController();
    this.starting = starting;
    let loaded;
    try {
      loaded = await this.medium.load();
    } finally {
      if (this.starting === starting) this.starting = undefined;
    }
    if (starting.signal.aborted) return; // paused or closed meanwhile
    // Nothing is tried before the lanes hold what was stored, oldest first.
    this.term = starting;
    for (const file of loaded.torn) {
      this.log.warn({ file }, 'removed an outbox entry torn by a crash while it was written');
      this.emit('discarded', { file, reason: 'torn write' });
    }
    for (const { file, reason } of loaded.corrupt) {
      this.log.error({ file, reason }, 'an outbox entry is unreadable; moved it aside');
      this.emit('discarded', { file, reason });
    }
    // Lanes in the order the entries were stored, whoever stored them; those not stored yet come last.
    const all: Pending[] = [];
    const found = new Set<string>();
    let earlier = 0;
    for (const entry of loaded.entries) {
      found.add(entry.id);
      if (!this.pending.has(entry.id) && !this.delivered.has(entry.id)) earlier++;
      // Accepted by its receiver here already: its removal failed, or is under way.
      if (this.delivered.has(entry.id)) this.changes.remove(laneOf(entry), entry.id);
      else all.push(this.pending.get(entry.id) ?? { entry, written: true, attempts: 0, orphaned: false, lane: laneOf(entry), sending: false });
    }
    // Stored but not found: delivered and removed by the instance that led meanwhile.
    all.push(...[...this.pending.values()].filter((p) => !found.has(p.entry.id) && !p.written));
    this.pending.clear();
    this.lanes.clear();
    for (const p of all) {
      this.pending.set(p.entry.id, p);
      this.lanes.join(p);
    }
    if (earlier > 0) this.log.info({ entries: earlier, where: this.medium.where }, 'delivering notifications left by a previous run or leader');
    for (const lane of this.lanes.names()) {
      this.supersede(lane);
      this.kick(lane);
    }
  }

  /**
   * Stops delivering (this instance no longer leads): cuts the tries in flight short and forgets the entries, which
   * stay in the medium for the instance leading now; `start()` reads them again. Entries not stored yet are dropped.
   */
  pause(): void {
    this.starting?.abort();
    this.starting = undefined;
    const term = this.term;
    if (term === undefined) return;
    this.term = undefined;
    term.abort(new RtdashError('RTDASH_SHUTTING_DOWN', 'this instance no longer leads the alert engine'));
    this.changes.giveUp();
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.lanes.clear();
  }

  /** Stops delivering; waits up to `closeTimeoutMs` for tries and changes in flight, then aborts them. Entries stay stored. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const p of this.pending.values()) clearTimeout(p.timer);
      const settled = Promise.allSettled([...this.inFlight]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise((resolve) => (timer = setTimeout(resolve, this.closeTimeoutMs)))]);
      clearTimeout(timer);
      this.starting?.abort();
      this.term?.abort(new RtdashError('RTDASH_SHUTTING_DOWN', 'the outbox is closing'));
      this.changes.giveUp();
      await settled;
      // Notifiers release what they hold (an SMTP transport, a resend timer) once nothing more is tried.
      await Promise.allSettled([...this.notifiers.values()].map((n) => n.close?.()));
      this.medium.close?.();
    })();
    return this.closing;
  }

  /** Takes out of a lane's entries (stored ones too) every notification a newer entry of the lane is about. */
  protected supersede(lane: string): void {
    for (const [p, drop] of this.lanes.superseded(lane)) this.trim(p, drop, 'superseded');
  }

  /** Removes notifications from an entry, rewriting it, or removing it when none is left. */
  protected trim(p: Pending, drop: ReadonlySet<string>, reason: 'superseded' | 'outdated'): void {
    const { id, notifier } = p.entry;
    const rest = without(p.entry, drop);
    this.counts.superseded += drop.size;
    this.log.info({ entry: id, notifier, notifications: drop.size, reason }, reason === 'superseded' ? 'a newer notification of the same alert replaces one not yet sent' : 'left out a notification whose alert has moved on since');
    if (rest === undefined) this.remove(p);
    else {
      p.entry = rest;
      this.changes.rewrite(p.lane, rest);
    }
    this.emit('superseded', { id, notifier, notifications: [...drop], reason, dropped: rest === undefined });
  }

  /** Forgets an entry that will not be sent (it is removed from the medium too), and lets the next of its lane go. */
  private remove(p: Pending): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    this.pending.delete(p.entry.id);
    this.remember(p.entry.id);
    this.lanes.leave(p);
    this.changes.remove(p.lane, p.entry.id);
    this.kick(p.lane);
  }

  private remember(id: string): void {
    this.delivered.add(id);
    if (this.delivered.size > REMEMBER_DELIVERED) this.delivered.delete(this.delivered.values().next().value as string);
  }

  /** Its receiver accepted the entry: it is removed at once (one step under the lease: see outbox-redis.ts). */
  protected accepted(p: Pending): void {
    this.pending.delete(p.entry.id);
    this.remember(p.entry.id);
    this.lanes.leave(p);
    this.changes.remove(p.lane, p.entry.id);
  }
}
