/**
 * The slack notifier: a message to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat
 * accept `{ text }`): a bold title line, then one line per alert.
 */
import type { NotificationGroup } from '../notification.js';
import { detailText, statusTag } from './format.js';
import { urlNotifier } from './url-notifier.js';

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

/** The `slack` notifier type. */
export const slack = urlNotifier('slack', 'a Slack incoming-webhook URL needs none', slackMessage);

/** Creates a slack notifier. */
export const slackNotifier = slack.create;
