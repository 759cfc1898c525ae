/**
 * What the page's connection and the elements say to each other: the connection's status (what `<rt-status>`
 * shows), what an element watching a dashboard is told, and the watch it holds.
 */
import type { DashboardState } from './dashboard-state.js';
import type { Refusal } from './protocol.js';
import type { RangeRequest } from './types.js';

/** Where the connection is. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'refused';

/** The ways to reach the stream, in the order the connection tries them. */
export type Transport = 'websocket' | 'sse' | 'poll';

/** What `<rt-status>` shows; sent as the detail of the connection's `status` event. */
export interface ConnectionStatus {
  state: ConnectionState;
  transport: Transport;
  /** How many attempts in a row have failed. */
  attempt: number;
  /** When the next attempt starts (epoch ms), while reconnecting. */
  retryAt?: number;
  /** Set while reconnecting because the server was too busy to take the page (at its snapshot rate). */
  busy?: boolean;
  /** Why the server refused, when `state` is `refused`. */
  message?: string;
}

/** What an element watching a dashboard is told. */
export interface DashboardWatcher {
  /** The definition arrived or changed (a snapshot). */
  snapshot?(state: DashboardState): void;
  /** These widgets changed. */
  widgets?(state: DashboardState, ids: readonly string[]): void;
  /** The dashboard's alerts changed (`state.alerts`). */
  alerts?(state: DashboardState): void;
  /** The server refused this dashboard (not found, invalid variable, token for another dashboard…). */
  error?(problem: Refusal): void;
  /**
   * The server refused other variable values (`setVars`), or values the token fixes otherwise asked for from the
   * start: the dashboard stays on (or goes on with) `state.vars`, and its data with them.
   */
  varsRefused?(state: DashboardState, problem: Refusal): void;
  /**
   * The server refused a time range (RTDASH_RANGE_INVALID): one asked for by `setRange`, after which the dashboard
   * stays on `state.range` and its data, or one asked for from the start, after which it shows the default range.
   */
  rangeRefused?(state: DashboardState, problem: Refusal): void;
}

/** A watch of one dashboard; close it when the element leaves the page. */
export interface Watch {
  readonly state: DashboardState;
  /** The variable values asked for last, or those in force again after a refusal (`state.vars` say which apply). */
  readonly vars: Readonly<Record<string, string>>;
  /** Watches with other variable values (every watcher of this dashboard on the connection follows). */
  setVars(vars: Record<string, string>): void;
  /** The time range asked for last (undefined: the dashboard's default). */
  readonly range: RangeRequest | undefined;
  /** Watches another time range (undefined: the default); every watcher of this dashboard on the connection follows. */
  setRange(range: RangeRequest | undefined): void;
  close(): void;
}
