/**
 * The slack notifier: a message to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat
 * accept `{ text }`): a bold title line, then one line per alert.
 */
import type { NotificationGroup } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import { detailText, statusTag } from './format.js';
import { checkPostUrl, postJson } from './http-post.js';
import type { Notifier } from './notifier.js';

/**
 * Escapes the three characters Slack's mrkdwn gives meaning to, so a label value such as `<!channel>`
 * cannot ping a channel or forge a link.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The message a Slack-compatible webhook receives for a group. */
export function slackMessage(group: NotificationGroup): { text: string } {
  const icon = group.status === 'firing' ? ':red_circle:' : ':large_green_circle:';
  const lines = group.notifications.map((n) => `• ${statusTag(n.status)} ${escapeSlack(n.summary)} (${escapeSlack(detailText(n))})`);
  return { text: [`${icon} *${statusTag(group.status)} ${escapeSlack(group.rule)}*`, ...lines].join('\n') };
}

/** Creates a slack notifier. */
export function slackNotifier(name: string, config: { url: string }, ctx: NotifierContext): Notifier {
  return {
    name,
    type: 'slack',
    timeoutMs: ctx.timeoutMs,
    async send(group, signal) {
      await postJson(config.url, slackMessage(group), signal);
    },
  };
}

/** The `slack` notifier type. */
export const slack = defineNotifier<{ url: string }>({
  type: 'slack',
  optionsSchema: notifierSchema('slack'),
  checkOptions: (options) => checkPostUrl(options.url, 'a Slack incoming-webhook URL needs none'),
  create: slackNotifier,
});
