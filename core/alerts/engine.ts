/**
 * The alert engine: it keeps each rule's job running (a rule is a listener like a viewer, so its data flows
 * with nobody watching), evaluates the rule every time the job delivers, moves each alert through its states,
 * records transitions, and hands notifications to the outbox unless a silence or an acknowledgement mutes
 * them. State is restored from the store at start, so a restart changes nothing a receiver could notice.
 */
import { EventEmitter } from 'node:events';
import { RtdashError, messageOf } from '../errors.js';
import type { Job, JobListener } from '../job.js';
import type { Dashboard, Widget } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Scheduler } from '../scheduler.js';
import type { AlertStore, AlertStates } from './alert-store.js';
import type { Outbox } from './outbox.js';
import type { AlertRule } from './rule.js';
import { evaluateRule, transitionsToGroups, type RuleData } from './rule-evaluator.js';
import { isAlerting, seriesKeyOf, type AlertState, type AlertStateName } from './rule-state.js';
import { Silences, silenceLabels } from './silences.js';
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
  silenced: boolean;
}

/** What the engine needs. */
export interface AlertEngineDeps {
  scheduler: Scheduler;
  store: AlertStore;
  outbox: Outbox;
  logger: Logger;
  /** The clock (tests move it). */
  now?: () => number;
}

/** Events: `change` with the dashboard whose alerts changed (undefined for standalone rules). */
export interface AlertEngineEvents {
  change: [dashboard: string | undefined];
}

interface Attached {
  rule: AlertRule;
  job: Job;
  listener: JobListener;
  /** A re-evaluation at the next moment time alone changes an alert (a `for` ends, a repeat is due). */
  recheck?: NodeJS.Timeout;
}

/** Runs every rule. */
export class AlertEngine extends EventEmitter<AlertEngineEvents> {
  readonly silences = new Silences();
  readonly #deps: AlertEngineDeps;
  readonly #now: () => number;
  #states: AlertStates = {};
  readonly #attached = new Map<string, Attached>();
  /** Alert ids (rule + series) whose repeats are muted until they resolve. */
  readonly #acked = new Set<string>();
  #evaluations = 0;

  constructor(deps: AlertEngineDeps) {
    super();
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Restores the stored state and starts the outbox; call `setRules` next. */
  async start(): Promise<void> {
    this.#states = (await this.#deps.store.load()).alerts;
    await this.#deps.outbox.start();
  }

  /** How many evaluations have run (for metrics and tests). */
  get evaluations(): number {
    return this.#evaluations;
  }

  /**
   * Runs these rules from now on: rules that are new or changed (re)attach to their jobs, removed ones let go
   * (and their alerts are forgotten), unchanged ones keep running untouched.
   */
  setRules(rules: readonly AlertRule[], dashboards: ReadonlyMap<string, Dashboard>): void {
    const wanted = new Map(rules.map((r) => [r.name, r]));
    for (const [name, attached] of this.#attached) {
      const next = wanted.get(name);
      if (next === undefined || fingerprint(next) !== fingerprint(attached.rule)) this.#detach(name);
    }
    for (const [name, rule] of wanted) {
      if (this.#attached.has(name)) continue;
      try {
        this.#attach(rule, dashboards);
      } catch (err) {
        this.#deps.logger.error({ rule: name, err: messageOf(err) }, 'alert rule could not start');
      }
    }
    for (const name of Object.keys(this.#states)) {
      if (!wanted.has(name)) {
        const dashboard = this.#dashboardOf(name);
        delete this.#states[name];
        this.emit('change', dashboard);
      }
    }
    this.#deps.store.save(this.#states);
  }

  #dashboardOf(rule: string): string | undefined {
    return this.#attached.get(rule)?.rule.dashboard ?? Object.values(this.#states[rule] ?? {})[0]?.labels['dashboard'];
  }

  #attach(rule: AlertRule, dashboards: ReadonlyMap<string, Dashboard>): void {
    const { dashboard, widget } = ruleWidget(rule, dashboards);
    const listener: JobListener = (_entry, job) => this.#evaluate(rule, job);
    const job = this.#deps.scheduler.acquire(dashboard, widget, rule.vars, listener);
    this.#attached.set(rule.name, { rule, job, listener });
    // A job that already has data (a viewer started it) is evaluated now rather than at its next tick.
    if (job.history.status !== 'pending') this.#evaluate(rule, job);
  }

  #detach(name: string): void {
    const attached = this.#attached.get(name);
    if (attached === undefined) return;
    clearTimeout(attached.recheck);
    this.#deps.scheduler.release(attached.job, attached.listener);
    this.#attached.delete(name);
  }

