/**
 * The ntfy notifier: a push notification through an ntfy server (ntfy.sh or a self-hosted one), published as JSON
 * to the server's root: the topic, a title, one line per alert, a priority from the severity (critical → urgent)
 * and a tag that shows as an emoji; tapping it opens the dashboard. Format: https://docs.ntfy.sh/publish/#publish-as-json
 */
import type { NotificationGroup } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import { alertLines, dashboardUrl, groupTitle } from './format.js';
import { checkPostUrl, postJson } from './http-post.js';
import type { Notifier } from './notifier.js';

/** An ntfy notifier's options (core/schemas/notifiers/ntfy.schema.json). */
export interface NtfyOptions {
  url?: string;
  topic: string;
  token?: string;
}

const NTFY_URL = 'https://ntfy.sh';
/** ntfy's priorities: 5 urgent, 4 high, 3 default, 2 low. */
const PRIORITY: Record<string, number> = { critical: 5, error: 4, warning: 4, info: 3 };

/** The JSON message ntfy gets for a group. */
export function ntfyMessage(group: NotificationGroup, topic: string, publicUrl: string | undefined): object {
  const severities = group.notifications.map((n) => PRIORITY[n.severity ?? ''] ?? 3);
  const priority = group.status === 'resolved' ? 2 : Math.max(3, ...severities);
  const click = group.notifications[0] === undefined ? undefined : dashboardUrl(group.notifications[0], publicUrl);
  return {
    topic,
    title: groupTitle(group),
    message: alertLines(group).join('\n'),
    priority,
    tags: [group.status === 'firing' ? 'rotating_light' : 'white_check_mark', group.rule],
    ...(click === undefined ? {} : { click }),
  };
}

export const ntfy = defineNotifier<NtfyOptions>({
  type: 'ntfy',
  optionsSchema: notifierSchema('ntfy'),
  checkOptions: (options) => checkPostUrl(options.url ?? NTFY_URL, 'use "token" for a protected topic'),
  create: (name, options, ctx: NotifierContext): Notifier => ({
    name,
    type: 'ntfy',
    timeoutMs: ctx.timeoutMs,
    send: (group, signal) => postJson(options.url ?? NTFY_URL, ntfyMessage(group, options.topic, ctx.publicUrl), signal, options.token === undefined ? {} : { Authorization: `Bearer ${options.token}` }),
  }),
});
