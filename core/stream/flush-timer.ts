/**
 * When the hub flushes: leading edge, then coalesce. An update after a quiet spell goes out at the next turn of
 * the event loop (with whatever else finished in the same turn: the widgets of one tick); updates within
 * `coalesce` of that flush wait for the window's end and go out together, so a burst is one message per viewer
 * per window. An update a pushed change caused never waits for the window.
 */
export class FlushTimer {
  readonly #coalesceMs: number;
  readonly #flush: () => void;
  /** The flush to come: at the next turn of the event loop, or when the coalescing window ends. */
  #pending: { immediate: NodeJS.Immediate } | { timeout: NodeJS.Timeout } | undefined;
  /** When the last flush ran (performance.now()). */
  #last = -Infinity;

  constructor(coalesceMs: number, flush: () => void) {
    this.#coalesceMs = coalesceMs;
    this.#flush = flush;
  }

  /** Something waits to be sent; `urgent` (a pushed change) does not wait for the window. */
  request(urgent: boolean): void {
    const pending = this.#pending;
    if (pending !== undefined && ('immediate' in pending || !urgent)) return;
    const wait = urgent ? 0 : this.#coalesceMs - (performance.now() - this.#last);
    this.cancel();
    this.#pending = wait <= 0 ? { immediate: setImmediate(() => this.#flush()) } : { timeout: setTimeout(() => this.#flush(), wait) };
  }

  /** A flush runs now: the one waiting is not needed, and the window starts again. */
  flushing(): void {
    this.cancel();
    this.#last = performance.now();
  }

  cancel(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    if ('immediate' in pending) clearImmediate(pending.immediate);
    else clearTimeout(pending.timeout);
    this.#pending = undefined;
  }
}
