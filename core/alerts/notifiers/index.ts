/** The notifier types by name, Telegraf-style: a map of factories, each taking that type's config. */
import type { NotifierConfig } from '../../model.js';
import { emailNotifier } from './email.js';
import type { Notifier } from './notifier.js';
import { slackNotifier } from './slack.js';
import { webhookNotifier } from './webhook.js';

export type { Notifier } from './notifier.js';
export { DeliveryError } from './notifier.js';

/** Creates the notifier a config entry describes. */
export function createNotifier(name: string, config: NotifierConfig): Notifier {
  switch (config.type) {
    case 'webhook':
      return webhookNotifier(name, config);
    case 'email':
      return emailNotifier(name, config);
    case 'slack':
      return slackNotifier(name, config);
  }
}

/** Creates every notifier of `config.notifiers`, by name. */
export function createNotifiers(configs: Record<string, NotifierConfig>): Map<string, Notifier> {
  return new Map(Object.entries(configs).map(([name, config]) => [name, createNotifier(name, config)]));
}
