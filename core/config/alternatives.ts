/**
 * Folding of anyOf/oneOf failures. With allErrors, ajv reports every branch's errors and then the
 * combinator's own, so a query that is "a string or a mapping" and is a mapping with one bad key gets a
 * string's complaints too. Here the branches that cannot fit the value's type are dropped, and when
 * no single branch fits, one message says what the alternatives were.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';

/** An ajv error kept as is, or a message that replaces a folded combinator (path relative to the data). */
export type Folded = { error: ErrorObject } | { replaced: { pointer: string; message: (name: string) => string } };

type JsonType = 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

function jsonType(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as 'boolean' | 'string' | 'object';
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Follows a local `$ref` (`#/$defs/x`) of a branch within the root schema. */
function resolveBranch(branch: unknown, root: unknown): Record<string, unknown> | undefined {
  let schema = asObject(branch);
  for (let hops = 0; schema !== undefined && typeof schema['$ref'] === 'string' && hops < 10; hops++) {
    const ref = schema['$ref'];
    if (!ref.startsWith('#')) return schema;
    let target: unknown = root;
    for (const part of ref.slice(1).split('/').filter((p) => p !== '')) {
      target = asObject(target)?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    schema = asObject(target);
  }
  return schema;
}

/** The types a branch admits, or undefined when it does not restrict the type. */
function branchTypes(schema: Record<string, unknown>): JsonType[] | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return [type as JsonType];
  if (Array.isArray(type)) return type as JsonType[];
  if (Array.isArray(schema['enum'])) return [...new Set((schema['enum'] as unknown[]).map(jsonType))];
  if ('const' in schema) return [jsonType(schema['const'])];
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return ['object'];
  if ('items' in schema || 'prefixItems' in schema) return ['array'];
  return undefined;
}

function admits(types: JsonType[] | undefined, actual: JsonType): boolean {
  return types === undefined || types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

function under(pointer: string, base: string): boolean {
  return base === '' || pointer === base || pointer.startsWith(`${base}/`);
}

function pointerOf(item: Folded): string {
  return 'error' in item ? item.error.instancePath : item.replaced.pointer;
}

/**
 * Replaces each failed anyOf/oneOf and the branch errors before it with what is worth saying.
 * `root` is the whole schema (for local `$ref`s); `describe` words one error without its leading name.
 */
export function foldAlternatives(errors: readonly ErrorObject[], root: unknown, describe: (err: ErrorObject) => string | undefined, typeWords: (types: string[]) => string): Folded[] {
  const items: Folded[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') {
      items.push({ error });
      continue;
    }
    const at = error.instancePath;
    // Branch errors come right before the combinator's own error, all at or below its place in the data.
    let start = items.length;
    while (start > 0 && under(pointerOf(items[start - 1] as Folded), at)) start--;
    const block = items.splice(start);
    const actual = jsonType(error.data);
    const branches = (Array.isArray(error.schema) ? error.schema : []).map((b) => resolveBranch(b, root));
    const fitting = branches.filter((b): b is Record<string, unknown> => b !== undefined && admits(branchTypes(b), actual));
    const fittingSet = new Set<unknown>(fitting);
    // Errors at the combinator's own place name their schema; deeper ones can only come from fitting branches.
    const fromFitting = block.filter((i) => !('error' in i) || i.error.instancePath !== at || fittingSet.has(i.error.parentSchema));
    const passing = asObject(error.params)?.['passingSchemas'];
    if (error.keyword === 'oneOf' && Array.isArray(passing)) {
      items.push({ replaced: { pointer: at, message: (name) => `${name} matches more than one of the allowed forms; make it match exactly one` } });
    } else if (fitting.length === 0) {
      const types = branches.flatMap((b) => (b === undefined ? [] : (branchTypes(b) ?? [])));
      const wanted = typeWords([...new Set(types)]);
      items.push({ replaced: { pointer: at, message: (name) => `${name} must be ${wanted}, got ${gotWords(error.data)}` } });
    } else if (fitting.length === 1 || fromFitting.every((i) => pointerOf(i) !== at)) {
      // One form fits the value's type, or only deeper errors remain: those say what to fix.
      items.push(...(fromFitting.length > 0 ? fromFitting : [{ replaced: { pointer: at, message: (name: string) => `${name} does not match any of the allowed forms` } }]));
    } else {
      const reasons = fromFitting.flatMap((i) => ('error' in i && i.error.instancePath === at ? [describe(i.error)] : [])).filter((r): r is string => r !== undefined);
      const unique = [...new Set(reasons)];
      items.push({ replaced: { pointer: at, message: (name) => `${name} matches none of the allowed forms: it ${unique.join('; or it ')}` } });
    }
  }
  return items;
}

function gotWords(value: unknown): string {
  const type = jsonType(value);
  if (type === 'string') return `the string ${JSON.stringify(value)}`;
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  if (type === 'null') return 'nothing (an empty value)';
  return `the ${type === 'integer' ? 'number' : type} ${String(value)}`;
}
