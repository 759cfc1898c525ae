/**
 * The changes an outbox makes to its medium (outbox-medium.ts): a lane's run one after another, so that a send waits
 * until the lane's earlier changes are stored and a crash never brings back an entry that was superseded; and on a
 * shared medium (Redis) a change that fails is tried again until the medium answers, or until the outbox pauses or
 * closes: what is in memory then is the next leader's to decide, from what is stored.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../errors.js';
import type { Logger } from '../plugin.js';
import type { OutboxEntry } from './outbox-folder.js';
import type { OutboxMedium } from './outbox-medium.js';
import type { LaneEntry, OutboxLanes } from './outbox-order.js';

// While Redis is away a change is tried again at least this often: it should land soon after Redis is back.
const MAX_RETRY_MS = 5000;

/** The medium's changes, in lane order. */
export class OutboxChanges {
  readonly #medium: OutboxMedium;
  readonly #lanes: OutboxLanes<LaneEntry>;
  readonly #log: Logger;
  readonly #delayMs: (attempt: number) => number;
  #giveUp = new AbortController();

  /** `delayMs`: the pause before try `attempt + 1` of a change that failed (capped at a few seconds). */
  constructor(medium: OutboxMedium, lanes: OutboxLanes<LaneEntry>, log: Logger, delayMs: (attempt: number) => number) {
    this.#medium = medium;
    this.#lanes = lanes;
    this.#log = log;
    this.#delayMs = delayMs;
  }

  /**
   * Runs `change` after the lane's earlier changes. Resolves with whether the medium took it, or undefined when it was
   * given up (see giveUp); rejects with a folder's error. On a shared medium `failed` is told of the first failure, and
   * the change is tried again.
   */
  run(lane: string, change: () => Promise<boolean>, failed: (err: unknown) => void = () => undefined): Promise<boolean | undefined> {
    const signal = this.#giveUp.signal;
    return new Promise((resolve, reject) => {
      this.#lanes.change(lane, async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            resolve(await change());
            return;
          } catch (err) {
            if (!this.#medium.shared) return reject(err);
            if (attempt === 1) failed(err);
            const waited = await sleep(Math.min(this.#delayMs(attempt), MAX_RETRY_MS), true, { signal, ref: false }).catch(() => false);
            if (!waited) return resolve(undefined);
          }
        }
      });
    });
  }

  /** Stores a new entry; see run. */
  add(lane: string, entry: OutboxEntry, failed: (err: unknown) => void): Promise<boolean | undefined> {
    return this.run(lane, () => this.#medium.put(entry, true), failed);
  }

  /** Stores an entry again with fewer notifications; when that does not happen, what is stored has them all, and they are trimmed again when it is read. */
  rewrite(lane: string, entry: OutboxEntry): void {
    const said = (err: unknown): void => this.#log.warn({ entry: entry.id, err: messageOf(err) }, 'could not rewrite an outbox entry; trying again');
    this.run(lane, () => this.#medium.put(entry, false), said).then(
      (taken) => taken === false && this.#log.info({ entry: entry.id }, 'an outbox entry was not rewritten: another instance leads the alert engine now'),
      (err: unknown) => this.#log.error({ entry: entry.id, error: messageOf(err) }, 'could not rewrite an outbox entry; the next start trims it again'),
    );
  }

  /**
   * Removes an entry: delivered, or with nothing left to send. Still stored, it is sent again, with the same delivery id,
   * by the next instance that delivers from the medium.
   */
  remove(lane: string, id: string): void {
    const said = (err: unknown): void => this.#log.warn({ entry: id, err: messageOf(err) }, 'could not remove an outbox entry; trying again');
    this.run(lane, () => this.#medium.remove(id), said).then(
      (taken) => taken !== true && this.#log.warn({ entry: id }, 'an outbox entry was not removed before another instance took over the alert engine: it may send it again, with the same delivery id'),
      (err: unknown) => this.#log.error({ entry: id, error: messageOf(err) }, 'could not remove an outbox entry'),
    );
  }

  /** Gives up the changes being tried again (the outbox pauses or closes); those made from now on are tried anew. */
  giveUp(): void {
    this.#giveUp.abort();
    this.#giveUp = new AbortController();
  }
}
