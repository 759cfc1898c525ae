/**
 * The webhook notifier: POSTs one JSON document per group.
 *
 * Body (version 1; fields are only ever added within a version):
 *   {
 *     "version": 1,
 *     "group": { "id": "<group id>", "rule": "cpu-high", "status": "firing" },
 *     "notifications": [
 *       { "id": "…", "status": "firing", "state": "firing", "rule": "cpu-high", "dashboard": "ops", "severity": "critical",
 *         "summary": "CPU above 90% on a", "description": "…", "labels": { "team": "infra", "host": "a" }, "value": 93.2,
 *         "startsAt": "2024-05-01T10:00:00.000Z", "repeat": 0 },
 *       { "id": "…", "status": "resolved", "state": "resolved", …, "endsAt": "2024-05-01T10:05:00.000Z" }
 *     ]
 *   }
 * Headers:
 *   Content-Type: application/json
 *   X-Rtdash-Delivery: <group id>   the same on every retry and after a restart: receivers drop repeats by it
 *   X-Rtdash-Signature: sha256=<hex> HMAC-SHA256 of the raw body with `secret`, when one is set
 * Any 2xx answer is success; anything else (redirects too) fails the try and it is retried.
 */
import { createHmac } from 'node:crypto';
import type { NotificationGroup } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import { alertmanagerWebhookBody } from './alertmanager.js';
import { checkPostUrl, postBody } from './http-post.js';
import type { Notifier } from './notifier.js';

/** A webhook's options (core/schemas/notifiers/webhook.schema.json). */
export interface WebhookOptions {
  url: string;
  /** Signs the body with HMAC-SHA256 in `X-Rtdash-Signature: sha256=<hex>`. */
  secret?: string;
  /** Extra request headers (an Authorization for the receiver, say). */
  headers?: Record<string, string>;
  /** The body: rtdash's (the default) or Alertmanager's webhook payload. */
  format?: 'rtdash' | 'alertmanager';
}

/** The version of the body format, sent as `version`. */
export const WEBHOOK_BODY_VERSION = 1;

/** The JSON document a webhook receives. */
export interface WebhookBody {
  version: typeof WEBHOOK_BODY_VERSION;
  group: { id: string; rule: string; status: NotificationGroup['status'] };
  notifications: NotificationGroup['notifications'];
}

/** The body a webhook receives for a group. */
export function webhookBody(group: NotificationGroup): WebhookBody {
  return { version: WEBHOOK_BODY_VERSION, group: { id: group.id, rule: group.rule, status: group.status }, notifications: group.notifications };
}

/**
 * The signature header value for a raw body: what a receiver recomputes to check it.
 * @example signBody('{"version":1,…}', secret) // 'sha256=5d41…'
 */
export function signBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Creates a webhook notifier. */
export function webhookNotifier(name: string, config: WebhookOptions, ctx: NotifierContext): Notifier {
  return {
    name,
    type: 'webhook',
    timeoutMs: ctx.timeoutMs,
    async send(group, signal) {
      const body = JSON.stringify(config.format === 'alertmanager' ? alertmanagerWebhookBody(group, name, ctx.publicUrl) : webhookBody(group));
      // Configured headers first, so none of them can replace the ones the format promises.
      const headers: Record<string, string> = {
        ...config.headers,
        'Content-Type': 'application/json',
        'User-Agent': 'rtdash',
        'X-Rtdash-Delivery': group.id,
        ...(config.secret === undefined ? {} : { 'X-Rtdash-Signature': signBody(body, config.secret) }),
      };
      await postBody(config.url, body, headers, signal);
    },
  };
}

/** The `webhook` notifier type. */
export const webhook = defineNotifier<WebhookOptions>({
  type: 'webhook',
  optionsSchema: notifierSchema('webhook'),
  checkOptions: (options) => checkPostUrl(options.url, 'send them in "headers" instead, like Authorization: "Basic ${RTDASH_HOOK_AUTH}"'),
  create: webhookNotifier,
});
