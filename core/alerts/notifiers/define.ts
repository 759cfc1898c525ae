/**
 * How a notifier type describes itself, as a data-source plugin does: its `type`, the JSON Schema of its options
 * (core/schemas/notifiers/TYPE.schema.json: the config loader, `rtdash validate` and editors check them), checks a
 * schema cannot say, and `create`. The registry (./index.ts) is a map of these; nothing else names a type.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaDir } from '../../paths.js';
import type { JsonSchema } from '../../plugin.js';
import type { Notifier } from './notifier.js';

/** What every notifier gets besides its own options. */
export interface NotifierContext {
  /** How long one try may take (`timeout`, default 10s): the outbox aborts `send` after it. */
  timeoutMs: number;
  /** `server.public_url`, for links back to rtdash (Alertmanager's generatorURL), when set. */
  publicUrl?: string;
}

/** One notifier type. `Options` is what its schema accepts (defaults filled in). */
export interface NotifierDefinition<Options = Record<string, unknown>> {
  /** Tells a notifier module from a data-source plugin when both come from `plugins:` in config.yaml. */
  readonly kind: 'notifier';
  readonly type: string;
  /** The whole entry under `notifiers:`, `type` and `timeout` included; `create` gets the options besides those two. */
  readonly optionsSchema: JsonSchema;
  /** What the schema cannot say (a URL that must parse); throws an Error whose message names the option. */
  checkOptions?(options: Options, name: string): void;
  create(name: string, options: Options, ctx: NotifierContext): Notifier;
}

const TYPE = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a notifier type (a built-in one, or a module listed under `plugins:` in config.yaml, as a data-source
 * plugin is); checks its shape and returns it marked as a notifier. Throws naming what is missing.
 * @example export default defineNotifier({ type: 'my-hook', optionsSchema: { type: 'object', … }, create: (name, options, ctx) => ({ … }) })
 */
export function defineNotifier<Options>(definition: Omit<NotifierDefinition<Options>, 'kind'> & { kind?: 'notifier' }): NotifierDefinition<Options> {
  if (typeof definition.type !== 'string' || !TYPE.test(definition.type)) throw new TypeError(`a notifier's "type" must be lowercase letters, digits and -, starting with a letter; got ${JSON.stringify(definition.type)}`);
  if (typeof definition.optionsSchema !== 'object' || definition.optionsSchema === null) throw new TypeError(`notifier "${definition.type}" needs an "optionsSchema" (a JSON Schema object)`);
  if (typeof definition.create !== 'function') throw new TypeError(`notifier "${definition.type}" needs a "create" function`);
  return { ...definition, kind: 'notifier' };
}

/** The options schema of a built-in notifier type, from core/schemas/notifiers/. */
export function notifierSchema(type: string): JsonSchema {
  return JSON.parse(readFileSync(join(schemaDir, 'notifiers', `${type}.schema.json`), 'utf8')) as JsonSchema;
}
