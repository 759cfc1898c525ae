/**
 * The teams notifier: an Adaptive Card posted to a Microsoft Teams Workflows webhook (the "Post to a channel when a
 * webhook request is received" template, which replaced Office 365 connectors): a title, then per alert its summary
 * and a fact set. Format: https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 */
import type { NotificationGroup } from '../notification.js';
import { dashboardUrl, groupTitle, labelText, statusTag, valueText } from './format.js';
import { urlNotifier } from './url-notifier.js';

/** The body a Teams workflow gets for a group: a message with one Adaptive Card attachment. */
export function teamsMessage(group: NotificationGroup, publicUrl: string | undefined): object {
  const body: object[] = [{ type: 'TextBlock', text: groupTitle(group), weight: 'Bolder', size: 'Medium', wrap: true, color: group.status === 'firing' ? 'Attention' : 'Good' }];
  for (const n of group.notifications) {
    body.push({ type: 'TextBlock', text: `${statusTag(n.status)} ${n.summary}`, wrap: true, separator: true });
    if (n.description !== undefined) body.push({ type: 'TextBlock', text: n.description, wrap: true, isSubtle: true });
    const facts = [
      { title: 'Value', value: valueText(n.value) },
      ...(labelText(n.labels) === '' ? [] : [{ title: 'Labels', value: labelText(n.labels) }]),
      ...(n.severity === undefined ? [] : [{ title: 'Severity', value: n.severity }]),
      { title: 'Since', value: n.startsAt },
      ...(n.endsAt === undefined ? [] : [{ title: 'Until', value: n.endsAt }]),
    ];
    body.push({ type: 'FactSet', facts });
  }
  const link = group.notifications[0] === undefined ? undefined : dashboardUrl(group.notifications[0], publicUrl);
  const content = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    ...(link === undefined ? {} : { actions: [{ type: 'Action.OpenUrl', title: 'Open the dashboard', url: link }] }),
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }] };
}

export const teams = urlNotifier('teams', 'a Teams workflow URL needs none', teamsMessage);
