/**
 * A persistent outbox: every (notifier, group) delivery is a file in a folder until its receiver has
 * accepted it, so a notification survives a crash, a restart and a receiver that is down for hours.
 *
 * File `<entry id>.json` (version 1), written to `.<entry id>.<pid>.<random>.tmp`, fsynced, renamed:
 *   { "version": 1, "id": "<entry id>", "notifier": "ops-webhook", "createdAt": "<ISO>", "group": NotificationGroup }
 * The entry id is derived from the notifier's name and the group id, so enqueueing the same group for the
 * same notifier twice yields one entry.
 *
 * Guarantees: an entry is on disk before `enqueue` resolves; it is tried until its receiver accepts it;
 * one process never sends an entry again once it was accepted. At least once across processes: if the
 * process dies after the receiver accepted a try but before the file is deleted, the next start sends it
 * again, with the same group id (webhook `X-Rtdash-Delivery`, email Message-ID) so the receiver can drop it.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDuration } from '../duration.js';
import { messageOf, RtdashError } from '../errors.js';
import type { Logger } from '../plugin.js';
import type { NotificationGroup } from './notification.js';
import { abortable } from './notifiers/abortable.js';
import type { Notifier } from './notifiers/notifier.js';
import { readEntryFile, writeEntryFile, type OutboxEntry } from './outbox-folder.js';

export type { OutboxEntry } from './outbox-folder.js';

/** How failed tries are spaced: doubling from `firstMs` up to `capMs`, each shortened by up to a quarter at random. */
export interface RetryPolicy {
  firstMs: number;
  capMs: number;
}

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
}

/** What an outbox reports, for metrics and tests. */
export interface OutboxEvents {
  delivered: [{ id: string; notifier: string; attempts: number }];
  failed: [{ id: string; notifier: string; attempt: number; error: string; retryInMs: number }];
  orphaned: [{ id: string; notifier: string }];
  discarded: [{ file: string; reason: string }];
}

/** The retry spacing when none is given: about 1 s first, at most 5 min. */
export const DEFAULT_RETRY: Readonly<RetryPolicy> = Object.freeze({ firstMs: 1000, capMs: 300_000 });

/**
 * The wait before try `attempt + 1` after `attempt` failed tries.
 * @example retryDelayMs(1, DEFAULT_RETRY, () => 0) // 1000; retryDelayMs(20, DEFAULT_RETRY, () => 0) // 300000
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const full = Math.min(policy.capMs, policy.firstMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  // Jitter spreads the retries of many entries after an outage, instead of all hitting the receiver at once.
  return Math.round(full * (1 - 0.25 * random()));
}

/** The id (and file name without `.json`) of the entry delivering `groupId` through `notifier`. */
export function outboxEntryId(notifier: string, groupId: string): string {
  return createHash('sha256').update(JSON.stringify([notifier, groupId])).digest('hex').slice(0, 32);
}

interface Pending {
  entry: OutboxEntry;
  /** False while `enqueue` is still writing the file. */
  written: boolean;
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
  private readonly delivered = new Set<string>();
  private readonly ownTemps = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private dirReady: Promise<unknown> | undefined;
  private started = false;
  private closing: Promise<void> | undefined;
  private counts = { delivered: 0, failedAttempts: 0 };

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

  /**
   * Stores a delivery of `group` through the notifier named `notifier`; resolves with the entry id once it
   * is on disk. Enqueueing a group already pending or delivered for that notifier does nothing.
   */
  async enqueue(notifier: string, group: NotificationGroup): Promise<string> {
    if (this.closing !== undefined) throw new RtdashError('RTDASH_SHUTTING_DOWN', 'the outbox is closed; the notification was not stored');
    const id = outboxEntryId(notifier, group.id);
    if (this.pending.has(id) || this.delivered.has(id)) return id;
    const entry: OutboxEntry = { version: 1, id, notifier, createdAt: new Date().toISOString(), group };
    const p: Pending = { entry, written: false, attempts: 0, orphaned: false };
    // Claimed before the first await, so a concurrent enqueue or start() cannot take it twice.
    this.pending.set(id, p);
    try {
      await this.ensureDir();
      await writeEntryFile(this.dir, id, JSON.stringify(entry), this.ownTemps);
    } catch (err) {
      this.pending.delete(id);
      throw err;
    }
    p.written = true;
    if (this.started) this.schedule(p, 0);
    return id;
  }

