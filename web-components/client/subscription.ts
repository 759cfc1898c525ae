/**
 * One dashboard a connection watches, apart from how it is reached: the values and range asked for, a change
 * waiting for its answer, and what to do when the server refuses one. A refused change goes back to the values
 * and range the data on screen is for; a first subscription refused for a range or for values the embed token
 * fixes otherwise is asked again without them, and the watchers are told why with the first snapshot. The
 * connection (connection.ts) decides when to (re)subscribe.
 */
import { DashboardState } from './dashboard-state.js';
import { withoutFixed } from './embed-vars.js';
import { CODES, type Refusal, type SnapshotMessage } from './protocol.js';
import type { Link } from './transports.js';
import type { RangeRequest } from './types.js';
import type { DashboardWatcher } from './watch.js';

/** One watched dashboard. */
export interface Subscription {
  dashboard: string;
  state: DashboardState;
  watchers: Set<DashboardWatcher>;
  /** The variable values asked for (the snapshot's `vars` say which apply). */
  vars: Record<string, string>;
  /** The time range asked for (undefined: the dashboard's default). */
  range?: RangeRequest | undefined;
  /** The range the data on screen was asked with, to go back to when the server refuses another. */
  goodRange?: RangeRequest | undefined;
  /** Set from a `setVars` or `setRange` until its snapshot (or its refusal) comes; the data before stays meanwhile. */
  changing?: boolean;
  /** Whether the pending change is of the range (what a refusal the transport cannot explain is about). */
  changingRange?: boolean;
  /** The SSE or poll link of this dashboard, in those modes. */
  link?: Link;
  /** While a change is pending in those modes, the link of the values before: it streams on until the new one opens. */
  previous?: Link;
  /** Why values asked for from the start were left out: told to the watchers with the first snapshot. */
  leftOut?: Refusal;
}

/** A new subscription, before any answer. */
export function newSubscription(dashboard: string, vars: Record<string, string>, range: RangeRequest | undefined): Subscription {
  return { dashboard, state: new DashboardState(), watchers: new Set(), vars, range };
}

/** What an event stream that never opened after a change was refused for, since it cannot read the server's answer. */
export function unexplainedRefusal(sub: Subscription): Refusal {
  if (sub.changingRange && sub.range !== undefined) return { code: CODES.RANGE_INVALID, message: `the server refused the time range ${sub.range.from} to ${sub.range.to}` };
  return { code: CODES.VARIABLE_INVALID, message: `the server refused ${new URLSearchParams(sub.vars)}` };
}

/**
 * The server refused the values of a `setVars` or the range of a `setRange`: back to the values and range the
 * data is for. Over a WebSocket the server kept the old subscription, so resuming costs only a catch-up; over
 * SSE or polling the old link is still streaming (or, if it ended meanwhile, opens again and resumes). The
 * panels keep their data all along; `tellRefused` says why.
 */
export function rollBack(sub: Subscription): void {
  sub.changing = false;
  sub.changingRange = false;
  sub.vars = { ...sub.state.vars };
  sub.range = sub.goodRange;
}

/** Tells the watchers why values or a range were refused. */
export function tellRefused(sub: Subscription, problem: Refusal): void {
  for (const w of sub.watchers) (problem.code === CODES.RANGE_INVALID ? w.rangeRefused : w.varsRefused)?.call(w, sub.state, problem);
}

/**
 * A first subscription refused for its time range (a hand-edited address, a range past the dashboard's `max`):
 * drops the range, so the next subscribe gets the dashboard's default, and keeps why for the first snapshot.
 * False when that is not the case.
 */
export function leaveOutRange(sub: Subscription, problem: Refusal): boolean {
  if (sub.state.definition !== undefined || sub.changing || sub.range === undefined || problem.code !== CODES.RANGE_INVALID) return false;
  sub.range = undefined;
  sub.leftOut = problem;
  return true;
}

/**
 * A first subscription refused for values the token fixes otherwise (`problem`, or none where the transport
 * cannot say why): drops them, so the server applies the token's values (and the defaults), and keeps why for
 * the first snapshot. False when that is not the case (the dashboard itself was refused, or the values were
 * changed since): the refusal then stands.
 */
export function leaveOutFixed(sub: Subscription, fixed: Record<string, string>, problem?: Refusal): boolean {
  if (sub.state.definition !== undefined || sub.changing || (problem !== undefined && problem.code !== CODES.VARIABLE_FIXED)) return false;
  const kept = withoutFixed(sub.vars, fixed);
  if (kept === undefined) return false;
  sub.vars = kept.vars;
  sub.leftOut = problem ?? kept.problem;
  return true;
}

/** Takes a snapshot: the pending change is done, the watchers get it, and what was left out is told. */
export function takeSnapshot(sub: Subscription, msg: SnapshotMessage): void {
  sub.changing = false;
  sub.changingRange = false;
  sub.goodRange = sub.range;
  sub.state.applySnapshot(msg);
  // The server moves a query variable whose value left its options: a reconnect asks for the new value.
  for (const v of sub.state.definition?.variables ?? []) {
    const now = sub.state.vars[v.name];
    if (v.type === 'query' && Object.hasOwn(sub.vars, v.name) && now !== undefined && now !== sub.vars[v.name]) sub.vars = { ...sub.vars, [v.name]: now };
  }
  for (const w of sub.watchers) w.snapshot?.(sub.state);
  const leftOut = sub.leftOut;
  sub.leftOut = undefined;
  if (leftOut !== undefined) {
    // The values in force are the ones asked for from now on, so a page going back to them asks for nothing.
    sub.vars = { ...sub.state.vars };
    tellRefused(sub, leftOut);
  }
}
