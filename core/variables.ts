/**
 * Checks the variable values a viewer chose against what the dashboard declares. Only values that
 * pass reach a job, and from there a query only as bound parameters.
 */
import { RtdashError } from './errors.js';
import type { Dashboard, QueryVariable, Variable } from './model.js';

/** The longest value a `text` variable may have, whatever its pattern allows. */
const MAX_TEXT_LENGTH = 256;

/** The options of a query variable for some values of its parents, as last read (see core/query-variables.ts). */
export interface CurrentOptions {
  options: readonly string[];
  /** Why the last read failed (the options are then those of the read before, or none). */
  error?: { code: string; message: string };
}

/**
 * The current options of a query variable for its parents' values; undefined while they are being read for
 * the first time, with `wait` settling once they are.
 */
export type OptionsLookup = (dashboard: Pick<Dashboard, 'id' | 'version'>, variable: QueryVariable, parents: Readonly<Record<string, string>>) => CurrentOptions | undefined;

/** Thrown while the options of a query variable are read for the first time: try again once `wait` settles. */
export class OptionsPending extends Error {
  readonly wait: Promise<void>;
  constructor(variable: string, wait: Promise<void>) {
    super(`the options of variable "${variable}" are being read`);
    this.name = 'OptionsPending';
    this.wait = wait;
  }
}

/** How resolveVariables treats query variables. */
export interface ResolveOptions {
  /** Their current options; without it (alert rules at load time), their values are taken as given. */
  options?: OptionsLookup;
  /** Starts the first read of options that `options` does not hold yet. */
  load?: (dashboard: Pick<Dashboard, 'id' | 'version'>, variable: QueryVariable, parents: Readonly<Record<string, string>>) => Promise<void>;
  /** A value outside the current options falls back to the default (the options changed under a viewer) instead of being refused. */
  fallback?: boolean;
}

/**
 * Every declared variable with its chosen value (or default). Unknown names, non-string values and
 * values outside the declared options or pattern are errors naming the variable. A query variable is
 * resolved after the variables its query uses, against its options for their values.
 * @example resolveVariables(shop, { region: 'eu' }) // { region: 'eu' }
 */
export function resolveVariables(dashboard: Pick<Dashboard, 'id' | 'variables'> & Partial<Pick<Dashboard, 'version'>>, input: unknown, how: ResolveOptions = {}): Record<string, string> {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new RtdashError('RTDASH_VARIABLE_INVALID', '"vars" must be an object of variable names to string values');
  }
  const given = (input ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!dashboard.variables.some((v) => v.name === name)) {
      const known = dashboard.variables.map((v) => v.name).join(', ') || 'none';
      throw new RtdashError('RTDASH_VARIABLE_INVALID', `dashboard "${dashboard.id}" has no variable "${name}" (declared: ${known})`);
    }
  }
  const values: Record<string, string> = {};
  for (const variable of inDependencyOrder(dashboard.variables)) {
    if (variable.type === 'query') {
      values[variable.name] = queryValue(dashboard, variable, given, values, how);
      continue;
    }
    const raw = Object.hasOwn(given, variable.name) ? given[variable.name] : variable.default;
    if (typeof raw !== 'string') {
      throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable "${variable.name}" must be a string, got ${raw === null ? 'null' : typeof raw}`);
    }
    if (variable.type === 'select' && !variable.options.includes(raw)) {
      throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable "${variable.name}" must be one of ${variable.options.join(', ')}; got ${JSON.stringify(raw.slice(0, 64))}`);
    }
    if (variable.type === 'text' && (raw.length > MAX_TEXT_LENGTH || !new RegExp(`^(?:${variable.pattern})$`, 'u').test(raw))) {
      throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable "${variable.name}" must match /${variable.pattern}/ (at most ${MAX_TEXT_LENGTH} characters); got ${JSON.stringify(raw.slice(0, 64))}`);
    }
    values[variable.name] = raw;
  }
  // Callers see the values in declaration order, as before query variables existed.
  return Object.fromEntries(dashboard.variables.map((v) => [v.name, values[v.name] as string]));
}

/** The value of a query variable: the one given if among its options, else its default or first option. */
function queryValue(dashboard: Pick<Dashboard, 'id'> & Partial<Pick<Dashboard, 'version'>>, variable: QueryVariable, given: Record<string, unknown>, values: Record<string, string>, how: ResolveOptions): string {
  const raw = Object.hasOwn(given, variable.name) ? given[variable.name] : undefined;
  if (raw !== undefined && typeof raw !== 'string') {
    throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable "${variable.name}" must be a string, got ${raw === null ? 'null' : typeof raw}`);
  }
  if (how.options === undefined) return raw ?? variable.default ?? '';
  const parents = parentValues(variable, values);
  const key = { id: dashboard.id, version: dashboard.version ?? '' };
  const current = how.options(key, variable, parents);
  if (current === undefined) throw new OptionsPending(variable.name, how.load?.(key, variable, parents) ?? Promise.resolve());
  const fallback = defaultOf(variable, current.options);
  if (raw === undefined) return fallback;
  if (current.options.includes(raw)) return raw;
  if (how.fallback) return fallback;
  const shown = current.options.length === 0 ? 'it has no options now' : `it must be one of ${preview(current.options)}`;
  const failing = current.error === undefined ? '' : ` (its options could not be read: ${current.error.message})`;
  throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable "${variable.name}" has no option ${JSON.stringify(raw.slice(0, 64))}: ${shown}${failing}`);
}

/** A query variable's value when none is chosen: its default if among the options, else the first, else ''. */
export function defaultOf(variable: QueryVariable, options: readonly string[]): string {
  if (variable.default !== undefined && options.includes(variable.default)) return variable.default;
  return options[0] ?? '';
}

/** The values of the variables a query variable's query uses. */
export function parentValues(variable: QueryVariable, values: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of variable.parents) out[name] = values[name] ?? '';
  return out;
}

/** The variables with each query variable after those its query uses (loading refused cycles). */
export function inDependencyOrder(variables: readonly Variable[]): Variable[] {
  const byName = new Map(variables.map((v) => [v.name, v]));
  const out: Variable[] = [];
  const seen = new Set<string>();
  const visit = (v: Variable): void => {
    if (seen.has(v.name)) return;
    seen.add(v.name);
    if (v.type === 'query') for (const p of v.parents) {
      const parent = byName.get(p);
      if (parent !== undefined) visit(parent);
    }
    out.push(v);
  };
  for (const v of variables) visit(v);
  return out;
}

function preview(options: readonly string[]): string {
  const shown = options.slice(0, 10).join(', ');
  return options.length > 10 ? `${shown} (and ${options.length - 10} more)` : shown;
}

/** A stable text form of variable values, for map keys. */
export function variablesKey(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(values[k] as string)}`)
    .join('&');
}
