/**
 * An alert rule as loaded from a dashboard's `alerts:` section or a file in the alerts folder: what it
 * watches, the condition that fires it and the one that clears it, how long each must hold, and where its
 * notifications go. The YAML is validated by the JSON Schemas; this is what loading yields.
 */
import type { Position } from '../model.js';
import type { Condition } from './condition.js';

/** What a rule does when its data is missing (`nodata`) or its evaluation fails (`error`). */
export type Fallback = 'alert' | 'ok' | 'keep' | 'nodata' | 'error';

/** Where a rule's data comes from: a widget's job (sharing its query and schedule), or a query of its own. */
export type RuleSource =
  | { kind: 'widget'; dashboard: string; widget: string }
  | { kind: 'query'; source: string; query: unknown; everyMs: number; keepMs: number };

/** One alert rule. */
export interface AlertRule {
  /** Unique among all rules: `[a-z0-9-]`. */
  name: string;
  /** The dashboard it belongs to: the one it is declared in, or whose widget it watches from an alert file; none for a standalone rule with a query of its own. */
  dashboard?: string;
  data: RuleSource;
  /** When it should fire. */
  when: Condition;
  /** When a firing alert may resolve; without it, as soon as `when` no longer holds. Hysteresis. */
  clear?: Condition;
  /** The column reducers read when they name none (the widget's first `y`, else the frame's first number column). */
  column?: string;
  /** Split the data into one alert per series, by these label columns (one row per host, say). */
  by: string[];
  /** How long `when` must hold before pending becomes firing, in ms (0: fire at once). */
  forMs: number;
  /** How long a firing alert stays firing after it would resolve, in ms. */
  keepFiringForMs: number;
  /** Re-notify every this many ms while firing; 0: never. */
  repeatMs: number;
  severity: string;
  labels: Record<string, string>;
  /** Templates: `{{ value }}`, `{{ rule }}`, `{{ dashboard }}`, `{{ labels.NAME }}`. */
  summary: string;
  description?: string;
  nodata: Fallback;
  error: Fallback;
  /** Notifier names from config.yaml. */
  notify: string[];
  /** Variable values for the widget's job, when the dashboard has variables (defaults otherwise). */
  vars: Record<string, string>;
  position: Position;
}

/**
 * The labels of one of a rule's alerts, as the API, notifications, history and silences see them: the rule's
 * `labels` with its series' labels (its `by` columns) over them.
 * @example alertLabels(rule, { host: 'web-1' }) // { team: 'shop', host: 'web-1' }
 */
export function alertLabels(rule: Pick<AlertRule, 'labels'>, series: Record<string, string>): Record<string, string> {
  return { ...rule.labels, ...series };
}
