/**
 * One rule over one frame: splits the frame into series (one per label set with `by`), evaluates the
 * rule's conditions on each, steps each alert's state machine (rule-state.ts), and turns the transitions
 * into notification groups for the outbox. Pure: time is passed in.
 */
import { messageOf } from '../errors.js';
import type { Frame } from '../frame.js';
import type { ReducerCall } from './condition-ast.js';
import { evaluateCondition, type EvaluationContext } from './condition-eval.js';
import { notificationGroup, notificationId, type AlertNotification, type NotificationGroup } from './notification.js';
import type { NotificationAbout } from './outbox-folder.js';
import { initialAlertState, step, type AlertState, type StepInput, type Transition } from './rule-state.js';
import { alertLabels, type AlertRule } from './rule.js';
import { seriesFromFrame, splitSeries, type Series } from './series.js';
import { renderTemplate } from './templates.js';

/** What a rule is evaluated over: its job's frame, or why the job failed. */
export type RuleData = Frame | { error: string };

/** What one evaluation of a rule yields: every alert's new state by series key, and what to notify. */
export interface RuleEvaluation {
  alerts: Map<string, AlertState>;
  transitions: Transition[];
}

/** A notification with the alert state it reports: `nodata` and `error` are sent with status `firing`. */
export interface RuleNotification extends AlertNotification {
  /** The state the alert moved to: firing, nodata or error (status `firing`), or resolved. */
  state: 'firing' | 'nodata' | 'error' | 'resolved';
  /** Why, when data was missing or evaluation failed. */
  reason?: string;
}

/**
 * The column a rule's reducers read when they name none: `rule.column`, else the frame's first number
 * field that is not a `by` label; '' when there is none (every reducer then sees no data).
 */
export function defaultColumn(rule: Pick<AlertRule, 'column' | 'by'>, frame: Frame): string {
  if (rule.column !== undefined) return rule.column;
  return frame.fields.find((f) => f.type === 'number' && !rule.by.includes(f.name))?.name ?? '';
}

function inputFor(rule: AlertRule, series: Series, now: number, column: string, context: EvaluationContext): StepInput {
  const { collectingSince } = context;
  const when = evaluateCondition(rule.when, series, now, column, context);
  const first = rule.when.calls[0];
  const value = first === undefined ? null : (when.values[first.key] ?? null);
  const waiting = when.holds === null && collectingSince !== undefined ? waitingReason(when.unfilled, collectingSince) : undefined;
  const wait = waiting === undefined ? {} : { waiting };
  if (rule.clear === undefined) return { kind: 'value', holds: when.holds, values: when.values, value, ...wait };
  const clear = evaluateCondition(rule.clear, series, now, column, context);
  return { kind: 'value', holds: when.holds, clears: clear.holds, values: { ...when.values, ...clear.values }, value, ...wait };
}

/** Why a condition cannot be judged yet: its offset windows that reach back before the data begins; none when all are filled. */
function waitingReason(unfilled: readonly ReducerCall[], collectingSince: number): string | undefined {
  if (unfilled.length === 0) return undefined;
  const from = Math.max(...unfilled.map((c) => collectingSince + c.offsetMs + (c.windowMs ?? 0)));
  const calls = [...new Set(unfilled.map((c) => c.key))].join(', ');
  return `not judged yet: ${calls} reaches back before the data begins (judged from about ${new Date(from).toISOString()})`;
}

const NO_DATA: StepInput = { kind: 'value', holds: null, values: {} };
// A `by` rule's alert '' stands for the rule as a whole when it failed before any series was known; a
// good evaluation clears it.
const RULE_OK: StepInput = { kind: 'value', holds: false, clears: true, values: {} };

/**
 * Series built from a frame, shared by every rule that reads the same frame in the same state: a widget's
 * rules all evaluate on each of its deliveries, and a `by` split passes over every row of the frame, while
 * a reducer reads only its window. A job's history grows in place, so an entry is good only while the
 * frame's row count and last row are what they were (a bucket still filling changes its last row without
 * adding one); the series read the frame in place, so they must not outlive that either.
 */