  #evaluate(rule: AlertRule, job: Job): void {
    const history = job.history;
    if (history.status === 'pending') return;
    const data: RuleData = history.status === 'error' ? { error: history.error?.message ?? 'the query failed' } : history.frame;
    const now = this.#now();
    const previous = new Map(Object.entries(this.#states[rule.name] ?? {}));
    let result;
    try {
      result = evaluateRule(rule, data, now, previous);
    } catch (err) {
      result = evaluateRule(rule, { error: messageOf(err) }, now, previous);
    }
    this.#evaluations++;
    this.#states[rule.name] = Object.fromEntries(result.alerts);
    this.#deps.store.save(this.#states);
    this.#scheduleRecheck(rule, job, result.alerts, now);
    if (result.transitions.length === 0) {
      if (changedVisibly(previous, result.alerts)) this.emit('change', rule.dashboard);
      return;
    }
    this.#deps.store.appendHistory(result.transitions);
    for (const t of result.transitions) if (!isAlerting(t.to)) this.#acked.delete(alertId(rule.name, t.seriesKey));
    const groups = transitionsToGroups(rule, result.transitions)
      .map((group) => ({ ...group, notifications: group.notifications.filter((n) => !this.#muted(rule, n, now)) }))
      .filter((group) => group.notifications.length > 0);
    this.emit('change', rule.dashboard);
    if (groups.length === 0 || rule.notify.length === 0) return;
    // The new states are on disk before anything is sent: a crash after a send must not make the restarted
    // server see the alert as new and notify the same episode again under another id.
    void this.#deps.store
      .flush()
      .then(async () => {
        for (const group of groups) for (const notifier of rule.notify) await this.#deps.outbox.enqueue(notifier, group);
      })
      .catch((err) => this.#deps.logger.error({ rule: rule.name, err: messageOf(err) }, 'alert notification could not be stored'));
  }

  /** Whether a notification is muted: a repeat of an acknowledged alert, or an alert a silence matches. */
  #muted(rule: AlertRule, n: { labels: Record<string, string>; repeat: number }, now: number): boolean {
    if (n.repeat > 0 && this.#acked.has(alertId(rule.name, seriesKeyOf(n.labels)))) return true; // a notification's labels are its series' labels
    return this.silences.muting(silenceLabels(rule.name, rule.dashboard, { ...rule.labels, ...n.labels }), now) !== undefined;
  }

  /**
   * Evaluates the rule again at the next moment when time alone changes an alert: a `for` or
   * `keep_firing_for` ends, a run of errors has lasted its pending period, or a repeat is due. A job that
   * keeps failing the same way sends no updates, so without this an `error` alert would never come.
   */
  #scheduleRecheck(rule: AlertRule, job: Job, alerts: ReadonlyMap<string, AlertState>, now: number): void {
    const attached = this.#attached.get(rule.name);
    if (attached === undefined) return;
    clearTimeout(attached.recheck);
    attached.recheck = undefined;
    let due = Infinity;
    for (const a of alerts.values()) {
      if (a.state === 'pending' && a.pendingSince !== undefined) due = Math.min(due, a.pendingSince + rule.forMs);
      if (a.errorSince !== undefined) due = Math.min(due, a.errorSince + rule.forMs);
      if (a.resolvingSince !== undefined) due = Math.min(due, a.resolvingSince + rule.keepFiringForMs);
      if (isAlerting(a.state) && rule.repeatMs > 0) due = Math.min(due, (a.lastNotifiedAt ?? a.since) + rule.repeatMs);
    }
    if (!Number.isFinite(due)) return;
    attached.recheck = setTimeout(() => this.#evaluate(rule, job), Math.max(10, due - now + 5));
    attached.recheck.unref();
  }

  /** Every alert not in `ok`, most recent first; only those of one dashboard when given. */
  alerts(dashboard?: string): AlertView[] {
    const now = this.#now();
    const out: AlertView[] = [];
    for (const [name, series] of Object.entries(this.#states)) {
      const rule = this.#attached.get(name)?.rule;
      if (rule === undefined || (dashboard !== undefined && rule.dashboard !== dashboard)) continue;
      for (const [key, s] of Object.entries(series)) {
        if (s.state === 'ok') continue;
        const labels = { ...rule.labels, ...s.labels };
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
          acknowledged: this.#acked.has(alertId(name, key)),
          silenced: this.silences.muting(silenceLabels(name, rule.dashboard, labels), now) !== undefined,
        });
      }
    }
    return out.sort((a, b) => b.since - a.since);
  }

  /** The recorded transitions, newest first. */
  history(options: { rule?: string; limit?: number } = {}) {
    return this.#deps.store.history(options);
  }

  /** Mutes an alert's repeats until it resolves. Throws when there is no such alerting alert. */
  acknowledge(id: string): AlertView {
    const view = this.alerts().find((a) => a.id === id);
    if (view === undefined || !isAlerting(view.state)) throw new RtdashError('RTDASH_ALERT_NOT_FOUND', `no firing alert "${id.slice(0, 200)}"`);
    this.#acked.add(id);
    this.emit('change', view.dashboard);
    return { ...view, acknowledged: true };
  }

  /** Lets go of every job and flushes state and outbox. */
  async close(): Promise<void> {
    for (const name of [...this.#attached.keys()]) this.#detach(name);
    await this.#deps.store.close();
    await this.#deps.outbox.close();
  }
}

/** `rule` or `rule{host="a"}`. */
function alertId(rule: string, seriesKey: string): string {
  return seriesKey === '' ? rule : `${rule}{${seriesKey}}`;
}

/** Whether what the API shows of a rule's alerts changed (state or value), without a notified transition. */
function changedVisibly(before: ReadonlyMap<string, AlertState>, after: ReadonlyMap<string, AlertState>): boolean {
  if (before.size !== after.size) return true;
  for (const [key, s] of after) {
    const b = before.get(key);
    if (b === undefined || b.state !== s.state || (s.state !== 'ok' && b.value !== s.value)) return true;
  }
  return false;
}

/** What identifies a rule's meaning, so a reload that leaves a rule as it was does not restart it. */
function fingerprint(rule: AlertRule): string {
  const { position: _position, ...meaning } = rule;
  return JSON.stringify(meaning);
}

/** The dashboard and widget whose job a rule runs on: its widget's, or a hidden one for a rule with its own query. */
function ruleWidget(rule: AlertRule, dashboards: ReadonlyMap<string, Dashboard>): { dashboard: Dashboard; widget: Widget } {
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
