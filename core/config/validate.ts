/**
 * Runs a JSON Schema over data read from a YAML file and turns ajv's errors into problems a person can
 * act on: at the line and column of the offending key or value, naming it, with a suggestion where one helps.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { foldAlternatives } from './alternatives.js';
import type { Problem } from './problem.js';
import { didYouMean, listNames, suggest } from './suggest.js';
import type { DocPath, YamlFile } from './yaml-file.js';
import { redactCredentials } from '../secret-text.js';

/** Says where a path is, as a phrase to end a message with: `in widget "revenue"`, `at the top level`. */
export type Where = (path: DocPath) => string;

/** How the validated data sits in its file. */
export interface ValidateOptions {
  /** The path of the validated data within the file (for a widget's query: `['widgets', 3, 'query']`). */
  basePath?: DocPath;
  /** Phrases for places; the default names the dotted path. */
  where?: Where;
}

/** An error on its way to becoming a problem. */
interface Finding {
  path: DocPath;
  at: 'value' | 'key';
  message: string;
  /** For an unknown key: the allowed key it probably meant. */
  suggests?: string;
  /** For a missing key: its name. */
  missing?: string;
}

/**
 * Validates `data` and returns its problems (an empty list when it is valid).
 * @example validateData(schemaValidator('dashboard'), plain, yamlFile, { where: dashboardWhere(plain) })
 */
export function validateData(validate: ValidateFunction, data: unknown, source: YamlFile, options: ValidateOptions = {}): Problem[] {
  if (validate(data)) return [];
  const base = options.basePath ?? [];
  const where = options.where ?? defaultWhere;
  const findings = explain(validate.errors ?? [], validate.schema, base, where, source.fromEnvironment);
  return findings.map((f) => source.problem(f.path, f.message, f.at));
}

/** The default place phrase: `at the top level` or `in "server.limits"`. */
export function defaultWhere(path: DocPath): string {
  return path.length === 0 ? 'at the top level' : `in "${dottedPath(path)}"`;
}

