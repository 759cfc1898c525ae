/**
 * What a notifier sends: one AlertNotification per alert transition, gathered into a NotificationGroup
 * per rule and evaluation. Ids are derived from the transition itself, so the same transition always
 * gets the same id: the outbox and receivers use it to drop repeats.
 */
import { createHash } from 'node:crypto';

/** The state an alert notification reports. */
export type NotificationStatus = 'firing' | 'resolved';

/** One alert (a rule on one series) that changed state, as notifiers send it. */
export interface AlertNotification {
  /** Unique per transition and stable across restarts: see `notificationId`. */
  id: string;
  status: NotificationStatus;
  /** The rule's name. */
  rule: string;
  /** The id of the dashboard the rule sits on. */
  dashboard?: string;
  severity?: string;
  /** One line saying what is wrong, already filled in from the rule's template. */
  summary: string;
  description?: string;
  /** The rule's `labels` with those of the series the alert is about (host, region…) over them. */
  labels: Record<string, string>;
  /** The reduced value that crossed (or came back over) the threshold; null when there was none (nodata). */
  value: number | null;
  /** When the alert started firing (ISO 8601). */
  startsAt: string;
  /** When it resolved (ISO 8601); only on `resolved`. */
  endsAt?: string;
  /** 0 for the first notification of a firing, n for its nth repeat (the rule's repeat interval). */
  repeat: number;
}

/** The alerts of one rule that changed in one evaluation, sent together as one message. */
export interface NotificationGroup {
  /** Stable for the same set of notifications: see `groupId`. The webhook sends it as X-Rtdash-Delivery. */
  id: string;
  rule: string;
  /** `firing` when any alert in the group fires, else `resolved`. */
  status: NotificationStatus;
  notifications: AlertNotification[];
}

/** What identifies one transition of one alert. */
export interface TransitionKey {
  rule: string;
  dashboard?: string;
  labels: Record<string, string>;
  status: NotificationStatus;
  /** When the transition happened (ISO 8601 or ms since the epoch). */
  at: string | number;
  repeat: number;
}

function digest(parts: readonly string[]): string {
  // JSON keeps parts apart even when they contain separators, so ["a,b"] and ["a","b"] differ.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/**
 * The id of one transition: the same rule, series, transition, time and repeat give the same id.
 * @example notificationId({ rule: 'cpu-high', labels: { host: 'a' }, status: 'firing', at: '2024-05-01T10:00:00Z', repeat: 0 })
 */
export function notificationId(key: TransitionKey): string {
  const labels = Object.entries(key.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Normalised, so 10:00:00Z and 10:00:00.000Z (or the same instant in ms) give one id.
  const at = new Date(key.at).toISOString();
  return digest([key.dashboard ?? '', key.rule, JSON.stringify(labels), key.status, at, String(key.repeat)]);
}

/** The id of a group: derived from its notifications' ids, in any order. */
export function groupId(notifications: readonly AlertNotification[]): string {
  return digest(notifications.map((n) => n.id).sort());
}

/**
 * Gathers one rule's notifications of one evaluation into a group with its id and status.
 * @example notificationGroup('cpu-high', [firingA, resolvedB]).status // 'firing'
 */
export function notificationGroup(rule: string, notifications: AlertNotification[]): NotificationGroup {
  const status: NotificationStatus = notifications.some((n) => n.status === 'firing') ? 'firing' : 'resolved';
  return { id: groupId(notifications), rule, status, notifications };
}
