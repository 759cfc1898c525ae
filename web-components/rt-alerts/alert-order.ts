/** Which alerts a list shows, in which order, and which of them are new. */
import type { AlertItem, AlertState } from '../client/types.js';

/** Firing first, then rules that cannot evaluate, then those about to fire; resolved alerts are not listed. */
const STATE_RANK: Partial<Record<AlertState, number>> = { firing: 0, error: 1, nodata: 2, pending: 3 };
/** Known severities, most severe first; any other word comes after them, and no severity last. */
const SEVERITY_RANK: Record<string, number> = { critical: 0, error: 1, warning: 2, info: 3 };

const severityRank = (severity: string | undefined) => (severity === undefined ? 5 : (SEVERITY_RANK[severity.toLowerCase()] ?? 4));

/** The alerts worth showing: firing, failing and pending, grouped by state, most severe and then newest first. */
export function alertsToShow(alerts: readonly AlertItem[]): AlertItem[] {
  return alerts
    .filter((alert) => STATE_RANK[alert.state] !== undefined)
    .sort((a, b) => STATE_RANK[a.state]! - STATE_RANK[b.state]! || severityRank(a.severity) - severityRank(b.severity) || b.since - a.since);
}

/** What tells one alert from another: its rule, its dashboard and its labels. */
export function alertKey(alert: AlertItem): string {
  const labels = Object.entries(alert.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([alert.rule, alert.dashboard ?? '', labels]);
}

/** The theme colour of a severity. */
export function severityColor(severity: string | undefined): string {
  switch (severity?.toLowerCase()) {
    case 'critical':
    case 'error':
      return 'var(--_error)';
    case 'warning':
      return 'var(--_warn)';
    case 'info':
      return 'var(--_accent)';
    default:
      return 'var(--_muted)';
  }
}
