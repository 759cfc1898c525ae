/**
 * Checks the variable values a viewer chose against what the dashboard declares. Only values that
 * pass reach a job, and from there a query only as bound parameters.
 */
import { RtdashError } from './errors.js';
import type { Dashboard } from './model.js';

/** The longest value a `text` variable may have, whatever its pattern allows. */
const MAX_TEXT_LENGTH = 256;

/**
 * Every declared variable with its chosen value (or default). Unknown names, non-string values and
 * values outside the declared options or pattern are errors naming the variable.
 * @example resolveVariables(shop, { region: 'eu' }) // { region: 'eu' }
 */
export function resolveVariables(dashboard: Pick<Dashboard, 'id' | 'variables'>, input: unknown): Record<string, string> {
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
  for (const variable of dashboard.variables) {
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
  return values;
}

/** A stable text form of variable values, for map keys. */
export function variablesKey(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(values[k] as string)}`)
    .join('&');
}