  /** Picks up every entry a previous process left (removing its torn writes) and starts delivering. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.ensureDir();
    const found: Pending[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      if (name.endsWith('.tmp') && !this.ownTemps.has(name)) {
        // A temp file outlives only a crash mid-write; its enqueue never returned, so nobody counts on it.
        await unlink(join(this.dir, name)).catch(() => undefined);
        this.log.warn({ file: name }, 'removed an outbox entry torn by a crash while it was written');
        this.emit('discarded', { file: name, reason: 'torn write' });
        continue;
      }
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : undefined;
      if (id === undefined || this.pending.has(id) || this.delivered.has(id)) continue;
      const entry = await this.read(name, id);
      if (entry !== undefined) found.push({ entry, written: true, attempts: 0, orphaned: false });
    }
    found.sort((a, b) => (a.entry.createdAt < b.entry.createdAt ? -1 : a.entry.createdAt > b.entry.createdAt ? 1 : 0));
    for (const p of found) this.pending.set(p.entry.id, p);
    if (found.length > 0) this.log.info({ entries: found.length }, 'delivering notifications left by a previous run');
    for (const p of this.pending.values()) if (p.written && p.timer === undefined) this.schedule(p, 0);
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

  private attempt(p: Pending): void {
    if (this.closing !== undefined || !this.pending.has(p.entry.id)) return;
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
    const run = this.deliver(p, notifier).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async deliver(p: Pending, notifier: Notifier): Promise<void> {
    const { entry } = p;
    p.attempts++;
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
      this.counts.failedAttempts++;
      const error = timeout.aborted ? `no answer within ${formatDuration(notifier.timeoutMs)}` : messageOf(err);
      const retryInMs = retryDelayMs(p.attempts, this.retry, this.random);
      this.log.warn({ entry: entry.id, group: entry.group.id, notifier: notifier.name, attempt: p.attempts, error }, `notification delivery failed; retrying in ${formatDuration(retryInMs)}`);
      this.emit('failed', { id: entry.id, notifier: notifier.name, attempt: p.attempts, error, retryInMs });
      this.schedule(p, retryInMs);
      return;
    }
    this.pending.delete(entry.id);
    this.delivered.add(entry.id);
    if (this.delivered.size > REMEMBER_DELIVERED) this.delivered.delete(this.delivered.values().next().value as string);
    this.counts.delivered++;
    try {
      await unlink(join(this.dir, `${entry.id}.json`));
    } catch (err) {
      // Still on disk: the next start sends it again, which the receiver can drop by its delivery id.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.log.error({ entry: entry.id, error: messageOf(err) }, 'could not remove a delivered outbox entry');
    }
    this.log.debug({ entry: entry.id, group: entry.group.id, notifier: notifier.name, attempts: p.attempts }, 'notification delivered');
    this.emit('delivered', { id: entry.id, notifier: notifier.name, attempts: p.attempts });
  }

  private ensureDir(): Promise<unknown> {
    this.dirReady ??= mkdir(this.dir, { recursive: true }).catch((err: unknown) => {
      this.dirReady = undefined;
      throw err;
    });
    return this.dirReady;
  }

  /** Reads an entry file; one that cannot be an entry is renamed to `*.corrupt`, out of the way but kept. */
  private async read(name: string, id: string): Promise<OutboxEntry | undefined> {
    const result = await readEntryFile(this.dir, name, id);
    if (result === undefined || 'entry' in result) return result?.entry;
    await rename(join(this.dir, name), join(this.dir, `${name}.corrupt`)).catch(() => undefined);
    this.log.error({ file: name, reason: result.reason }, 'an outbox file is unreadable; renamed it to .corrupt');
    this.emit('discarded', { file: name, reason: result.reason });
    return undefined;
  }
}
