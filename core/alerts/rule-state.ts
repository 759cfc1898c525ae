/**
 * The state machine of one alert (one rule on one series): ok → pending → firing → resolved, plus nodata
 * and error. Pure: `step` takes the previous state, one evaluation's outcome and the time, and returns the
 * next state and what must be notified. The state is plain JSON, so alert-store.ts can keep it across restarts.
 *
 * Notified transitions: `firing`, `nodata` and `error` (entering one of the three alerting states, from
 * anywhere, including from one another), `repeat` (a reminder while in one of them) and `resolved` (leaving
 * them). nodata and error are notified like firing (status `firing`), with the state in the notification.
 */
import type { AlertRule, Fallback } from './rule.js';

/** Every state an alert can be in. */
export const ALERT_STATES = ['ok', 'pending', 'firing', 'resolved', 'nodata', 'error'] as const;
/** One alert state. `resolved`: was firing and cleared; it becomes `ok` on the next evaluation that does not fire. */
export type AlertStateName = (typeof ALERT_STATES)[number];

/** The stored state of one alert; every time is epoch ms. Plain JSON. */
export interface AlertState {
  state: AlertStateName;
  /** When it entered `state`. */
  since: number;
  /** When `when` started holding without a break (pending, or a nodata/error alert whose data is back). */
  pendingSince?: number;
  /** When the current (or last) alerting episode began: `startsAt` of its notifications. */
  firingSince?: number;
  /** When a firing alert would first have resolved (keep_firing_for counts from here). */
  resolvingSince?: number;
  /** The first of the consecutive failed evaluations (an `error:` fallback of `error` waits `forMs` from here). */
  errorSince?: number;
  /** When it was last notified (firing, nodata, error, repeat or resolved): repeats count from here. */
  lastNotifiedAt?: number;
  /** Repeats sent since it last entered an alerting state. */
  repeats: number;
  /** The value the condition looked at (its first reducer call); null without data. */
  value: number | null;
  /** Every reducer call's value, by its canonical text (`avg(15m)`). */
  values: Record<string, number | null>;
  /** Why it is in this state when data is missing or evaluation failed: `no data`, `evaluation failed: …`. */
  reason?: string;
  /** The labels of its series (`{ host: 'web-1' }`); empty for a rule without `by`. */
  labels: Record<string, string>;
}

/** The outcome of one evaluation of one alert. */
export type StepInput =
  | {
      kind: 'value';
      /** `when`: true, false, or null when data is missing. */
      holds: boolean | null;
      /** `clear`: its result, or undefined when the rule has no clear condition. */
      clears?: boolean | null;
      values: Record<string, number | null>;
      /** The value notifications show; the first of `values` when left out. */
      value?: number | null;
      /**
       * Why `holds` is null although nothing is missing: an `offset` window reaches back before the data begins
       * (the server just started). The alert then stays as it is, with this as its reason, instead of `nodata`.
       */
      waiting?: string;
    }
  | { kind: 'error'; message: string };

/**
 * What a transition notifies: entering an alerting state, a reminder, or leaving them; `acknowledged` is kept in the
 * history only (someone acknowledged the alert: `by`, `comment`), never notified.
 */
export type TransitionKind = 'firing' | 'nodata' | 'error' | 'repeat' | 'resolved' | 'acknowledged';

/** One notified change of one alert; also what the history keeps. Plain JSON. */
export interface Transition {
  rule: string;
  dashboard?: string;
  /** The alert's series within its rule (`host="web-1"`; '' without `by`). */
  seriesKey: string;
  kind: TransitionKind;
  from: AlertStateName;
  to: AlertStateName;
  /** When it happened (the evaluation's time): with rule, labels, kind and repeat, it identifies the notification. */
  at: number;
  /** When the alerting episode began. */
  startsAt: number;
  /** 0, or n for the nth repeat. */
  repeat: number;
  labels: Record<string, string>;
  value: number | null;
  values: Record<string, number | null>;
  reason?: string;
  /** An `acknowledged` entry: who, and why. */
  by?: string;
  comment?: string;
}

/** What `step` returns. */
export interface StepResult {
  state: AlertState;
  transitions: Transition[];
}

/** The parts of a rule the state machine reads. */
export type StepRule = Pick<AlertRule, 'name' | 'dashboard' | 'forMs' | 'keepFiringForMs' | 'repeatMs' | 'nodata' | 'error'>;

/** The state of an alert never evaluated before. */
export function initialAlertState(labels: Record<string, string>, now: number): AlertState {
  return { state: 'ok', since: now, repeats: 0, value: null, values: {}, labels };
}

/** True for firing, nodata and error: the states that notify and repeat. */
export function isAlerting(state: AlertStateName): boolean {
  return state === 'firing' || state === 'nodata' || state === 'error';
}

/** One evaluation reduced to what the machine acts on, after the rule's nodata/error fallbacks. */
type Verdict =
  | { kind: 'holds'; holds: boolean; clears: boolean | null | undefined; reason?: string }
  | { kind: 'state'; state: 'nodata' | 'error'; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'keep' };

function fallback(to: Fallback, reason: string): Verdict {
  switch (to) {
    case 'alert': return { kind: 'holds', holds: true, clears: false, reason };
    // "ok" means the alert is fine: it neither holds nor stands in the way of clearing.
    case 'ok': return { kind: 'holds', holds: false, clears: true, reason };
    case 'keep': return { kind: 'keep' };
    case 'nodata': case 'error': return { kind: 'state', state: to, reason };
  }
}

