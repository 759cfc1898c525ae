/**
 * How one job run is cancelled (its time-out, the server's shutdown) without paying for it on every run. The
 * plugin's AbortSignal is made only when the plugin reads `ctx.signal`: a source that never looks at it (an
 * in-memory one) costs no AbortController, no EventTarget and no listener. A run that is cancelled still
 * rejects one turn after the abort, and a signal read later is aborted with the same reason.
 */
import { RtdashError } from './errors.js';

/** The cancellation state of one run. */
export class RunSignal {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  #reject: ((reason: unknown) => void) | undefined;

  /** The run's signal, made on first use; aborted already if the run was cancelled before anyone asked. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Whether the run was cancelled. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** Cancels the run with `reason` (the first reason wins). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const reject = this.#reject;
    // One turn later, so that a plugin that answers the abort at once with a more precise error (a pool saying
    // it was still waiting for a connection) is the one reported.
    if (reject !== undefined) setImmediate(reject, reason);
  }

  /**
   * Settles as `result` does, or rejects with the abort's reason one turn after the run is cancelled, whichever
   * comes first. Call once per run.
   */
  race<T>(result: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Handling `result` here also keeps a plugin that rejects after its time-out from reaching the process.
      result.then(resolve, reject);
      this.#reject = reject as (reason: unknown) => void;
      if (this.#aborted) setImmediate(reject, this.#reason);
    });
  }
}

/** Where a query context keeps its run: not enumerable, so a copy of the context takes the signal, not the run. */
const RUN = Symbol('run');
/** The `signal` of every query context: one getter shared by all of them, reading the context's own run. */
const SIGNAL: PropertyDescriptor = {
  enumerable: true,
  get(this: { [RUN]: RunSignal }): AbortSignal {
    return this[RUN].signal;
  },
};

/**
 * `fields` made a plugin's query context for `run`: `signal` an own, enumerable getter, so that a plugin that copies
 * the context (`{ ...ctx }`) keeps the signal, and one that never reads it costs no AbortController. The getter is
 * shared: an object literal with a getter of its own is a new closure and a slow (dictionary) object on every run.
 */
export function withSignal<T extends object>(fields: T, run: RunSignal): T & { readonly signal: AbortSignal } {
  Object.defineProperty(fields, RUN, { value: run });
  return Object.defineProperty(fields, 'signal', SIGNAL) as T & { readonly signal: AbortSignal };
}

/** The runs in flight that each shutdown signal cancels: one listener on the signal, not one per run. */
const groups = new WeakMap<AbortSignal, Set<RunSignal>>();

/**
 * The set of runs that `shutdown` cancels when it aborts: add a run when it starts, delete it when it ends.
 * A run added after the shutdown is left alone, as a listener added to an aborted signal would be.
 * @example const runs = shutdownGroup(signal); runs.add(run); try { … } finally { runs.delete(run); }
 */
export function shutdownGroup(shutdown: AbortSignal): Set<RunSignal> {
  let group = groups.get(shutdown);
  if (group === undefined) {
    const runs = new Set<RunSignal>();
    group = runs;
    groups.set(shutdown, runs);
    shutdown.addEventListener('abort', () => {
      for (const run of runs) run.abort(new RtdashError('RTDASH_SHUTTING_DOWN', 'the server is shutting down'));
      runs.clear();
    }, { once: true });
  }
  return group;
}

/**
 * What cancels a job's runs: its time-out and the server's shutdown. One per job; its runs never overlap, so one
 * timer serves them all, re-armed at each start (no new timer per run) and unreferenced between runs.
 */
export class RunGuard {
  readonly #runs: Set<RunSignal>;
  readonly #timeoutReason: (timeoutMs: number) => unknown;
  #timer: NodeJS.Timeout | undefined;
  #timeoutMs = 0;
  #current: RunSignal | undefined;

  /** @param timeoutReason the error a run that times out is aborted with. */
  constructor(shutdown: AbortSignal, timeoutReason: (timeoutMs: number) => unknown) {
    this.#runs = shutdownGroup(shutdown);
    this.#timeoutReason = timeoutReason;
  }

  /** Starts a run that is aborted after `timeoutMs` or at shutdown, whichever comes first. */
  start(timeoutMs: number): RunSignal {
    const run = new RunSignal();
    this.#current = run;
    this.#runs.add(run);
    if (this.#timer !== undefined && this.#timeoutMs === timeoutMs) {
      this.#timer.ref();
      this.#timer.refresh();
    } else {
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timeoutMs = timeoutMs;
      this.#timer = setTimeout(() => this.#current?.abort(this.#timeoutReason(this.#timeoutMs)), timeoutMs);
    }
    return run;
  }

  /** Ends the run: nothing cancels it any more. The timer stays armed, unreferenced; firing now does nothing. */
  end(run: RunSignal): void {
    if (this.#current === run) this.#current = undefined;
    this.#runs.delete(run);
    this.#timer?.unref();
  }
}
