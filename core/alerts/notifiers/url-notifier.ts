/**
 * A notifier type whose whole configuration is a `url` to POST one JSON message per group to (Slack-compatible
 * webhooks, Discord, Microsoft Teams workflows): only the message differs between them.
 */
import type { NotificationGroup } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierDefinition } from './define.js';
import { checkPostUrl, postJson } from './http-post.js';

/**
 * The notifier type `type` (options schema core/schemas/notifiers/TYPE.schema.json), posting `message(group)`.
 * `credentials` says what to do instead of a user name or password in the URL.
 */
export function urlNotifier(type: string, credentials: string, message: (group: NotificationGroup, publicUrl: string | undefined) => unknown): NotifierDefinition<{ url: string }> {
  return defineNotifier<{ url: string }>({
    type,
    optionsSchema: notifierSchema(type),
    checkOptions: (options) => checkPostUrl(options.url, credentials),
    create: (name, options, ctx) => ({
      name,
      type,
      timeoutMs: ctx.timeoutMs,
      send: (group, signal) => postJson(options.url, message(group, ctx.publicUrl), signal),
    }),
  });
}
