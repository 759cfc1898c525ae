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
