/**
 * `GET /api/dashboards/:id/widgets/:widget`: one widget's current state and history. Served from
 * the running job when someone watches it; otherwise the job is started for this request (so that
 * concurrent callers share one query) and let go afterwards, or as soon as the caller hangs up.
 */
import { RtdashError } from '../errors.js';
import type { Dashboard } from '../model.js';
import type { ServerParts } from '../server-parts.js';
import type { JobListener } from '../job.js';
import type { RangeSpec } from '../time-range.js';

/**
 * The widget's state as one JSON text (the same shape as a snapshot's widget entry); with `detailed` (an
 * admin asks) a failing widget's error carries its full message as `error.detail`. When `gone` aborts (the
 * client hung up) it stops waiting for the first result, so the job is not held for a caller who left.
 */
export async function widgetData(
  parts: ServerParts,
  dashboard: Dashboard,
  widgetId: string,
  variables: Record<string, string>,
  detailed = false,
  gone?: AbortSignal,
  /** On a dashboard with `time:`, the range asked for (checked); the default when left out. */
  range?: RangeSpec,
): Promise<string> {
  const widget = dashboard.widgets.find((w) => w.id === widgetId);
  if (widget === undefined) throw new RtdashError('RTDASH_WIDGET_NOT_FOUND', `dashboard "${dashboard.id}" has no widget "${widgetId.slice(0, 64)}"`);
  if (widget.source === undefined) throw new RtdashError('RTDASH_WIDGET_NOT_FOUND', `widget "${widget.id}" is a ${widget.type} widget and has no data`);
  let wake: () => void = () => undefined;
  const listener: JobListener = () => wake();
  const job = parts.scheduler.acquire(dashboard, widget, variables, listener, range);
  try {
    if (job.history.status === 'pending' && gone?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, (widget.timeoutMs ?? 10_000) + 500);
        function done() {
          clearTimeout(timer);
          gone?.removeEventListener('abort', done);
          resolve();
        }
        wake = done;
        gone?.addEventListener('abort', done, { once: true });
      });
    }
    return detailed ? job.history.detailedSnapshot() : job.history.snapshot();
  } finally {
    parts.scheduler.release(job, listener);
  }
}
