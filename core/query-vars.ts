/**
 * Variable values from a URL's query string (`?var-region=eu`, as in Grafana's URLs), read the same way by
 * the pages, the widget API, SSE and polling. A variable given twice is refused rather than taking the last
 * value silently: the viewer would see data for a value other than the one they think they asked for.
 */
import { RtdashError } from './errors.js';

/** The `var-NAME` parameters as NAME → value; throws RTDASH_VARIABLE_INVALID naming a variable given twice. */
export function varsFromQuery(params: URLSearchParams): Record<string, string> {
  const vars: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of params) {
    if (!key.startsWith('var-')) continue;
    const name = key.slice(4);
    if (Object.hasOwn(vars, name)) {
      const shown = JSON.stringify(name.slice(0, 64));
      throw new RtdashError('RTDASH_VARIABLE_INVALID', `variable ${shown} is given ${params.getAll(key).length} times in the query string (var-${name.slice(0, 64)}=…); give it once`);
    }
    vars[name] = value;
  }
  return { ...vars };
}
