/**
 * Alerts as the API and the stream show them: each alert's id (`rule` or `rule{host="a"}`), its view (state,
 * summary, labels, whether it is acknowledged or silenced), and whether what they show changed.
 */
import type { Acknowledgements } from './acknowledgements.js';
import type { AlertStates } from './alert-document.js';
import { alertLabels, type AlertRule } from './rule.js';
import { isAlerting, type AlertState, type AlertStateName } from './rule-state.js';
import { silenceLabels, type Silences } from './silences.js';
import { renderTemplate } from './templates.js';

/** One alert as the API and the stream show it. */
export interface AlertView {
  /** `rule` or `rule{host="a"}`: stable while the alert exists. */
  id: string;
  rule: string;
  dashboard?: string;
  state: AlertStateName;
  severity: string;
  summary: string;
  since: number;
  labels: Record<string, string>;
  value: number | null;
  reason?: string;
  acknowledged: boolean;
  /** While acknowledged: who did it, when (epoch ms) and why, as they said. */
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  acknowledgeReason?: string;
  silenced: boolean;
}

/** What the views are built from: every rule's alert states, the rules running, and what mutes alerts. */
export interface AlertViewSource {
  states: AlertStates;
  /** The running rule of this name; the alerts of a rule not running are not shown. */
  rule(name: string): AlertRule | undefined;
  acknowledgements: Acknowledgements;
  silences: Silences;
}

/** Every alert not in `ok`, most recent first; only those of one dashboard when given. */
export function alertViews(source: AlertViewSource, now: number, dashboard?: string): AlertView[] {
  const out: AlertView[] = [];
  for (const [name, series] of Object.entries(source.states)) {
    const rule = source.rule(name);
    if (rule === undefined || (dashboard !== undefined && rule.dashboard !== dashboard)) continue;
    for (const [key, s] of Object.entries(series)) {
      if (s.state === 'ok') continue;
      const labels = alertLabels(rule, s.labels);
      out.push({
        id: alertId(name, key),
        rule: name,
        ...(rule.dashboard !== undefined && { dashboard: rule.dashboard }),
        state: s.state,
        severity: rule.severity,
        summary: renderTemplate(rule.summary, { value: s.value, rule: name, ...(rule.dashboard !== undefined && { dashboard: rule.dashboard }), labels, values: s.values }),
        since: s.since,
        labels,
        value: s.value,
        ...(s.reason !== undefined && { reason: s.reason }),
        ...acknowledgedView(source.acknowledgements, alertId(name, key), isAlerting(s.state) ? (s.firingSince ?? s.since) : undefined),
        silenced: source.silences.muting(silenceLabels(name, rule.dashboard, labels), now) !== undefined,
      });
    }
  }
  return out.sort((a, b) => b.since - a.since);
}

/** Whether the alert's episode that began at `startsAt` (none: it is not alerting) is acknowledged, and by whom. */
function acknowledgedView(acks: Acknowledgements, id: string, startsAt: number | undefined): Pick<AlertView, 'acknowledged' | 'acknowledgedBy' | 'acknowledgedAt' | 'acknowledgeReason'> {
  if (startsAt === undefined || !acks.covers(id, startsAt)) return { acknowledged: false };
  const ack = acks.get(id)!;
  return { acknowledged: true, acknowledgedAt: ack.at, ...(ack.by !== undefined && { acknowledgedBy: ack.by }), ...(ack.reason !== undefined && { acknowledgeReason: ack.reason }) };
}

/** `rule` or `rule{host="a"}`. */
export function alertId(rule: string, seriesKey: string): string {
  return seriesKey === '' ? rule : `${rule}{${seriesKey}}`;
}

/** The rule of an alert id (rule names have no `{`). */
export function ruleOf(id: string): string {
  const brace = id.indexOf('{');
  return brace < 0 ? id : id.slice(0, brace);
}

/** Whether what the API shows of a rule's alerts changed (state or value), without a notified transition. */
export function changedVisibly(before: ReadonlyMap<string, AlertState>, after: ReadonlyMap<string, AlertState>): boolean {
  if (before.size !== after.size) return true;
  for (const [key, s] of after) {
    const b = before.get(key);
    if (b === undefined || b.state !== s.state || (s.state !== 'ok' && b.value !== s.value)) return true;
  }
  return false;
}
