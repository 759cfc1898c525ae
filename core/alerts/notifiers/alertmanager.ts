/**
 * The alertmanager notifier: alerts POSTed to a Prometheus Alertmanager's API (`POST /api/v2/alerts`), as
 * Prometheus itself sends them, so a team keeps its routing, grouping, inhibition and silences. Each alert is
 * `labels` (`alertname` = the rule, `severity`, `dashboard`, the rule's and the series' labels), `annotations`
 * (`summary`, `description`, `value`), `startsAt`, `endsAt` and `generatorURL` (the dashboard, with
 * `server.public_url`). Like Prometheus, it sends a firing alert again every `resend` with `endsAt` four resends
 * ahead, and a resolved one with its `endsAt`: Alertmanager resolves what it stops hearing of.
 */
import { parseDuration } from '../../duration.js';
import type { AlertNotification, NotificationGroup } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import { dashboardUrl } from './format.js';
import { checkPostUrl, postJson } from './http-post.js';
import type { Notifier } from './notifier.js';

/** An alertmanager notifier's options (core/schemas/notifiers/alertmanager.schema.json). */
export interface AlertmanagerOptions {
  url: string;
  /** A duration (`1m`): how often a firing alert is sent again. */
  resend?: string;
  headers?: Record<string, string>;
}

/** One alert as Alertmanager's API v2 takes it (`postableAlert`). */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** Alertmanager resolves a firing alert this many resends after it last heard of it (Prometheus' factor). */
const RESENDS_BEFORE_EXPIRY = 4;

/**
 * The alert Alertmanager gets for a notification; `now` dates a firing alert's `endsAt`.
 * @example postableAlert(firing, 'https://dash.example.com', 60_000, Date.now()).labels.alertname // 'cpu-high'
 */
export function postableAlert(n: AlertNotification, publicUrl: string | undefined, resendMs: number, now: number): PostableAlert {
  const labels = alertLabels(n);
  const annotations: Record<string, string> = { summary: n.summary };
  if (n.description !== undefined) annotations['description'] = n.description;
  if (n.value !== null) annotations['value'] = String(n.value);
  const endsAt = n.status === 'resolved' ? n.endsAt : new Date(now + RESENDS_BEFORE_EXPIRY * resendMs).toISOString();
  const generatorURL = dashboardUrl(n, publicUrl);
  return { labels, annotations, startsAt: n.startsAt, ...(endsAt === undefined ? {} : { endsAt }), ...(generatorURL === undefined ? {} : { generatorURL }) };
}

/** An alert's labels in Alertmanager, which are its identity there: `alertname`, `severity`, `dashboard` and its own. */
function alertLabels(n: AlertNotification): Record<string, string> {
  const labels: Record<string, string> = { ...n.labels, alertname: n.rule };
  if (n.severity !== undefined) labels['severity'] = n.severity;
  if (n.dashboard !== undefined) labels['dashboard'] = n.dashboard;
  return labels;
}

/** `resend` in ms (the schema has checked its shape); 1 minute when it is left out. */
function resendMsOf(options: AlertmanagerOptions): number {
  const ms = parseDuration(options.resend ?? '1m');
  return typeof ms === 'number' ? ms : 60_000;
}

/** Alertmanager's webhook payload (version 4), for receivers written for Alertmanager (the webhook's `format: alertmanager`). */
export interface AlertmanagerWebhookBody {
  version: '4';
  groupKey: string;
  truncatedAlerts: 0;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; fingerprint: string }[];
}

/** Go's zero time, which Alertmanager writes as the `endsAt` of an alert still firing. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * A group as Alertmanager's webhook notifier would post it to `receiver`.
 * @example alertmanagerWebhookBody(group, 'ops', 'https://dash.example.com').alerts[0].labels.alertname // 'cpu-high'
 */
