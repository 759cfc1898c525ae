/**
 * A plugin's own check of a source's options (`checkOptions`), as a config problem: at the option its
 * message names, else at the source, and never with a value that came from the environment.
 */
import type { Problem } from './problem.js';
import type { DocPath, YamlFile } from './yaml-file.js';

const FROM_ENVIRONMENT = '(a value from the environment)';

/** A plugin's or notifier type's own check of its options: throws with a message `TYPE "NAME": …` naming the option. */
type CheckOptions = (options: Record<string, unknown>, name: string) => void;

/**
 * What `checkOptions` (a plugin's, a notifier type's) finds wrong with the options of `name`, written at `path` in
 * `source`: at the option the message names, else at `path`.
 * @example optionProblems(postgres.checkOptions, 'db', { url: 'postgres://u:pw@h:x/db' }, file, ['datasources', 'db']) // [{ line: 4, col: 10, message: 'postgres "db": url is not a valid URL …' }]
 */
export function optionProblems(checkOptions: CheckOptions | undefined, name: string, options: Record<string, unknown>, source: YamlFile, path: DocPath): Problem[] {
  if (checkOptions === undefined) return [];
  try {
    checkOptions(options, name);
    return [];
  } catch (err) {
    const message = hideEnvironment(err instanceof Error ? err.message : String(err), source.fromEnvironment);
    const key = namedOption(message, Object.keys(options));
    return [source.problem(key === undefined ? path : [...path, key], message)];
  }
}

/** The option the message names first (after its `plugin "name":` prefix), if any. */
function namedOption(message: string, keys: string[]): string | undefined {
  const text = message.slice(message.indexOf(': ') + 1);
  let best: { key: string; at: number } | undefined;
  for (const key of keys) {
    const at = text.search(new RegExp(`(^|[^\\w])${key.replace(/[^\w]/g, '\\$&')}($|[^\\w])`));
    if (at >= 0 && (best === undefined || at < best.at)) best = { key, at };
  }
  return best?.key;
}

/** The message with every value filled from the environment (a token, a URL) replaced by a placeholder. */
function hideEnvironment(message: string, values: ReadonlySet<unknown>): string {
  let out = message;
  for (const value of values) {
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
    // Very short values (a port, "on") would blank out ordinary words; they are not secrets.
    if (text.length >= 4) out = out.split(text).join(FROM_ENVIRONMENT);
  }
  return out;
}
