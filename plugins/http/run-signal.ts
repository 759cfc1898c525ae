/**
 * The signal of one request run by a source that can be closed: whichever ends first, the run or the source,
 * cancels it. Shared by the sources that speak HTTP (`http`, `prometheus`).
 */

/**
 * A signal for one run that aborts with either the run's signal or the source's lifetime. Done by hand rather
 * than with AbortSignal.any, so the long-lived lifetime signal holds no listener once the run is over.
 */
export function joinLifetime(run: AbortSignal, lifetime: AbortSignal): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onRun = (): void => controller.abort(run.reason);
  const onLifetime = (): void => controller.abort(lifetime.reason);
  if (run.aborted) onRun();
  else if (lifetime.aborted) onLifetime();
  run.addEventListener('abort', onRun, { once: true });
  lifetime.addEventListener('abort', onLifetime, { once: true });
  return {
    signal: controller.signal,
    release() {
      run.removeEventListener('abort', onRun);
      lifetime.removeEventListener('abort', onLifetime);
    },
  };
}

/** What a source that can be closed needs for its runs: their signals, and the close itself. */
export interface SourceLifetime {
  /** Aborted once the source is closed. */
  readonly signal: AbortSignal;
  /** Closes the source: whatever it still has in flight is cancelled. Safe to call more than once. */
  close(): void;
  /** Runs `work` with a signal that aborts with `run` or with the source's close, whichever comes first. */
  during<T>(run: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * The lifetime of one source instance: closed by its close() or when the core aborts `closed` (shutdown, reload).
 * @example const lifetime = sourceLifetime(`http source "${ctx.name}"`, ctx.signal); await lifetime.during(qctx.signal, (s) => send(req, settings, s));
 */
export function sourceLifetime(what: string, closed: AbortSignal): SourceLifetime {
  const controller = new AbortController();
  const close = (): void => controller.abort(new Error(`${what} is closed`));
  if (closed.aborted) close();
  else closed.addEventListener('abort', close, { once: true });
  return {
    signal: controller.signal,
    close,
    async during(run, work) {
      const joined = joinLifetime(run, controller.signal);
      try {
        return await work(joined.signal);
      } finally {
        joined.release();
      }
    },
  };
}