const seriesCache = new WeakMap<Frame, CacheEntry>();

interface CacheEntry {
  rows: number;
  lastRow: unknown[];
  built: Map<string, unknown>;
}

function isCurrent(entry: CacheEntry, frame: Frame, rows: number): boolean {
  if (entry.rows !== rows || entry.lastRow.length !== frame.fields.length) return false;
  return frame.fields.every((f, i) => Object.is(f.values[rows - 1], entry.lastRow[i]));
}

function shared<T>(frame: Frame, key: string, build: () => T): T {
  const rows = frame.fields[0]?.values.length ?? 0;
  let entry = seriesCache.get(frame);
  if (entry === undefined || !isCurrent(entry, frame, rows)) {
    entry = { rows, lastRow: frame.fields.map((f) => f.values[rows - 1]), built: new Map() };
    seriesCache.set(frame, entry);
  }
  if (!entry.built.has(key)) entry.built.set(key, build());
  return entry.built.get(key) as T;
}

/** What an evaluation of a rule may know besides its job's data. */
export interface RuleContext {
  /** When the rule's data began to be collected (it started): an `offset` window reaching back before that is not judged yet. */
  collectingSince?: number;
  /** The frame of the job's latest delivery alone, which `last()` without a window reads (see EvaluationContext). */
  latest?: Frame;
}

const NO_ROWS: Series = { times: [], columns: {} };

/** Builds series from the latest delivery; none when it cannot (a frame without time: the history then answers). */
function latestSeries<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}

/**
 * Evaluates a rule at `now` and steps every alert: one per series with `by` (key `host="web-1"`), else
 * one with key ''. A series seen before but missing now counts as no data for its alert; such an alert is
 * forgotten once it is back to ok. An `offset` window reaching back before `context.collectingSince` is not judged
 * yet rather than no data (see rule-state.ts); `last()` without a window reads `context.latest` alone.
 * @example const { alerts, transitions } = evaluateRule(rule, frame, Date.now(), previous.get(rule.name) ?? new Map())
 */
export function evaluateRule(rule: AlertRule, data: RuleData, now: number, previous: ReadonlyMap<string, AlertState>, context: RuleContext = {}): RuleEvaluation {
  const { collectingSince, latest } = context;
  const inputs = new Map<string, { labels: Record<string, string>; input: StepInput }>();
  let failure = 'error' in data ? data.error : undefined;
  if (!('error' in data)) {
    try {
      const column = defaultColumn(rule, data);
      if (rule.by.length === 0) {
        const recent = latest === undefined ? undefined : latestSeries(() => shared(latest, '', () => seriesFromFrame(latest)));
        inputs.set('', { labels: {}, input: inputFor(rule, shared(data, '', () => seriesFromFrame(data)), now, column, { collectingSince, latest: recent }) });
      } else {
        const key = rule.by.join('\u0000');
        const split = shared(data, key, () => splitSeries(data, rule.by));
        const recent = latest === undefined ? undefined : latestSeries(() => shared(latest, key, () => splitSeries(latest, rule.by)));
        for (const [k, { labels, series }] of split) {
          const context = { collectingSince, latest: recent === undefined ? undefined : (recent.get(k)?.series ?? NO_ROWS) };
          inputs.set(k, { labels, input: inputFor(rule, series, now, column, context) });
        }
      }
    } catch (err) {
      inputs.clear();
      failure = messageOf(err);
    }
  }
  if (failure !== undefined) {
    const input: StepInput = { kind: 'error', message: failure };
    const keys = previous.size > 0 ? [...previous.keys()] : [''];
    for (const key of keys) inputs.set(key, { labels: previous.get(key)?.labels ?? {}, input });
  }

  const alerts = new Map<string, AlertState>();
  const transitions: Transition[] = [];
  const keys = [...new Set([...inputs.keys(), ...previous.keys()])].sort();
  for (const key of keys) {
    const seen = inputs.get(key);
    const before = previous.get(key) ?? initialAlertState(seen?.labels ?? {}, now);
    const input = seen?.input ?? (key === '' && rule.by.length > 0 ? RULE_OK : NO_DATA);
    const { state, transitions: changes } = step(before, input, now, rule);
    if (seen === undefined && state.state === 'ok' && state.errorSince === undefined) continue;
    alerts.set(key, state);
    for (const t of changes) transitions.push({ ...t, seriesKey: key });
  }
  return { alerts, transitions };
}

