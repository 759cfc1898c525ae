/**
 * The alert suite's scenario: 10 dashboards of 10 `line` widgets (every 1 s) on the `alertbench` source,
 * 10 rules per widget (1,000 in all), a mix of conditions; the last widget of each dashboard has 10 hosts and
 * its rules split `by: host`. And the delay test's dashboard: one `level` widget with a `for: 0s` rule.
 */

/** Dashboards, widgets per dashboard, rules per widget. */
export const DASHBOARDS = 10;
export const WIDGETS_PER_DASHBOARD = 10;
export const RULES_PER_WIDGET = 10;
/** Hosts of a `by` widget. */
export const HOSTS = 10;
/** Each widget's interval. */
export const EVERY_MS = 1000;
/** The delay test's threshold: the level flips between below and above it. */
export const LEVEL_THRESHOLD = 50;

/** A widget's kind: how much history it keeps, and whether it has hosts. */
export interface WidgetKind {
  label: string;
  keepMinutes: number;
  hosts: number;
}

export const KINDS: readonly WidgetKind[] = [
  { label: 'series, keep 10m (600 pts)', keepMinutes: 10, hosts: 0 },
  { label: 'series, keep 1h (3,600 pts)', keepMinutes: 60, hosts: 0 },
  { label: 'series, keep 70m (4,200 pts)', keepMinutes: 70, hosts: 0 },
  { label: `by: host, ${HOSTS} series, keep 10m (6,000 rows)`, keepMinutes: 10, hosts: HOSTS },
];

/** A condition template, and the history it needs. */
export interface Template {
  when: string;
  clear?: string;
  for?: string;
  /** Minutes of history the condition reads. */
  needsMinutes: number;
}

export const TEMPLATES: readonly Template[] = [
  { when: 'last() > 64', needsMinutes: 1 },
  { when: 'avg(1m) > 59.5', for: '30s', needsMinutes: 1 },
  { when: 'max(5m) > 66 and min(1m) < 38', needsMinutes: 5 },
  { when: 'pct_change(10m) < -30', needsMinutes: 10 },
  { when: 'avg(5m) > 1.3 * avg(5m offset 1h)', needsMinutes: 65 },
  { when: 'avg(10m) < 0.5 * avg(10m offset 1h)', for: '1m', needsMinutes: 70 },
  { when: 'rate(5m) > 0.06', needsMinutes: 5 },
  { when: 'count(1m) < 55', needsMinutes: 1 },
  { when: 'avg(5m) > 59', clear: 'avg(5m) < 56', needsMinutes: 5 },
  { when: 'sum(1m) > 3570', needsMinutes: 1 },
  { when: 'avg(30m) > 57', needsMinutes: 30 },
  { when: 'max(1h) > 70 or min(1h) < 30', needsMinutes: 60 },
  { when: 'change(5m) > 18', needsMinutes: 5 },
  { when: 'last(30s) > 63.5 and avg(2m) > 58', for: '10s', needsMinutes: 2 },
];

/** What the suite knows of each rule, by name. */
export interface RuleInfo {
  dashboard: string;
  widget: string;
  kind: WidgetKind;
  template: Template;
}

/** The dashboard files, and every rule's kind and template. */
export function evaluationScenario(notifier: string): { files: Record<string, string>; rules: Map<string, RuleInfo> } {
  const files: Record<string, string> = {};
  const rules = new Map<string, RuleInfo>();
  for (let d = 0; d < DASHBOARDS; d++) {
    const dashboard = `alerts-${d}`;
    const widgets: string[] = [];
    const alerts: string[] = [];
    for (let w = 0; w < WIDGETS_PER_DASHBOARD; w++) {
      const g = d * WIDGETS_PER_DASHBOARD + w;
      const kind = w === WIDGETS_PER_DASHBOARD - 1 ? KINDS[3]! : KINDS[g % 3]!;
      const query = kind.hosts > 0 ? `{ kind: series, seed: ${g}, hosts: ${kind.hosts} }` : `{ kind: series, seed: ${g} }`;
      widgets.push(`  - { id: w${w}, title: W${w}, type: line, source: ab, query: ${query}, every: ${EVERY_MS}ms, keep: ${kind.keepMinutes}m }`);
      const fitting = TEMPLATES.filter((t) => t.needsMinutes <= kind.keepMinutes);
      for (let k = 0; k < RULES_PER_WIDGET; k++) {
        const template = fitting[(g + k) % fitting.length]!;
        const name = `d${d}-w${w}-r${k}`;
        rules.set(name, { dashboard, widget: `w${w}`, kind, template });
        alerts.push(
          `  - name: ${name}`,
          `    widget: w${w}`,
          `    when: ${JSON.stringify(template.when)}`,
          ...(template.clear === undefined ? [] : [`    clear: ${JSON.stringify(template.clear)}`]),
          ...(template.for === undefined ? [] : [`    for: ${template.for}`]),
          ...(kind.hosts > 0 ? ['    by: [host]'] : []),
          `    notify: [${notifier}]`,
        );
      }
    }
    files[`${dashboard}.yaml`] = [`id: ${dashboard}`, `title: Alert bench ${d}`, 'widgets:', ...widgets, 'alerts:', ...alerts].join('\n') + '\n';
  }
  return { files, rules };
}

/** The delay test's dashboard: one `level` widget every `everyMs`, one rule with `for: 0s`. */
export function delayScenario(notifier: string, everyMs: number): Record<string, string> {
  return {
    'delay.yaml': `id: delay
title: Alert delay
widgets:
  - { id: level, title: Level, type: line, source: ab, query: { kind: level }, every: ${everyMs}ms, keep: 100 }
alerts:
  - name: level-high
    widget: level
    when: "last() > ${LEVEL_THRESHOLD}"
    for: 0s
    notify: [${notifier}]
`,
  };
}
