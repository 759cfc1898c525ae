/**
 * The discord notifier: a message to a Discord channel webhook with one embed per alert (at most 10, Discord's
 * limit; the rest are counted in the message), red while firing, green once resolved. No mention is ever parsed,
 * so a label value cannot ping @everyone. Format: https://discord.com/developers/docs/resources/webhook#execute-webhook
 */
import type { NotificationGroup } from '../notification.js';
import { dashboardUrl, detailText, groupTitle } from './format.js';
import { urlNotifier } from './url-notifier.js';

const MAX_EMBEDS = 10;
const COLOR = { firing: 0xd93f0b, resolved: 0x2da44e } as const;

/** The body Discord gets for a group. */
export function discordMessage(group: NotificationGroup, publicUrl: string | undefined): object {
  const shown = group.notifications.slice(0, MAX_EMBEDS);
  const more = group.notifications.length - shown.length;
  return {
    username: 'rtdash',
    content: `${groupTitle(group)}${more > 0 ? ` — ${more} more not shown` : ''}`.slice(0, 2000),
    allowed_mentions: { parse: [] },
    embeds: shown.map((n) => {
      const url = dashboardUrl(n, publicUrl);
      return {
        title: n.summary.slice(0, 256),
        description: [n.description, detailText(n)].filter((t) => t !== undefined).join('\n').slice(0, 4096),
        color: COLOR[n.status],
        timestamp: n.endsAt ?? n.startsAt,
        ...(url === undefined ? {} : { url }),
      };
    }),
  };
}

export const discord = urlNotifier('discord', 'a Discord webhook URL needs none', discordMessage);
