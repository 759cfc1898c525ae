/**
 * The tries of an outbox (outbox.ts builds on this): the first entry of each lane is sent once it is stored, after
 * the stale check, within its notifier's time limit, and tried again after growing pauses until its receiver accepts
 * it; an entry for a notifier that is not configured waits until it is. Only while delivering (`term` set).
 */
import type { AlertNotification } from './notification.js';
import { EventEmitter } from 'node:events';
import { formatDuration } from '../duration.js';
import { messageOf } from '../errors.js';
import type { Logger } from '../plugin.js';
import { abortable } from './notifiers/abortable.js';
import type { Notifier } from './notifiers/notifier.js';
import type { OutboxEvents, OutboxOptions, OutboxStats, StaleCheck } from './outbox-events.js';
import { OutboxLanes, type LaneEntry } from './outbox-order.js';
import { DEFAULT_RETRY, retryDelayMs, type RetryPolicy } from './outbox-retry.js';

/** What the outbox holds of an entry. */
export interface Pending extends LaneEntry {
  attempts: number;
  timer?: NodeJS.Timeout;
  orphaned: boolean;
}

/** Sends the head of each lane until it is accepted; what is pending, and where it is stored, is the outbox's (outbox.ts). */
export abstract class OutboxTries extends EventEmitter<OutboxEvents> {
  protected notifiers: ReadonlyMap<string, Notifier>;
  protected readonly log: Logger;
  protected readonly retry: RetryPolicy;
  protected readonly random: () => number;
  protected readonly pending = new Map<string, Pending>();
  /** One rule's entries for one notifier go one at a time, oldest first (outbox-order.ts). */
  protected readonly lanes = new OutboxLanes<Pending>((work) => this.track(work));
  protected readonly inFlight = new Set<Promise<void>>();
  /** Set while delivering (from `start()` to `pause()` or `close()`); aborted, it cuts the tries in flight short. */
  protected term: AbortController | undefined;
  protected closing: Promise<void> | undefined;
  protected counts = { delivered: 0, failedAttempts: 0, superseded: 0 };
  private staleCheck: StaleCheck | undefined;

  constructor(notifiers: ReadonlyMap<string, Notifier>, logger: Logger, options: OutboxOptions) {
    super();
    this.notifiers = notifiers;
    this.log = logger.child({ component: 'outbox' });
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  /** Sets the check made right before each try, which leaves out notifications whose alert has moved on since. */
  setStaleCheck(check: StaleCheck): void {
    this.staleCheck = check;
  }

  /** Gives a notifier that keeps state at its receiver the alerts firing as this instance starts to notify. */
  resume(notifier: string, firing: AlertNotification[]): void {
    this.notifiers.get(notifier)?.resume?.(firing);
  }

  /** Tells every notifier this instance stops notifying (see Notifier.pause). */
  pauseNotifiers(): void {
    for (const notifier of this.notifiers.values()) notifier.pause?.();
  }

  /** The names of the notifiers it delivers through. */
  notifierNames(): string[] {
    return [...this.notifiers.keys()];
  }

  /** Figures for metrics. */
  stats(): OutboxStats {
    let orphaned = 0;
    let oldestAt: number | undefined;
    for (const p of this.pending.values()) {
      if (p.orphaned) orphaned++;
      const at = Date.parse(p.entry.createdAt);
      if (Number.isFinite(at) && (oldestAt === undefined || at < oldestAt)) oldestAt = at;
    }
    return { pending: this.pending.size, orphaned, oldestAt, ...this.counts };
  }

  /** Swaps the notifiers (after a config reload); entries kept for a missing notifier are tried again. */
  setNotifiers(notifiers: ReadonlyMap<string, Notifier>): void {
    for (const [name, old] of this.notifiers) if (notifiers.get(name) !== old) void old.close?.();
    this.notifiers = notifiers;
    for (const p of this.pending.values()) {
      if (p.orphaned && notifiers.has(p.entry.notifier)) {
        p.orphaned = false;
        this.schedule(p, 0);
      }
    }
  }

  protected schedule(p: Pending, delayMs: number): void {
    if (this.closing !== undefined || this.term === undefined) return;
    clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      p.timer = undefined;
      this.attempt(p);
    }, delayMs);
    // A pending retry alone must not keep the process alive; the server's own handles do that.
    p.timer.unref();
  }

  /** Tries the first entry of a lane now, unless it is being tried, waits for its retry, or is not stored yet. */
  protected kick(lane: string): void {
    const head = this.lanes.head(lane);
    if (head !== undefined && this.term !== undefined && head.written && !head.sending && !head.orphaned && head.timer === undefined) this.schedule(head, 0);
  }

  /** Counts work that `close()` waits for. */
  protected track(work: Promise<void>): void {
    const tracked = work.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  protected attempt(p: Pending): void {
    const term = this.term;
    if (this.closing !== undefined || term === undefined || !this.pending.has(p.entry.id)) return;
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
    const run = this.deliver(p, notifier, term.signal).finally(() => {
      p.sending = false;
      this.inFlight.delete(run);
    });
    this.inFlight.add(run);
  }

  private async deliver(p: Pending, notifier: Notifier, term: AbortSignal): Promise<void> {
    p.attempts++;
    // Every earlier change of the lane is stored before anything of it is sent.
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
    }
    // Left out meanwhile, or this instance stopped delivering (another one leads now).
    if (term.aborted || this.pending.get(p.entry.id) !== p) return;
    const { entry } = p;
    const timeout = AbortSignal.timeout(notifier.timeoutMs);
    const signal = AbortSignal.any([timeout, term]);
    try {
      // abortable: the try ends on time even if a notifier ignores its signal.
      await abortable(notifier.send(entry.group, signal), signal);
    } catch (err) {
      if (term.aborted) {
        this.log.info({ entry: entry.id, notifier: notifier.name }, this.closing === undefined ? 'a delivery was cut short: this instance no longer leads the alert engine; the one leading sends it' : 'a delivery was cut short by shutdown; it is tried again on the next start');
        return;
      }
      this.failed(p, notifier, timeout.aborted ? `no answer within ${formatDuration(notifier.timeoutMs)}` : messageOf(err));
      return;
    }
    this.accepted(p);
    this.counts.delivered++;
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

  /** Takes notifications out of an entry (`outdated`: the stale check says so), removing it when none is left. */
  protected abstract trim(p: Pending, drop: ReadonlySet<string>, reason: 'superseded' | 'outdated'): void;
  /** Takes out of a lane's entries every notification a newer entry of the lane is about. */
  protected abstract supersede(lane: string): void;
  /** Its receiver accepted the entry: it leaves the outbox. */
  protected abstract accepted(p: Pending): void;
}
