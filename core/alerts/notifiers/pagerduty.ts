/**
 * The pagerduty notifier: PagerDuty Events API v2. Each alert is one event: `trigger` while it fires (again on a
 * repeat, which PagerDuty folds into the open incident), `resolve` when it resolves, both with the same
 * `dedup_key`, derived from the rule, the dashboard and the labels, so the incident opened is the one closed,
 * across restarts and instances. Format: https://developer.pagerduty.com/docs/events-api-v2/trigger-events/
 */
import { createHash } from 'node:crypto';
import type { AlertNotification } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import { dashboardUrl } from './format.js';
import { checkPostUrl, postJson } from './http-post.js';
import type { Notifier } from './notifier.js';

/** A pagerduty notifier's options (core/schemas/notifiers/pagerduty.schema.json). */
export interface PagerdutyOptions {
  routing_key: string;
  url?: string;
}

const EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
const SEVERITIES = new Set(['critical', 'error', 'warning', 'info']);

/** The same key for every event of one alert (rule, dashboard, labels), whatever their order. */
export function dedupKey(n: Pick<AlertNotification, 'rule' | 'dashboard' | 'labels'>): string {
  const labels = Object.entries(n.labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return `rtdash-${createHash('sha256').update(JSON.stringify([n.rule, n.dashboard ?? '', labels])).digest('hex').slice(0, 32)}`;
}

/** The event PagerDuty gets for one alert. */
export function pagerdutyEvent(n: AlertNotification, routingKey: string, publicUrl: string | undefined): object {
  const dedup_key = dedupKey(n);
  if (n.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key };
  const link = dashboardUrl(n, publicUrl);
  // PagerDuty knows four severities; rtdash's are free words: anything else is an error.
  const severity = n.severity !== undefined && SEVERITIES.has(n.severity) ? n.severity : 'error';
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: n.summary.slice(0, 1024),
      source: n.dashboard === undefined ? 'rtdash' : `rtdash dashboard ${n.dashboard}`,
      severity,
      timestamp: n.startsAt,
      class: n.rule,
      ...(n.dashboard === undefined ? {} : { group: n.dashboard }),
      custom_details: { value: n.value, labels: n.labels, ...(n.description === undefined ? {} : { description: n.description }), repeat: n.repeat },
    },
    client: 'rtdash',
    ...(link === undefined ? {} : { client_url: link, links: [{ href: link, text: 'Open the dashboard' }] }),
  };
}

export const pagerduty = defineNotifier<PagerdutyOptions>({
  type: 'pagerduty',
  optionsSchema: notifierSchema('pagerduty'),
  checkOptions: (options) => checkPostUrl(options.url ?? EVENTS_URL, 'the routing key is all PagerDuty needs'),
  create: (name, options, ctx: NotifierContext): Notifier => ({
    name,
    type: 'pagerduty',
    timeoutMs: ctx.timeoutMs,
    async send(group, signal) {
      // One event per alert, in order: a resolve must not overtake its trigger.
      for (const n of group.notifications) {
        await postJson(options.url ?? EVENTS_URL, pagerdutyEvent(n, options.routing_key, ctx.publicUrl), signal);
      }
    },
  }),
});
