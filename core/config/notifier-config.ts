/**
 * The `notifiers:` of config.yaml: each entry's type from the notifier types (core/alerts/notifiers/, and those a
 * config's `plugins:` load), its options checked against that type's schema and checks, problems at their options.
 */
import { messageOf } from '../errors.js';
import type { NotifierConfig } from '../model.js';
import { NOTIFIER_TYPES, type NotifierDefinition } from '../alerts/notifiers/index.js';
import { durationAt, stringAt, type Plain } from './fields.js';
import { optionProblems } from './plugin-options.js';
import type { Problem } from './problem.js';
import { pluginValidator } from './schema-store.js';
import { didYouMean, listNames } from './suggest.js';
import { isPlainObject } from './to-plain.js';
import { validateData } from './validate.js';
import type { DocPath, YamlFile } from './yaml-file.js';

/** A notifier's try time-out when it sets none. */
export const DEFAULT_NOTIFIER_TIMEOUT_MS = 10_000;

// The entries whose type a plugin of the config was to provide, as written: checked once plugins are loaded.
const deferred = new WeakMap<Record<string, NotifierConfig>, Map<string, Plain>>();

/** The notifiers of `notifiers` not checked yet (their type comes from a plugin), with their entries as written. */
export function deferredNotifiers(notifiers: Record<string, NotifierConfig>): ReadonlyMap<string, Plain> {
  return deferred.get(notifiers) ?? new Map();
}

/** An entry's options: everything but `type` and `timeout`. */
export function optionsOf(entry: Plain): Record<string, unknown> {
  const { type: _type, timeout: _timeout, ...options } = entry;
  return options;
}

/**
 * What is wrong with notifier `name` (`entry` as written) for the types known: an unknown type, options its schema
 * refuses, or its type's own checks (said as `webhook "ops": "url" …`, so the problem lands on the option named).
 */
export function notifierProblems(name: string, entry: Plain, types: ReadonlyMap<string, NotifierDefinition>, source: YamlFile, where: (path: DocPath) => string): Problem[] {
  const path = ['notifiers', name];
  const type = stringAt(entry, 'type') ?? '';
  const notifier = types.get(type);
  if (notifier === undefined) {
    const known = [...types.keys()];
    return [source.problem([...path, 'type'], `unknown notifier type "${type}" in notifier "${name}"${didYouMean(type, known)} (types: ${listNames(known)}; add others under "plugins")`)];
  }
  const validate = pluginValidator(notifier.optionsSchema);
  if (typeof validate === 'string') return [source.problem([...path, 'type'], `notifier type "${type}" has an invalid optionsSchema (a bug in it): ${validate}`)];
  const found = validateData(validate, entry, source, { basePath: path, where });
  const check = notifier.checkOptions;
  const named = check === undefined ? undefined : (o: Record<string, unknown>, n: string) => prefixed(`${type} "${n}"`, () => check(o, n));
  if (found.length === 0) found.push(...optionProblems(named, name, optionsOf(entry), source, path));
  return found;
}

/**
 * Reads `notifiers:`. A type that is not built in is refused here, unless the config lists `plugins` (`defer`),
 * which may provide it: such entries are kept as written for `checkNotifiers` once the plugins are loaded.
 */
export function notifiersOf(notifiers: Plain, source: YamlFile, problems: Problem[], where: (path: DocPath) => string, defer: boolean): Record<string, NotifierConfig> {
  const out: [string, NotifierConfig][] = [];
  const later = new Map<string, Plain>();
  for (const [name, entry] of Object.entries(notifiers)) {
    if (!isPlainObject(entry)) continue;
    const timeoutMs = durationAt(entry, 'timeout', ['notifiers', name], source, problems) ?? DEFAULT_NOTIFIER_TIMEOUT_MS;
    const type = stringAt(entry, 'type');
    if (type === undefined) continue; // the schema said so
    if (!NOTIFIER_TYPES.has(type) && defer) {
      later.set(name, entry);
      out.push([name, { type, timeoutMs, options: optionsOf(entry) }]);
      continue;
    }
    const found = notifierProblems(name, entry, NOTIFIER_TYPES, source, where);
    problems.push(...found);
    if (found.length === 0) out.push([name, { type, timeoutMs, options: optionsOf(entry) }]);
  }
  // Object.fromEntries defines properties, so even a hostile name cannot reach a prototype.
  const result = Object.fromEntries(out);
  if (later.size > 0) deferred.set(result, later);
  return result;
}

/** Runs `check`, putting `what: ` before the message of what it throws. */
function prefixed(what: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw new Error(`${what}: ${messageOf(err)}`, { cause: err });
  }
}
