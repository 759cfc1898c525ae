/**
 * `GET /api/dashboards/ID/variables?var-NAME=VALUE`: every variable's value for the given values, and each
 * query variable's current options. A failed read of options shows its code and catalogue sentence to
 * viewers, and the driver's whole message as `error.detail` to admins (as for widgets).
 */
import type { Dashboard } from '../model.js';
import type { QueryVariableOptions } from '../query-variables.js';
import { parentValues } from '../variables.js';

/** One variable as the route answers it. */
export interface VariableState {
  name: string;
  type: string;
  value: string;
  options?: readonly string[];
  error?: { code: string; message: string; detail?: string };
}

/** The state of each variable of `dashboard` for `values` (already admitted). */
export function variableStates(options: QueryVariableOptions, dashboard: Dashboard, values: Readonly<Record<string, string>>, detailed: boolean): { variables: VariableState[] } {
  return {
    variables: dashboard.variables.map((v): VariableState => {
      const value = values[v.name] ?? '';
      if (v.type === 'select') return { name: v.name, type: v.type, value, options: v.options };
      if (v.type === 'text') return { name: v.name, type: v.type, value };
      const parents = parentValues(v, values);
      const state = detailed ? options.detailed(dashboard, v, parents) : options.current(dashboard, v, parents);
      const error = state?.error === undefined ? undefined : detailed ? state.error : { code: state.error.code, message: state.error.message };
      return { name: v.name, type: v.type, value, options: state?.options ?? [], ...(error !== undefined && { error }) };
    }),
  };
}
