/**
 * The job an alert rule runs on: its widget's (shared with the dashboard's viewers), or, for a rule with a query
 * of its own, the job of a hidden one-widget dashboard made for it.
 */
import { RtdashError } from '../errors.js';
import type { Dashboard, Widget } from '../model.js';
import type { AlertRule } from './rule.js';

/** What identifies a rule's meaning, so a reload that leaves a rule as it was does not restart it. */
export function ruleFingerprint(rule: AlertRule): string {
  const { position: _position, ...meaning } = rule;
  return JSON.stringify(meaning);
}

/**
 * What a rule's attachment to a job depends on: the rule's meaning and the definition of the widget its job runs.
 * A reload that changes the widget's query (or schedule, or anything its job is made of) changes it, so the rule
 * moves to the new job and lets go of the old one; a widget that is gone counts as a change too.
 */
export function attachmentFingerprint(rule: AlertRule, dashboards: ReadonlyMap<string, Dashboard>): string {
  let widget: Omit<Widget, 'position'> | null = null;
  try {
    const { position: _position, ...definition } = ruleWidget(rule, dashboards).widget;
    widget = definition;
  } catch {
    // No such widget now: attaching will fail and say so.
  }
  return JSON.stringify([ruleFingerprint(rule), widget]);
}

/** The dashboard and widget whose job a rule runs on: its widget's, or a hidden one for a rule with its own query. */
export function ruleWidget(rule: AlertRule, dashboards: ReadonlyMap<string, Dashboard>): { dashboard: Dashboard; widget: Widget } {
  if (rule.data.kind === 'widget') {
    const dashboard = dashboards.get(rule.data.dashboard);
    const widget = dashboard?.widgets.find((w) => w.id === (rule.data as { widget: string }).widget);
    if (dashboard === undefined || widget === undefined) throw new RtdashError('RTDASH_WIDGET_NOT_FOUND', `rule "${rule.name}": no widget "${rule.data.widget}" on dashboard "${rule.data.dashboard}"`);
    return { dashboard, widget };
  }
  const widget: Widget = {
    id: `alert-${rule.name}`,
    title: rule.name,
    type: 'line',
    source: rule.data.source,
    query: rule.data.query,
    schedule: { kind: 'every', ms: rule.data.everyMs },
    keep: { kind: 'duration', ms: rule.data.keepMs },
    size: { w: 1, h: 1 },
    variables: [],
    position: rule.position,
  };
  const dashboard = { id: `~alerts/${rule.name}`, title: rule.name, access: 'public', refreshMs: rule.data.everyMs, variables: [], layout: { columns: 1 }, widgets: [widget], file: rule.position.file, version: '' } as unknown as Dashboard;
  return { dashboard, widget };
}
