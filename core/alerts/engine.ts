/**
 * The alert engine: it keeps each rule's job running (a rule is a listener like a viewer, so its data flows
 * with nobody watching), evaluates the rule every time the job delivers, moves each alert through its states,
 * records transitions, and hands notifications to the outbox unless a silence or an acknowledgement mutes
 * them. State, silences and acknowledgements are restored from the store at start, so a restart changes nothing
 * a receiver could notice.
 *
 * With several instances (cluster.redis), only the one that leads (holds the alert lease, see alerting.ts)
 * writes the state and notifies. The others follow: they evaluate for their own viewers and the API, from
 * state of their own that never reaches the store, and on taking over they first load what the leader saved.
 * Silences and acknowledgements are commands any instance takes and stores where all of them read.
 */
import { EventEmitter } from 'node:events';
import { RtdashError, messageOf } from '../errors.js';
import type { Job, JobListener } from '../job.js';
import type { Dashboard } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Scheduler } from '../scheduler.js';
import { Acknowledgements, type AcknowledgementBackend } from './acknowledgements.js';
import type { AlertStore, AlertStates } from './alert-store.js';
import { alertId, alertViews, changedVisibly, ruleOf, type AlertView } from './alert-views.js';
import type { NotificationAbout, Outbox } from './outbox.js';
import { outdatedIn } from './outbox-order.js';
import { alertLabels, type AlertRule } from './rule.js';
import { evaluateRule, transitionNotification, transitionsAbout, transitionsToGroups, type RuleData } from './rule-evaluator.js';
import { attachmentFingerprint, ruleWidget } from './rule-job.js';
import { isAlerting, nextChangeAt, type AlertState, type Transition } from './rule-state.js';
import { Silences, silenceLabels, type SilenceBackend } from './silences.js';

/** What the engine needs. */
export interface AlertEngineDeps {
  scheduler: Scheduler;
  store: AlertStore;
  outbox: Outbox;
  logger: Logger;
  /** Where silences are kept: the store's document unless given (Redis, shared by instances). */
  silences?: SilenceBackend;
  /** Where acknowledgements are kept: the store's document unless given (Redis, shared by instances). */
  acknowledgements?: AcknowledgementBackend;
  /**
   * The alert lease, with several instances: the engine starts as a follower, leads after `lead()`, and
   * stops writing and notifying the moment `held` turns false. Without it the engine leads from the start.
   */
  lease?: { readonly held: boolean };
  /** The clock (tests move it). */
  now?: () => number;
}

/** Events: `change` with the dashboard whose alerts changed (undefined for standalone rules). */
export interface AlertEngineEvents {
  change: [dashboard: string | undefined];
}

interface Attached {
  rule: AlertRule;
  /** The rule and its widget's definition when it was attached (see attachmentFingerprint). */
  fingerprint: string;
  job: Job;
  listener: JobListener;
  /** When the rule started on its job: an `offset` window reaching back before that cannot be judged yet. */
  since: number;
  /** A re-evaluation at the next moment time alone changes an alert (a `for` ends, a repeat is due). */
  recheck?: NodeJS.Timeout;
}

/** Runs every rule. */
export class AlertEngine extends EventEmitter<AlertEngineEvents> {
  readonly silences: Silences;
  /** Alerts whose repeats are muted until they resolve. */
  readonly acknowledgements: Acknowledgements;
  readonly #deps: AlertEngineDeps;
  readonly #now: () => number;
  #states: AlertStates = {};
  /** `leader` writes state and notifies; `taking-over` is loading the leader's state to do so. */
  #role: 'leader' | 'taking-over' | 'follower';
  /** When a follower last read the history the leader saved. */
  #historyReadAt = -Infinity;
  readonly #attached = new Map<string, Attached>();
  /** Notifications still on their way to the outbox: `close()` waits for them, or they would be lost. */
  readonly #notifying = new Set<Promise<void>>();
  #evaluations = 0;

