/** The notifier types, a map of definitions (./define.ts): the config loader checks options against them, the outbox makes them. */
import type { NotifierConfig } from '../../model.js';
import { alertmanager } from './alertmanager.js';
import type { NotifierContext, NotifierDefinition } from './define.js';
import { discord } from './discord.js';
import { email } from './email.js';
import type { Notifier } from './notifier.js';
import { ntfy } from './ntfy.js';
import { pagerduty } from './pagerduty.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { telegram } from './telegram.js';
import { webhook } from './webhook.js';

export type { Notifier } from './notifier.js';
export { DeliveryError } from './notifier.js';
export { defineNotifier, type NotifierContext, type NotifierDefinition } from './define.js';

/** The built-in notifier types by `type`. */
export const NOTIFIER_TYPES: ReadonlyMap<string, NotifierDefinition> = new Map(
  ([webhook, email, slack, alertmanager, discord, teams, pagerduty, telegram, ntfy] as NotifierDefinition<never>[]).map((d) => [d.type, d as unknown as NotifierDefinition]),
);

/** Creates the notifier a config entry describes; its options have passed its type's schema and checks. */
export function createNotifier(name: string, config: NotifierConfig, context: Omit<NotifierContext, 'timeoutMs'> = {}, types: ReadonlyMap<string, NotifierDefinition> = NOTIFIER_TYPES): Notifier {
  const definition = types.get(config.type);
  if (definition === undefined) throw new Error(`unknown notifier type "${config.type}" of notifier "${name}"`);
  return definition.create(name, config.options, { ...context, timeoutMs: config.timeoutMs });
}

/** Creates every notifier of `config.notifiers`, by name. */
export function createNotifiers(configs: Record<string, NotifierConfig>, context: Omit<NotifierContext, 'timeoutMs'> = {}, types: ReadonlyMap<string, NotifierDefinition> = NOTIFIER_TYPES): Map<string, Notifier> {
  return new Map(Object.entries(configs).map(([name, config]) => [name, createNotifier(name, config, context, types)]));
}