/**
 * The notification of one transition: templates filled in, id from `notificationId`, so the same
 * transition (after a retry or a restart) always gets the same id.
 */
export function transitionNotification(rule: AlertRule, t: Transition): RuleNotification {
  const status = statusOf(t);
  const ctx = { value: t.value, rule: rule.name, dashboard: rule.dashboard, labels: alertLabels(rule, t.labels), values: t.values };
  const summary = renderTemplate(rule.summary, ctx);
  return {
    id: transitionNotificationId(rule, t),
    status,
    rule: rule.name,
    ...(rule.dashboard === undefined ? {} : { dashboard: rule.dashboard }),
    severity: rule.severity,
    // Email and Slack show only the summary and the value: the reason must be in the summary to be seen.
    summary: t.reason === undefined ? summary : `${summary} (${t.reason})`,
    ...(rule.description === undefined ? {} : { description: renderTemplate(rule.description, ctx) }),
    labels: ctx.labels,
    value: t.value,
    startsAt: new Date(t.startsAt).toISOString(),
    ...(status === 'resolved' ? { endsAt: new Date(t.at).toISOString() } : {}),
    repeat: t.repeat,
    state: t.kind === 'resolved' ? 'resolved' : t.to === 'nodata' || t.to === 'error' ? t.to : 'firing',
    ...(t.reason === undefined ? {} : { reason: t.reason }),
  };
}

function statusOf(t: Transition): 'firing' | 'resolved' {
  return t.kind === 'resolved' ? 'resolved' : 'firing';
}

/** The id of a transition's notification (see notificationId). */
export function transitionNotificationId(rule: Pick<AlertRule, 'name' | 'dashboard'>, t: Transition): string {
  // The series' labels alone, as ever: ids of the same transition stay what they were.
  return notificationId({ rule: rule.name, dashboard: rule.dashboard, labels: t.labels, status: statusOf(t), at: t.at, repeat: t.repeat });
}

/**
 * What each transition's notification is about, by notification id: its alert's series and when it happened.
 * The outbox lets a newer notification of the same alert supersede an older one by it.
 */
export function transitionsAbout(rule: Pick<AlertRule, 'name' | 'dashboard'>, transitions: readonly Transition[]): Record<string, NotificationAbout> {
  return Object.fromEntries(transitions.map((t) => [transitionNotificationId(rule, t), { series: t.seriesKey, at: t.at, state: t.to }]));
}

/**
 * The groups to enqueue for one evaluation of a rule: one of its alerting notifications (firing, nodata,
 * error, repeat) and one of its resolved ones, each left out when empty, so a group's status is true of
 * every notification in it. Transitions of other rules are ignored.
 * @example for (const group of transitionsToGroups(rule, transitions)) for (const n of rule.notify) await outbox.enqueue(n, group)
 */
export function transitionsToGroups(rule: AlertRule, transitions: readonly Transition[]): NotificationGroup[] {
  const mine = transitions.filter((t) => t.rule === rule.name).sort((a, b) => (a.seriesKey < b.seriesKey ? -1 : a.seriesKey > b.seriesKey ? 1 : 0));
  const alerting = mine.filter((t) => t.kind !== 'resolved').map((t) => transitionNotification(rule, t));
  const resolved = mine.filter((t) => t.kind === 'resolved').map((t) => transitionNotification(rule, t));
  return [alerting, resolved].filter((ns) => ns.length > 0).map((ns) => notificationGroup(rule.name, ns));
}
