/**
 * A dashboard as a viewer may see it: titles, layout, widget types, variables. Never query text,
 * source names' options or credentials.
 */
import type { Dashboard, QueryVariable, Variable, Widget } from './model.js';
import { isRangeWidget } from './time-range.js';

/** The viewer-safe form of one widget: how to show it, never where its data comes from. */
export type PublicWidget = Pick<Widget, 'id' | 'title' | 'type' | 'description' | 'x' | 'y' | 'unit' | 'size' | 'thresholds' | 'min' | 'max' | 'content'> & {
  /** How long between runs in ms (for `every`) so a client can tell stale data; absent for cron. */
  intervalMs?: number;
  /**
   * How much history the widget keeps (points or a time window): a client trims its copy to the same. Absent
   * for a range widget on a dashboard with `time:`: each frame is the whole range, and `keep` does not cut it.
   */
  keep?: { points: number } | { ms: number };
  /** Set on a range widget (a chart whose query uses :from, :to or :bucket): its frame is the whole time range. */
  range?: true;
};

/**
 * The viewer-safe form of a variable. A query variable shows the variables its options depend on, never its
 * query or source; views add its current `options` (and `error`) for their values.
 */
export type PublicVariable =
  | Exclude<Variable, QueryVariable>
  | (Pick<QueryVariable, 'name' | 'type' | 'parents' | 'default' | 'label'> & { options?: readonly string[]; error?: { code: string; message: string } });

/** The viewer-safe form of a dashboard. */
export interface PublicDashboard {
  id: string;
  title: string;
  description?: string;
  version: string;
  layout: { columns: number };
  variables: PublicVariable[];
  widgets: PublicWidget[];
  /** The dashboard's time range settings (docs/time.md), when it has `time:`. */
  time?: PublicTime;
}

/**
 * A dashboard's time range settings as a viewer may use them: the dashboard's own, or as its embed token narrows
 * them (EmbedAccess.timeFor). `fixed` is set when the token fixes the range: `default` is then that range.
 */
export interface PublicTime {
  default: { from: string; to: string };
  choices: string[];
  max: string;
  maxPoints: number;
  fixed?: true;
}

/** Strips everything a viewer must not see. */
export function publicDashboard(dashboard: Dashboard): PublicDashboard {
  return {
    id: dashboard.id,
    title: dashboard.title,
    ...(dashboard.description !== undefined && { description: dashboard.description }),
    version: dashboard.version,
    layout: dashboard.layout,
    variables: dashboard.variables.map(publicVariable),
    widgets: dashboard.widgets.map((w) => publicWidget(w, dashboard.time !== undefined && isRangeWidget(w))),
    ...(dashboard.time !== undefined && {
      time: { default: dashboard.time.default, choices: dashboard.time.choices, max: dashboard.time.max, maxPoints: dashboard.time.maxPoints },
    }),
  };
}

function publicVariable(v: Variable): PublicVariable {
  if (v.type !== 'query') return v;
  return { name: v.name, type: v.type, parents: v.parents, ...(v.default !== undefined && { default: v.default }), ...(v.label !== undefined && { label: v.label }) };
}

function publicWidget(w: Widget, ranged: boolean): PublicWidget {
  return {
    id: w.id,
    title: w.title,
    type: w.type,
    ...(w.description !== undefined && { description: w.description }),
    ...(w.x !== undefined && { x: w.x }),
    ...(w.y !== undefined && { y: w.y }),
    ...(w.unit !== undefined && { unit: w.unit }),
    size: w.size,
    ...(w.thresholds !== undefined && { thresholds: w.thresholds }),
    ...(w.min !== undefined && { min: w.min }),
    ...(w.max !== undefined && { max: w.max }),
    ...(w.content !== undefined && { content: w.content }),
    ...(w.schedule.kind === 'every' && { intervalMs: w.schedule.ms }),
    ...(w.source !== undefined && !ranged && { keep: w.keep.kind === 'points' ? { points: w.keep.count } : { ms: w.keep.ms } }),
    ...(ranged && { range: true as const }),
  };
}