export function alertmanagerWebhookBody(group: NotificationGroup, receiver: string, publicUrl: string | undefined): AlertmanagerWebhookBody {
  const alerts = group.notifications.map((n) => {
    const alert = postableAlert(n, publicUrl, 0, 0);
    return { status: n.status, labels: alert.labels, annotations: alert.annotations, startsAt: alert.startsAt, endsAt: n.endsAt ?? ZERO_TIME, generatorURL: alert.generatorURL ?? '', fingerprint: fingerprint(alert.labels) };
  });
  const common = (pick: (a: (typeof alerts)[number]) => Record<string, string>): Record<string, string> =>
    Object.fromEntries(Object.entries(alerts.length === 0 ? {} : pick(alerts[0]!)).filter(([k, v]) => alerts.every((a) => pick(a)[k] === v)));
  const groupLabels = { alertname: group.rule };
  return {
    version: '4',
    groupKey: `{}:${JSON.stringify(groupLabels).replace(/"(\w+)":/g, '$1=')}`,
    truncatedAlerts: 0,
    status: group.status,
    receiver,
    groupLabels,
    commonLabels: common((a) => a.labels),
    commonAnnotations: common((a) => a.annotations),
    externalURL: publicUrl ?? '',
    alerts,
  };
}

const FNV_OFFSET = 14695981039346656037n;
const FNV_PRIME = 1099511628211n;
const MASK_64 = (1n << 64n) - 1n;

/**
 * A label set's fingerprint as Prometheus and Alertmanager compute it (model.LabelSet.Fingerprint: FNV-1a 64 over the
 * names in order, each name and value followed by 0xff), so a receiver matching alerts by it sees the same alert.
 */
export function fingerprint(labels: Record<string, string>): string {
  let hash = FNV_OFFSET;
  const add = (bytes: Iterable<number>) => {
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  };
  for (const name of Object.keys(labels).sort()) {
    add(Buffer.from(name, 'utf8'));
    add([0xff]);
    add(Buffer.from(labels[name]!, 'utf8'));
    add([0xff]);
  }
  return hash.toString(16).padStart(16, '0');
}

/** Creates an alertmanager notifier. */
export function alertmanagerNotifier(name: string, options: AlertmanagerOptions, ctx: NotifierContext): Notifier {
  const endpoint = new URL('api/v2/alerts', options.url.endsWith('/') ? options.url : `${options.url}/`).toString();
  const resendMs = resendMsOf(options);

  // The firing alerts sent, by fingerprint (their identity in Alertmanager): sent again every `resend` until they resolve.
  const firing = new Map<string, AlertNotification>();
  let timer: NodeJS.Timeout | undefined;
  const post = (alerts: PostableAlert[], signal: AbortSignal) => postJson(endpoint, alerts, signal, options.headers);
  const resend = () => {
    const now = Date.now();
    const alerts = [...firing.values()].map((n) => postableAlert(n, ctx.publicUrl, resendMs, now));
    // A failed resend is tried again at the next one; there are four before Alertmanager would resolve the alert.
    if (alerts.length > 0) post(alerts, AbortSignal.timeout(ctx.timeoutMs)).catch(() => undefined);
  };
  const keepSending = () => {
    if (firing.size > 0 && timer === undefined) {
      timer = setInterval(resend, resendMs);
      timer.unref();
    } else if (firing.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
  const stopResending = () => {
    firing.clear();
    keepSending();
  };
  return {
    name,
    type: 'alertmanager',
    timeoutMs: ctx.timeoutMs,
    // Alerts firing before a restart or a takeover: Alertmanager heard of them last from the instance that went away,
    // and would resolve them after four resends; they are sent now, then resent like any other.
    resume(alerts) {
      for (const n of alerts) if (n.status === 'firing') firing.set(fingerprint(alertLabels(n)), n);
      keepSending();
      resend();
    },
    async send(group: NotificationGroup, signal) {
      const now = Date.now();
      const alerts = group.notifications.map((n) => postableAlert(n, ctx.publicUrl, resendMs, now));
      await post(alerts, signal);
      group.notifications.forEach((n, i) => {
        const key = fingerprint(alerts[i]!.labels);
        if (n.status === 'firing') firing.set(key, n);
        else firing.delete(key);
      });
      keepSending();
    },
    // The instance leading now resends what it knows to be firing; this one's view may already be out of date.
    pause: stopResending,
    close: async () => stopResending(),
  };
}

/** The `alertmanager` notifier type. */
export const alertmanager = defineNotifier<AlertmanagerOptions>({
  type: 'alertmanager',
  optionsSchema: notifierSchema('alertmanager'),
  checkOptions(options) {
    checkPostUrl(options.url, 'send them in "headers" instead, like Authorization: "Basic ${ALERTMANAGER_AUTH}"');
    if (resendMsOf(options) < 1000) throw new Error(`"resend" must be at least 1s, got ${options.resend}`);
  },
  create: alertmanagerNotifier,
});