function verdictOf(input: StepInput, rule: StepRule): Verdict {
  if (input.kind === 'error') return fallback(rule.error, `evaluation failed: ${input.message}`);
  if (input.holds === null) return input.waiting === undefined ? fallback(rule.nodata, 'no data') : { kind: 'wait', reason: input.waiting };
  return { kind: 'holds', holds: input.holds, clears: input.clears };
}

/**
 * Advances one alert by one evaluation at `now`.
 * @example step(initialAlertState({}, 0), { kind: 'value', holds: true, values: { 'last()': 95 } }, 0, { ...rule, forMs: 0 }).transitions[0].kind // 'firing'
 */
export function step(prev: AlertState, input: StepInput, now: number, rule: StepRule): StepResult {
  const verdict = verdictOf(input, rule);
  if (verdict.kind === 'keep') return { state: prev, transitions: [] };
  const from = prev.state;
  const s: AlertState = { ...prev };
  const out: Transition[] = [];
  if (input.kind === 'value') {
    s.values = input.values;
    s.value = input.value !== undefined ? input.value : (Object.values(input.values)[0] ?? null);
  }
  if (verdict.reason === undefined) delete s.reason;
  else s.reason = verdict.reason;

  const notify = (kind: TransitionKind): void => {
    if (kind === 'repeat') s.repeats += 1;
    else s.repeats = 0;
    s.lastNotifiedAt = now;
    out.push({
      rule: rule.name,
      ...(rule.dashboard === undefined ? {} : { dashboard: rule.dashboard }),
      seriesKey: seriesKeyOf(s.labels),
      kind,
      from,
      to: s.state,
      at: now,
      startsAt: s.firingSince ?? now,
      repeat: s.repeats,
      labels: s.labels,
      value: s.value,
      values: s.values,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
    });
  };
  const move = (to: AlertStateName): void => {
    if (s.state !== to) {
      s.state = to;
      s.since = now;
    }
  };
  const enter = (to: 'firing' | 'nodata' | 'error'): void => {
    if (!isAlerting(from)) s.firingSince = now;
    move(to);
    delete s.pendingSince;
    delete s.resolvingSince;
    notify(to);
  };
  const resolve = (): void => {
    move('resolved');
    delete s.pendingSince;
    delete s.resolvingSince;
    notify('resolved');
  };

  if (verdict.kind === 'state' && verdict.state === 'error') {
    s.errorSince = prev.errorSince ?? now;
    // Until errors have lasted the pending period nothing changes but the record of them: a failing
    // source must neither page at once nor let a firing alert look fine.
    if (from !== 'error' && now - s.errorSince >= rule.forMs) enter('error');
  } else {
    delete s.errorSince;
    if (verdict.kind === 'wait') {
      // Not judged yet: nothing moves (a pending alert keeps its pending time, a firing one keeps firing).
    } else if (verdict.kind === 'state') {
      if (from !== 'nodata') enter('nodata');
    } else if (from === 'firing') {
      const wouldResolve = !verdict.holds && (verdict.clears === undefined || verdict.clears === true);
      if (!wouldResolve) delete s.resolvingSince;
      else {
        s.resolvingSince = prev.resolvingSince ?? now;
        if (now - s.resolvingSince >= rule.keepFiringForMs) resolve();
      }
    } else if (from === 'nodata' || from === 'error') {
      // Data is back. It must hold for the pending period before the alert says "firing"; until then it
      // stays in nodata/error rather than notifying a resolved and a firing a moment apart.
      if (!verdict.holds) resolve();
      else {
        s.pendingSince = prev.pendingSince ?? now;
        if (now - s.pendingSince >= rule.forMs) enter('firing');
      }
    } else if (verdict.holds) {
      s.pendingSince = from === 'pending' ? (prev.pendingSince ?? now) : now;
      if (now - s.pendingSince >= rule.forMs) enter('firing');
      else move('pending');
    } else {
      delete s.pendingSince;
      delete s.firingSince;
      move('ok');
    }
  }

  if (out.length === 0 && isAlerting(s.state) && rule.repeatMs > 0 && now - (s.lastNotifiedAt ?? s.since) >= rule.repeatMs) {
    notify('repeat');
  }
  return { state: s, transitions: out };
}

/**
 * The next moment after `now` when time alone changes one of these alerts: a `for` or `keep_firing_for` ends, a
 * run of errors has lasted its pending period, a repeat is due; undefined when none will. A moment already past
 * was acted on by the evaluation at `now`, or is held back (an alert not judged yet): it is no reason to look again.
 * @example nextChangeAt([{ ...state, state: 'pending', pendingSince: 0 }], { ...rule, forMs: 60_000 }, 1000) // 60000
 */
export function nextChangeAt(alerts: Iterable<AlertState>, rule: Pick<StepRule, 'forMs' | 'keepFiringForMs' | 'repeatMs'>, now: number): number | undefined {
  let due = Infinity;
  const consider = (at: number): void => {
    if (at > now) due = Math.min(due, at);
  };
  for (const a of alerts) {
    if (a.state === 'pending' && a.pendingSince !== undefined) consider(a.pendingSince + rule.forMs);
    if (a.errorSince !== undefined) consider(a.errorSince + rule.forMs);
    if (a.resolvingSince !== undefined) consider(a.resolvingSince + rule.keepFiringForMs);
    if (isAlerting(a.state) && rule.repeatMs > 0) consider((a.lastNotifiedAt ?? a.since) + rule.repeatMs);
  }
  return Number.isFinite(due) ? due : undefined;
}

/**
 * The key of a series within its rule, as splitSeries writes it: `host="web-1",region="eu"`; '' for no labels.
 * @example seriesKeyOf({ host: 'web-1' }) // 'host="web-1"'
 */
export function seriesKeyOf(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
}
