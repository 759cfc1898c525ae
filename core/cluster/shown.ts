/**
 * What one job's viewers on this instance were given: the seq of their latest state, whether it was of this
 * instance's own making (given while Redis was away), and the subscribes waiting for a seq to be given here.
 */
export class Shown {
  /** The highest seq the viewers were given; undefined before the first. */
  seq: number | undefined;
  /** The viewers hold a state made here while Redis was away: the next they get must be whole. */
  own = false;
  #waiters: { seq: number; resolve: () => void }[] = [];

  /** The viewers were given `seq` (`own`: made here while Redis was away); the waits it answers settle. */
  given(seq: number, own: boolean): void {
    this.seq = seq;
    this.own = own;
    if (this.#waiters.length === 0) return;
    const due = this.#waiters.filter((w) => w.seq <= seq);
    this.#waiters = this.#waiters.filter((w) => w.seq > seq);
    for (const w of due) w.resolve();
  }

  /** Settles once the viewers were given `seq`, or after `timeoutMs`. */
  when(seq: number, timeoutMs: number): Promise<void> {
    if (this.seq !== undefined && this.seq >= seq) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = { seq, resolve };
      this.#waiters.push(waiter);
      setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs).unref();
    });
  }
}
