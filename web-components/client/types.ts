/**
 * The shapes the elements receive, as docs/protocol.md describes them (the frame follows the server's
 * /schemas/frame.json). Mirrored here because the elements never import the server.
 */

/** The type of one column of a frame. */
export type FieldType = 'time' | 'number' | 'string' | 'boolean';

/** One column: its values, all of one type; `null` is no value. `time` values are epoch ms. */
export interface Field {
  name: string;
  type: FieldType;
  values: (number | string | boolean | null)[];
}

/** Columnar data: every field has the same number of values. */
export interface Frame {
  fields: Field[];
  meta?: { truncated?: boolean; [key: string]: unknown };
}

/** A colour that applies from `value` upwards (ascending list). */
export interface Threshold {
  value: number;
  color: string;
}

/** The widget types a dashboard may declare (their traits: core/widget-types.ts, bundled with the elements). */
export type { WidgetType } from '../../core/widget-types.js';
import type { WidgetType } from '../../core/widget-types.js';

/** A widget as a viewer may see it: how to show it, never where its data comes from. */
export interface WidgetDefinition {
  id: string;
  title: string;
  type: WidgetType;
  description?: string;
  /** The column on the x axis (a time column for line and area charts, categories for bars). */
  x?: string;
  /** The columns to show. */
  y?: string[];
  /** How values read: `count`, `percent`, `ms`, `s`, `bytes`, `currency:EUR`, or any other unit text. */
  unit?: string;
  size: { w: number; h: number };
  thresholds?: Threshold[];
  min?: number;
  max?: number;
  /** The text of a `text` widget. */
  content?: string;
  /** Time between runs in ms (absent for cron widgets): data older than a few intervals is stale. */
  intervalMs?: number;
  /** How much history the widget keeps: the last `points` rows, or the rows of the last `ms`. */
  keep?: { points: number } | { ms: number };
  /** Set on a range widget (its query uses the dashboard's time range): each frame is the whole range, `keep` does not apply. */
  range?: true;
}

/** A template variable of a dashboard. */
export interface VariableDefinition {
  name: string;
  type: 'select' | 'text' | 'query';
  /** select: the declared values; query: the values its query gave for the current values of `parents`. */
  options?: string[];
  pattern?: string;
  /** query variables: the variables its options depend on (a new value for one of them picks this one anew). */
  parents?: string[];
  /** query variables: why its options could not be read last time (they are those of the time before). */
  error?: { code: string; message: string };
  default?: string;
  label?: string;
}

/** A time range as asked for: Grafana-style expressions (`now-6h`, `now`, ISO-8601 times, epoch ms). */
export interface RangeRequest {
  from: string;
  to: string;
}

/** The time range of a dashboard that has one (`definition.time`): its default, the picker's choices and its bounds. */
export interface TimeDefinition {
  default: RangeRequest;
  /** Durations such as `6h`, each the range from `now-6h` to `now`. */
  choices: string[];
  /** The longest range a viewer may ask for, such as `30d` (shorter when the embed token bounds it). */
  max: string;
  maxPoints: number;
  /** Set when the embed token fixes the range: `default` is that range, and there are no `choices`. */
  fixed?: true;
}

/** The range a snapshot is for: as asked, resolved to epoch ms, whether it slides with the clock, and its bucket in seconds. */
export interface DashboardRange extends RangeRequest {
  fromMs: number;
  toMs: number;
  live: boolean;
  bucket: number;
}

/** A dashboard as a viewer may see it. */
export interface DashboardDefinition {
  id: string;
  title: string;
  description?: string;
  version: string;
  layout: { columns: number };
  variables: VariableDefinition[];
  widgets: WidgetDefinition[];
  /** Set when viewers may pick a time range. */
  time?: TimeDefinition;
}

/** A widget's data and health as the stream last told it. */
export interface WidgetState {
  /** The widget's data; `{fields: []}` until the first run. */
  frame: Frame;
  status: 'ok' | 'error' | 'pending';
  /** Set while `status` is `error`; the frame then still holds the last good data. */
  error?: { code: string; message: string };
  /** When the server produced the latest entry (epoch ms). */
  at: number;
  /** When the widget last had data (epoch ms), or null. */
  lastGoodAt: number | null;
  /** The widget's sequence number (opaque, only grows). */
  seq: number;
}

/** The state of an alert rule: `pending` until it has held for its `for`, then `firing`, `resolved` once it clears. */
export type AlertState = 'pending' | 'firing' | 'resolved' | 'nodata' | 'error';

/** One alert as a viewer may see it (what `<rt-alerts>` lists). */
export interface AlertItem {
  /** The rule's name. */
  rule: string;
  /** The dashboard the rule belongs to, if any. */
  dashboard?: string;
  state: AlertState;
  /** `critical`, `warning`, `info` or any other word (sorted after those). */
  severity?: string;
  /** One line saying what is wrong. */
  summary?: string;
  /** When the alert entered its state (epoch ms). */
  since: number;
  labels?: Record<string, string>;
  /** The value that made it fire, if the rule has one. */
  value?: number | null;
  /** The alert's id (`rule` or `rule{host="a"}`): what acknowledging it names. */
  id?: string;
  acknowledged?: boolean;
  /** While acknowledged: who did it, when (epoch ms) and why. */
  acknowledgedBy?: string;
  acknowledgedAt?: number;
  acknowledgeReason?: string;
  silenced?: boolean;
}

/** The signed-in viewer of the server's own page, as `GET /api/me` says: editors and admins may act on alerts. */
export interface AlertActor {
  name: string;
  role: 'viewer' | 'editor' | 'admin';
  /** Sent back as X-CSRF-Token on each action. */
  csrf: string;
  /** The server to send actions to. */
  server: string;
}

/** Which way a table is sorted. */
export type SortDirection = 'ascending' | 'descending';

/** The detail of `rt-sort-change`: the column a viewer sorted a table by, and which way. */
export interface SortChangeDetail {
  column: string;
  direction: SortDirection;
}
