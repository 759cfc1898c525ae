/**
 * The telegram notifier: a message from a bot to a chat through the Bot API's sendMessage, in Telegram's HTML
 * (every value escaped), without link previews. Format: https://core.telegram.org/bots/api#sendmessage
 */
import type { NotificationGroup } from '../notification.js';
import { defineNotifier, notifierSchema, type NotifierContext } from './define.js';
import { dashboardUrl, detailText, statusTag } from './format.js';
import { checkPostUrl, postJson } from './http-post.js';
import type { Notifier } from './notifier.js';

/** A telegram notifier's options (core/schemas/notifiers/telegram.schema.json). */
export interface TelegramOptions {
  bot_token: string;
  chat_id: string;
  api_url?: string;
}

const API_URL = 'https://api.telegram.org';
/** Telegram's limit on a message's text. */
const MAX_TEXT = 4096;

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The sendMessage body for a group. */
export function telegramMessage(group: NotificationGroup, chatId: string, publicUrl: string | undefined): object {
  const icon = group.status === 'firing' ? '🔴' : '🟢';
  const lines = [`${icon} <b>${escapeHtml(`${statusTag(group.status)} ${group.rule}`)}</b>`];
  for (const n of group.notifications) {
    lines.push(`• ${escapeHtml(`${statusTag(n.status)} ${n.summary}`)}\n  <i>${escapeHtml(detailText(n))}</i>`);
  }
  const link = group.notifications[0] === undefined ? undefined : dashboardUrl(group.notifications[0], publicUrl);
  if (link !== undefined) lines.push(`<a href="${escapeHtml(link)}">Open the dashboard</a>`);
  let text = lines.join('\n');
  if (text.length > MAX_TEXT) text = `${lines[0]!}\n${escapeHtml(`${group.notifications.length} alerts: too many to list here`)}`;
  return { chat_id: chatId, text, parse_mode: 'HTML', disable_web_page_preview: true };
}

export const telegram = defineNotifier<TelegramOptions>({
  type: 'telegram',
  optionsSchema: notifierSchema('telegram'),
  checkOptions: (options) => checkPostUrl(options.api_url ?? API_URL, 'the bot token is all Telegram needs'),
  create: (name, options, ctx: NotifierContext): Notifier => {
    const endpoint = `${(options.api_url ?? API_URL).replace(/\/+$/, '')}/bot${options.bot_token}/sendMessage`;
    return {
      name,
      type: 'telegram',
      timeoutMs: ctx.timeoutMs,
      // The URL holds the bot token: postJson's messages never include a URL.
      send: (group, signal) => postJson(endpoint, telegramMessage(group, options.chat_id, ctx.publicUrl), signal),
    };
  },
});
