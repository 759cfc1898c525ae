/** Wording shared by the notifiers that write for people (email, chat, push): one line per alert. */
import type { AlertNotification, NotificationGroup, NotificationStatus } from '../notification.js';

/** `[FIRING]` or `[RESOLVED]`. */
export function statusTag(status: NotificationStatus): string {
  return `[${status.toUpperCase()}]`;
}

/** `host=a, region=eu`, in a stable order; '' without labels. */
export function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** The value as a person reads it; `no data` for null. */
export function valueText(value: number | null): string {
  return value === null ? 'no data' : String(+value.toPrecision(6));
}

/** What is known about one alert besides its summary: `value 93.2; host=a; severity critical`. */
export function detailText(n: AlertNotification): string {
  const labels = labelText(n.labels);
  return [`value ${valueText(n.value)}`, ...(labels === '' ? [] : [labels]), ...(n.severity === undefined ? [] : [`severity ${n.severity}`])].join('; ');
}

/**
 * The one-line title of a group, used as the email subject.
 * @example groupTitle(group) // '[FIRING] cpu-high — CPU above 90% on a (+2 more)'
 */
export function groupTitle(group: NotificationGroup): string {
  const first = group.notifications[0];
  const more = group.notifications.length > 1 ? ` (+${group.notifications.length - 1} more)` : '';
  const title = `${statusTag(group.status)} ${group.rule} — ${first?.summary ?? 'no alerts'}${more}`;
  // A title ends up in a mail header: a line break there would start a header of the sender's choosing.
  return title.replace(/[\r\n]+/g, ' ');
}

/**
 * The dashboard an alert is on, as a link people can open, when `server.public_url` is set.
 * @example dashboardUrl(n, 'https://dash.example.com') // 'https://dash.example.com/d/ops'
 */
export function dashboardUrl(n: Pick<AlertNotification, 'dashboard'>, publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  return new URL(n.dashboard === undefined ? '/' : `/d/${encodeURIComponent(n.dashboard)}`, publicUrl).toString();
}

/** One line per alert: `[FIRING] CPU above 90% on a (value 93.2; host=a; severity critical)`. */
export function alertLines(group: NotificationGroup): string[] {
  return group.notifications.map((n) => `${statusTag(n.status)} ${n.summary} (${detailText(n)})`);
}