/** A path written the way a person reads it: `server.limits`, `widgets[2].size`. */
export function dottedPath(path: DocPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number' || /^\d+$/.test(step)) out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

/**
 * Describes a value for "got …" in messages: `the string "x"`, `the number 3`, `a list`, `nothing`.
 * @example describeValue('x') // 'the string "x"'
 */
export function describeValue(value: unknown, hidden: ReadonlySet<unknown> = NOTHING_HIDDEN): string {
  if (hidden.has(value)) return FROM_ENVIRONMENT;
  if (value === null || value === undefined) return 'nothing (an empty value)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${redactCredentials(JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value))}`;
  if (typeof value === 'boolean') return String(value);
  return `the ${typeof value} ${String(value)}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

/** `a string or a list` from a JSON Schema `type`. */
function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type.map(String) : [String(type)];
  const words = types.map((t) => TYPE_WORDS[t] ?? t);
  return words.length <= 2 ? words.join(' or ') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The name a message gives the thing at `path`: its key, or `key[i]` for a list item. */
function nameOf(path: DocPath): string {
  if (path.length === 0) return 'the top level';
  const last = path.at(-1) as string | number;
  const isIndex = typeof last === 'number' || /^\d+$/.test(last);
  if (!isIndex) return `"${last}"`;
  return `"${dottedPath(path.slice(-2))}"`;
}

function schemaObject(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function keysOf(value: unknown): string[] {
  return Object.keys(schemaObject(value));
}

function quoteList(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

const COMPARISONS: Record<string, string> = {
  minimum: 'at least',
  maximum: 'at most',
  exclusiveMinimum: 'greater than',
  exclusiveMaximum: 'less than',
};

/** What a message says instead of a value that came from the environment. */
const FROM_ENVIRONMENT = 'a value from the environment (not shown)';
const NOTHING_HIDDEN: ReadonlySet<unknown> = new Set();

/** Turns ajv's errors into findings: branches of anyOf/oneOf are folded first, noise is dropped. `hidden` values are never shown. */
function explain(errors: readonly ErrorObject[], root: unknown, base: DocPath, where: Where, hidden: ReadonlySet<unknown>): Finding[] {
  const withoutName = (err: ErrorObject): string | undefined => {
    const finding = describeError(err, [], where, hidden);
    const name = nameOf(parsePointer(err.instancePath));
    return finding?.message.startsWith(`${name} `) ? finding.message.slice(name.length + 1) : finding?.message;
  };
  const findings: Finding[] = [];
  for (const item of foldAlternatives(errors, root, withoutName, (types) => typeWords(types))) {
    if ('replaced' in item) {
      const path = [...base, ...parsePointer(item.replaced.pointer)];
      findings.push({ path, at: 'value', message: item.replaced.message(nameOf(path)) });
      continue;
    }
    const finding = describeError(item.error, base, where, hidden);
    if (finding !== undefined) findings.push(finding);
  }
  // `sq: …` where `sql` is required: the unknown key's "did you mean" already says it, once.
  const meant = new Set(findings.filter((f) => f.suggests !== undefined).map((f) => JSON.stringify([...f.path.slice(0, -1).map(String), f.suggests])));
  return findings.filter((f) => f.missing === undefined || !meant.has(JSON.stringify([...f.path.map(String), f.missing])));
}

function describeError(err: ErrorObject, base: DocPath, where: Where, hidden: ReadonlySet<unknown>): Finding | undefined {
  const path = [...base, ...parsePointer(err.instancePath)];
  const parent = schemaObject(err.parentSchema);
  const params = schemaObject(err.params);
  const name = nameOf(path);
  const got = describeValue(err.data, hidden);
  const secret = hidden.has(err.data);
  switch (err.keyword) {
    case 'if':
    case 'propertyNames':
      // Both only summarise the errors of their sub-schemas, which are reported in their own right.
      return undefined;
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params['additionalProperty'] ?? params['unevaluatedProperty']);
      const allowed = keysOf(parent['properties']);
      const suggests = suggest(key, allowed);
      const hint = suggests !== undefined ? `; did you mean "${suggests}"?` : allowed.length > 0 ? `; allowed keys: ${listNames(allowed)}` : '';
      return { path: [...path, key], at: 'key', message: `unknown key "${key}" ${where(path)}${hint}`, ...(suggests === undefined ? {} : { suggests }) };
    }
    case 'required': {
      const key = String(params['missingProperty']);
      // A `then` branch says in its description why the key became required (e.g. "text widgets need content").
      const because = err.schemaPath.includes('/then/') && typeof parent['description'] === 'string' ? ` (${parent['description']})` : '';
      // At the key that holds the incomplete mapping (`shopdb:`), which reads better than its first entry.
      return { path, at: 'key', message: `missing required key "${key}" ${where(path)}${because}`, missing: key };
    }
    case 'dependentRequired':
      return { path: [...path, String(params['property'])], at: 'key', message: `"${String(params['property'])}" needs "${String(params['missingProperty'])}" as well ${where(path)}` };
    case 'false schema': {
      const key = path.at(-1);
      return { path, at: 'key', message: `key "${String(key)}" is not allowed ${where(path.slice(0, -1))}` };
    }
    case 'type': {
      const hint = parent['patternErrorMessage'];
      const wantsText = [params['type']].flat().includes('string');
      if (secret && wantsText && err.data !== undefined && typeof err.data !== 'string' && typeof err.data !== 'object') {
        // An unquoted `${VAR}` is read as YAML would read its value: 12345 became a number. Its text is
        // fine; what is wrong is the missing quotes, and the value itself stays unshown.
        return { path, at: 'value', message: `${name} must be text, but the environment variable filled it with a ${typeof err.data} (not shown): put the reference in quotes ("\${NAME}") to keep the value as text` };
      }
      if (typeof hint === 'string' && wantsText) return { path, at: 'value', message: `${name} ${hint}, got ${got}` };
      return { path, at: 'value', message: `${name} must be ${typeWords(params['type'])}, got ${got}` };
    }
    case 'enum': {
      const allowed = Array.isArray(params['allowedValues']) ? (params['allowedValues'] as unknown[]) : [];
      const suggestion = typeof err.data === 'string' && !secret ? didYouMean(err.data, allowed.map(String)) : '';
      const shown = secret ? got : redactCredentials(JSON.stringify(err.data) ?? 'nothing');
      return { path, at: 'value', message: `${name} must be one of ${quoteList(allowed)}; got ${shown}${suggestion}` };
    }
    case 'const':
      return { path, at: 'value', message: `${name} must be ${JSON.stringify(params['allowedValue'])}, got ${got}` };
    case 'pattern': {
      const hint = typeof parent['patternErrorMessage'] === 'string' ? parent['patternErrorMessage'] : `must match the pattern ${String(params['pattern'])}`;
      if (err.propertyName !== undefined) {
        return { path: [...path, err.propertyName], at: 'key', message: `key "${err.propertyName}" ${where(path)}: a name ${hint}` };
      }
      // A value the schema marks writeOnly (a connection URL with its password) is never repeated.
      return { path, at: 'value', message: parent['writeOnly'] === true ? `${name} ${hint}` : `${name} ${hint}, got ${got}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, at: 'value', message: `${name} must be ${COMPARISONS[err.keyword]} ${String(params['limit'])}, got ${secret ? got : String(err.data)}` };
    case 'multipleOf':
      return { path, at: 'value', message: `${name} must be a multiple of ${String(params['multipleOf'])}, got ${secret ? got : String(err.data)}` };
    case 'minLength':
      return { path, at: 'value', message: params['limit'] === 1 ? `${name} must not be empty` : `${name} must be at least ${String(params['limit'])} characters long` };
    case 'maxLength':
      return { path, at: 'value', message: `${name} must be at most ${String(params['limit'])} characters long` };
    case 'minItems':
      return { path, at: 'value', message: params['limit'] === 1 ? `${name} must list at least one item` : `${name} must list at least ${String(params['limit'])} items` };
    case 'maxItems':
      return { path, at: 'value', message: `${name} must list at most ${String(params['limit'])} items` };
    case 'minProperties':
      return { path, at: 'value', message: `${name} must have at least ${String(params['limit'])} key${params['limit'] === 1 ? '' : 's'}` };
    case 'maxProperties':
      return { path, at: 'value', message: `${name} must have at most ${String(params['limit'])} keys` };
    case 'uniqueItems': {
      const later = Number(params['i']);
      const earlier = Number(params['j']);
      const items = Array.isArray(err.data) ? (err.data as unknown[]) : [];
      return { path: [...path, later], at: 'value', message: `${name} lists ${describeValue(items[later], hidden)} twice (items ${Math.min(earlier, later) + 1} and ${Math.max(earlier, later) + 1})` };
    }
    case 'format':
      return { path, at: 'value', message: `${name} must be a valid ${String(params['format'])}, got ${got}` };
    default:
      return { path, at: 'value', message: `${name} ${err.message ?? `fails the "${err.keyword}" check`}` };
  }
}
