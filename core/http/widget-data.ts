/**
 * `GET /api/dashboards/:id/widgets/:widget`: one widget's current state and history. Served from
 * the running job when someone watches it; otherwise the job is started for this request (so that
 * concurrent callers share one query) and let go afterwards.
 */
import { RtdashError } from '../errors.js';
import type { Dashboard } from '../model.js';
import type { ServerParts } from '../server-parts.js';
import type { JobListener } from '../job.js';

/**
 * The widget's state as one JSON text (the same shape as a snapshot's widget entry); with `detailed` (an
 * admin asks) a failing widget's error carries its full message as `error.detail`.
 */
export async function widgetData(parts: ServerParts, dashboard: Dashboard, widgetId: string, variables: Record<string, string>, detailed = false): Promise<string> {
  const widget = dashboard.widgets.find((w) => w.id === widgetId);
  if (widget === undefined) throw new RtdashError('RTDASH_WIDGET_NOT_FOUND', `dashboard "${dashboard.id}" has no widget "${widgetId.slice(0, 64)}"`);
  if (widget.source === undefined) throw new RtdashError('RTDASH_WIDGET_NOT_FOUND', `widget "${widget.id}" is a ${widget.type} widget and has no data`);
  let wake: () => void = () => undefined;
  const listener: JobListener = () => wake();
  const job = parts.scheduler.acquire(dashboard, widget, variables, listener);
  try {
    if (job.history.status === 'pending') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, (widget.timeoutMs ?? 10_000) + 500);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return detailed ? job.history.detailedSnapshot() : job.history.snapshot();
  } finally {
    parts.scheduler.release(job, listener);
  }
}