  constructor(deps: AlertEngineDeps) {
    super();
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.silences = new Silences(deps.silences ?? deps.store.silences);
    this.acknowledgements = new Acknowledgements(deps.acknowledgements ?? deps.store.acknowledgements);
    this.#role = deps.lease === undefined ? 'leader' : 'follower';
    // A queued notification whose alert has moved on would put a receiver back on an older state (a "firing" the
    // old leader queued, arriving after the new leader's "resolved"). The leader knows the latest; the others read it.
    deps.outbox.setStaleCheck(async (entry) => outdatedIn(entry, entry.alerts === undefined ? {} : this.leading ? this.#states : await deps.store.peek()));
  }

  /** Restores the stored state, silences and acknowledgements, and starts the outbox; call `setRules` next. */
  async start(): Promise<void> {
    try {
      this.#states = (await this.#deps.store.load()).alerts;
      await this.silences.load(this.#now());
      await this.acknowledgements.load();
    } catch (err) {
      // A follower reads the leader's state again when it takes the lease (`lead` is strict about it), so an
      // unreachable Redis at boot only means it shows no alerts until then; alone, it must have its state.
      if (this.#deps.lease === undefined) throw err;
      this.#deps.logger.warn({ err: messageOf(err) }, 'cannot read the alert state, silences or acknowledgements yet (is Redis down?); alerts wait for the lease, viewers are served');
    }
    // A follower delivers too what its own outbox folder holds from when it led: those were decided by a leader. An
    // outbox every instance reads (Redis) is the leader's alone: `lead` starts it.
    if (!this.#sharedOutbox) await this.#deps.outbox.start();
  }

  /** Whether the outbox is read by every instance (Redis) rather than kept by this one. */
  get #sharedOutbox(): boolean {
    return this.#deps.lease !== undefined && this.#deps.outbox.medium.shared;
  }

  /** Whether this instance writes the alert state and sends notifications now. */
  get leading(): boolean {
    return this.#role === 'leader' && (this.#deps.lease?.held ?? true);
  }

  /**
   * Takes over from the previous leader (call when the lease is acquired): loads the state it saved, so that an
   * alert it notified as firing is neither notified again nor resolved falsely, then evaluates every rule on
   * it. Rejects, staying a follower, when the saved state cannot be read.
   */
  async lead(): Promise<void> {
    if (this.#role !== 'follower') return;
    this.#role = 'taking-over';
    let stored;
    try {
      stored = await this.#deps.store.load({ strict: true });
      // What the old leader had not delivered is sent first, before anything this one decides.
      if (this.#sharedOutbox && this.#role === 'taking-over') await this.#deps.outbox.start();
    } catch (err) {
      this.#role = 'follower';
      if (this.#sharedOutbox) this.#deps.outbox.pause();
      throw err;
    }
    if (this.#role !== 'taking-over') return; // the lease was lost meanwhile
    // The saved state vanished (Redis restarted without persistence). Written last by another instance, this one's
    // own evaluation of the same data is nearer the truth than nothing: starting from nothing would notify every
    // firing alert again.
    this.#states = stored.vanished === 'lost' ? this.#states : stored.alerts;
    if (stored.vanished !== undefined) await this.#restoreShared();
    if (this.#role !== 'taking-over') return;
    this.#role = 'leader';
    if (stored.vanished === 'lost') this.#deps.store.save(this.#states);
    this.#deps.logger.info({ rules: this.#attached.size }, 'this instance now leads the alert engine: it writes the alert state and sends the notifications');
    this.#resumeFiring([...this.#attached.values()].map((a) => a.rule));
    for (const { rule, job } of this.#attached.values()) this.#evaluate(rule, job);
    for (const dashboard of new Set([...this.#attached.values()].map((a) => a.rule.dashboard))) this.emit('change', dashboard);
  }

  /** Writes back the silences and acknowledgements this instance knows, after the store lost them with the state. */
  async #restoreShared(): Promise<void> {
    const results = await Promise.allSettled([this.silences.restore(this.#now()), this.acknowledgements.restore()]);
    for (const r of results) if (r.status === 'rejected') this.#deps.logger.warn({ err: messageOf(r.reason) }, 'could not write back the silences or acknowledgements after the saved alert state vanished');
  }

  /** Stops writing state and notifying (call when the lease is lost); evaluation goes on for viewers. */
  follow(): void {
    if (this.#role === 'follower') return;
    const was = this.#role;
    this.#role = 'follower';
    if (this.#sharedOutbox) this.#deps.outbox.pause();
    this.#deps.outbox.pauseNotifiers();
    // The store keeps the leader's last state; this instance's further evaluations must not reach it.
    this.#states = structuredClone(this.#states);
    if (was === 'leader') this.#deps.logger.warn('this instance no longer leads the alert engine: another one notifies');
  }

  /** How many evaluations have run (for metrics and tests). */
  get evaluations(): number {
    return this.#evaluations;
  }

  /**
   * Runs these rules from now on: rules that are new or changed, or whose widget changed, (re)attach to their
   * jobs, removed ones let go (and their alerts are forgotten), unchanged ones keep running untouched.
   */
  setRules(rules: readonly AlertRule[], dashboards: ReadonlyMap<string, Dashboard>): void {
    const wanted = new Map(rules.map((r) => [r.name, r]));
    for (const [name, attached] of this.#attached) {
      const next = wanted.get(name);
      // A reloaded widget runs as a new job: the rule must follow it, and its hold on the old job must end.
      if (next === undefined || attachmentFingerprint(next, dashboards) !== attached.fingerprint) this.#detach(name);
    }
    const attached: AlertRule[] = [];
    for (const [name, rule] of wanted) {
      if (this.#attached.has(name)) continue;
      try {
        this.#attach(rule, dashboards);
        attached.push(rule);
      } catch (err) {
        this.#deps.logger.error({ rule: name, err: messageOf(err) }, 'alert rule could not start');
      }
    }
    for (const name of Object.keys(this.#states)) {
      if (!wanted.has(name)) {
        const dashboard = this.#dashboardOf(name);
        delete this.#states[name];
        if (this.leading) for (const ack of this.acknowledgements.all()) if (ruleOf(ack.id) === name) this.#endAcknowledgement(ack.id);
        this.emit('change', dashboard);
      }
    }
    if (this.leading) this.#deps.store.save(this.#states);
    this.#resumeFiring(attached);
  }

  /**
   * Gives the notifiers of `rules` that keep state at their receiver (Alertmanager) the alerts firing as this
   * instance starts to notify them: after a restart the restored state sends nothing, and they would go unheard.
   */
  #resumeFiring(rules: readonly AlertRule[]): void {
    if (!this.leading) return;
    for (const rule of rules) {
      const firing = Object.entries(this.#states[rule.name] ?? {})
        .filter(([, s]) => isAlerting(s.state))
        .map(([seriesKey, s]) => {
          const startsAt = s.firingSince ?? s.since;
          const t: Transition = { rule: rule.name, seriesKey, kind: 'firing', from: s.state, to: s.state, at: startsAt, startsAt, repeat: 0, labels: s.labels, value: s.value, values: s.values, ...(s.reason === undefined ? {} : { reason: s.reason }) };
          return transitionNotification(rule, t);
        });
      if (firing.length > 0) for (const notifier of rule.notify) this.#deps.outbox.resume(notifier, firing);
    }
  }

  #dashboardOf(rule: string): string | undefined {
    return this.#attached.get(rule)?.rule.dashboard ?? Object.values(this.#states[rule] ?? {})[0]?.labels['dashboard'];
  }

  #attach(rule: AlertRule, dashboards: ReadonlyMap<string, Dashboard>): void {
    const { dashboard, widget } = ruleWidget(rule, dashboards);
    const listener: JobListener = (_entry, job) => this.#evaluate(rule, job);
    const job = this.#deps.scheduler.acquire(dashboard, widget, rule.vars, listener);
    this.#attached.set(rule.name, { rule, fingerprint: attachmentFingerprint(rule, dashboards), job, listener, since: this.#now() });
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
    // A table's frame is its latest delivery already; a time series' history holds every delivery kept.
    const context = { collectingSince: this.#attached.get(rule.name)?.since, latest: history.mode === 'append' ? job.latest : undefined };
    let result;
    try {
      result = evaluateRule(rule, data, now, previous, context);
    } catch (err) {
      result = evaluateRule(rule, { error: messageOf(err) }, now, previous, context);
    }
    this.#evaluations++;
    this.#states[rule.name] = Object.fromEntries(result.alerts);
    const leading = this.leading;
    if (leading) this.#deps.store.save(this.#states);
    this.#scheduleRecheck(rule, job, result.alerts, now);
    if (result.transitions.length === 0) {
      if (changedVisibly(previous, result.alerts)) this.emit('change', rule.dashboard);
      return;
    }
    this.emit('change', rule.dashboard);
    if (!leading) return;
    // An acknowledgement ends with its alert (a follower's view of it ends there too: see `alerts()`).
    for (const t of result.transitions) if (!isAlerting(t.to)) this.#endAcknowledgement(alertId(rule.name, t.seriesKey));
    // The history shows an alert's labels as the API and notifications do: with the rule's own.
    this.#deps.store.appendHistory(result.transitions.map((t) => ({ ...t, labels: alertLabels(rule, t.labels) })));
    if (rule.notify.length === 0) return;
    const notifying = this.#notify(rule, result.transitions, now)
      .catch((err) => this.#deps.logger.error({ rule: rule.name, err: messageOf(err) }, 'alert notification could not be stored'))
      .finally(() => this.#notifying.delete(notifying));
    this.#notifying.add(notifying);
  }

  /** Hands one evaluation's transitions to the outbox, once they are stored, leaving out what is muted. */
  async #notify(rule: AlertRule, transitions: readonly Transition[], now: number): Promise<void> {
    // The new states are on disk before anything is sent: a crash after a send must not make the restarted
    // server see the alert as new and notify the same episode again under another id.
    // Once the state is stored under the lease, the notification is this instance's to send, even if the lease
    // goes meanwhile: the next leader starts from that state and will not send it. Refused, it is the next one's.
    if (!(await this.#deps.store.flush())) {
      this.#deps.logger.warn({ rule: rule.name }, 'the alert lease was lost before the alert state was stored: the next leader notifies instead');
      return;
    }
    // Another instance may have just added a silence or acknowledged an alert: read them again rather than
    // trust an announcement.
    const repeats = transitions.filter((t) => t.kind === 'repeat');
    await Promise.all([
      this.silences.load(now).catch((err: unknown) => this.#deps.logger.warn({ err: messageOf(err) }, 'could not read the silences again; using the ones known')),
      repeats.length > 0 && this.acknowledgements.load().catch((err: unknown) => this.#deps.logger.warn({ err: messageOf(err) }, 'could not read the acknowledgements again; using the ones known')),
    ]);
    for (const t of repeats) {
      // Made before this episode began: left over from an earlier one whose end did not remove it.
      const id = alertId(rule.name, t.seriesKey);
      if (this.acknowledgements.get(id) !== undefined && !this.acknowledgements.covers(id, t.startsAt)) this.#endAcknowledgement(id);
    }
    const groups = transitionsToGroups(rule, transitions.filter((t) => !this.#muted(rule, t, now)));
    const about = transitionsAbout(rule, transitions);
    for (const group of groups) {
      const mine: Record<string, NotificationAbout> = {};
      for (const n of group.notifications) if (about[n.id] !== undefined) mine[n.id] = about[n.id] as NotificationAbout;
      for (const notifier of rule.notify) await this.#deps.outbox.enqueue(notifier, group, mine);
    }
  }

  /** Whether a transition's notification is muted: a repeat of an acknowledged alert, or an alert a silence matches. */
  #muted(rule: AlertRule, t: Transition, now: number): boolean {
    if (t.kind === 'repeat' && this.acknowledgements.covers(alertId(rule.name, t.seriesKey), t.startsAt)) return true;
    return this.silences.muting(silenceLabels(rule.name, rule.dashboard, alertLabels(rule, t.labels)), now) !== undefined;
  }

  /** Removes an alert's acknowledgement from memory and the store; a failure is logged (a later episode ignores it). */
  #endAcknowledgement(id: string): void {
    this.acknowledgements.remove(id).catch((err: unknown) => this.#deps.logger.warn({ alert: id.slice(0, 200), err: messageOf(err) }, 'could not remove the acknowledgement of a resolved alert'));
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
    const due = nextChangeAt(alerts.values(), rule, now);
    if (due === undefined) return;
    attached.recheck = setTimeout(() => this.#evaluate(rule, job), Math.max(10, due - now + 5));
    attached.recheck.unref();
  }

  /** Every alert not in `ok`, most recent first; only those of one dashboard when given. */
  alerts(dashboard?: string): AlertView[] {
    const source = { states: this.#states, rule: (name: string) => this.#attached.get(name)?.rule, acknowledgements: this.acknowledgements, silences: this.silences };
    return alertViews(source, this.#now(), dashboard);
  }

  /** The recorded transitions, newest first; an instance that does not lead reads them as the leader saved them. */
  async history(options: { rule?: string; limit?: number } = {}) {
    if (!this.leading && this.#now() - this.#historyReadAt >= 1000) {
      this.#historyReadAt = this.#now();
      await this.#deps.store.refresh();
    }
    return this.#deps.store.history(options);
  }

  /**
   * Mutes an alert's repeats until it resolves; resolves once that is stored, so it survives a restart and
   * reaches the instance leading. Rejects with RTDASH_ALERT_NOT_FOUND when there is no such alerting alert.
   */
  async acknowledge(id: string, who: { by?: string; reason?: string } = {}): Promise<AlertView> {
    const view = this.alerts().find((a) => a.id === id);
    if (view === undefined || !isAlerting(view.state)) throw new RtdashError('RTDASH_ALERT_NOT_FOUND', `no firing alert "${id.slice(0, 200)}"`);
    if (view.acknowledged) return view;
    const ack = await this.acknowledgements.add(id, this.#now(), who);
    // The history shows who acknowledged, and why, next to the transitions (kept by the instance that leads).
    const state = this.#states[view.rule]?.[id.slice(view.rule.length + 1, -1)];
    if (this.leading && state !== undefined) {
      this.#deps.store.appendHistory([{ rule: view.rule, ...(view.dashboard !== undefined && { dashboard: view.dashboard }), seriesKey: id === view.rule ? '' : id.slice(view.rule.length + 1, -1), kind: 'acknowledged', from: state.state, to: state.state, at: ack.at, startsAt: state.firingSince ?? state.since, repeat: 0, labels: view.labels, value: view.value, values: {}, ...(ack.by !== undefined && { by: ack.by }), ...(ack.reason !== undefined && { comment: ack.reason }) }]);
    }
    this.emit('change', view.dashboard);
    return this.alerts().find((a) => a.id === id) ?? { ...view, acknowledged: true };
  }

  /** Lets go of every job and flushes state and outbox. */
  async close(): Promise<void> {
    for (const name of [...this.#attached.keys()]) this.#detach(name);
    // The state already counts these as sent: they must reach the outbox before it closes.
    await Promise.allSettled([...this.#notifying]);
    await this.#deps.store.close();
    await this.#deps.outbox.close();
  }
}

