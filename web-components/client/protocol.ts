/**
 * The streaming protocol as the client speaks it (docs/protocol.md, /schemas/protocol.json): the messages
 * both ways, the resume cursor, the close codes and the error codes that change what the client does.
 * The transports, the connection and the dashboard state take their words from here.
 */
import type { DashboardDefinition, DashboardRange, Frame, RangeRequest, AlertItem, WidgetState } from './types.js';

/** The protocol version this client speaks (the server's `hello` says its own). */
export const PROTOCOL_VERSION = 2;

/** Close codes the client acts on (the server's CLOSE in core/stream/protocol.ts). */
export const CLOSE = {
  /** The client closes on purpose. */
  NORMAL: 1000,
  /** The server is at its snapshot rate: try again later, over the same transport. */
  TRY_AGAIN_LATER: 1013,
  /** The client gave up on a server that stopped answering its pings. */
  NO_PONG: 4000,
  /** The embed token expired: refused for good. */
  TOKEN_EXPIRED: 4401,
  /** The embed token was refused: refused for good. */
  TOKEN_INVALID: 4403,
  /** The sign-in session ended (signed out, expired, access changed): refused until the viewer signs in again. */
  SESSION_ENDED: 4402,
} as const;

/** Error codes the client acts on. */
export const CODES = {
  /** The server is at its snapshot rate (close 1013, or HTTP 503 on SSE and polling). */
  BUSY: 'RTDASH_SERVER_BUSY',
  RANGE_INVALID: 'RTDASH_RANGE_INVALID',
  VARIABLE_INVALID: 'RTDASH_VARIABLE_INVALID',
  VARIABLE_FIXED: 'RTDASH_VARIABLE_FIXED',
  ORIGIN_NOT_ALLOWED: 'RTDASH_ORIGIN_NOT_ALLOWED',
  TOKEN_EXPIRED: 'RTDASH_TOKEN_EXPIRED',
  TOKEN_INVALID: 'RTDASH_TOKEN_INVALID',
  SESSION_ENDED: 'RTDASH_SESSION_ENDED',
  /** The server speaks another protocol version than this script (a page holding an old rt-dashboard.js). */
  PROTOCOL_MISMATCH: 'RTDASH_PROTOCOL_MISMATCH',
} as const;

/** Why the server refused us (for good, or one dashboard's values): an error's code and message. */
export interface Refusal {
  code: string;
  message: string;
}

/** Whether an error code means the server will keep refusing this page, whatever the dashboard. */
export function isRefusal(code: string): boolean {
  return code === CODES.ORIGIN_NOT_ALLOWED || code === CODES.TOKEN_EXPIRED || code === CODES.TOKEN_INVALID || code === CODES.SESSION_ENDED;
}

/** What a close code of the server says for good, or undefined when it is not a refusal. */
export function closeRefusal(code: number): Refusal | undefined {
  if (code === CLOSE.TOKEN_EXPIRED) return { code: CODES.TOKEN_EXPIRED, message: 'the embed token expired' };
  if (code === CLOSE.TOKEN_INVALID) return { code: CODES.TOKEN_INVALID, message: 'the embed token is not valid' };
  if (code === CLOSE.SESSION_ENDED) return { code: CODES.SESSION_ENDED, message: 'your session has ended: sign in again' };
  return undefined;
}

// ---- Server → client ----

/** A widget's whole state: every snapshot entry, and an update's when the viewer's history was lost. */
export interface FullEntry {
  w: string;
  seq: number;
  at: number;
  lastGoodAt: number | null;
  status: WidgetState['status'];
  error?: { code: string; message: string };
  frame: Frame;
}

/**
 * What changed in one widget (docs/protocol.md): its seq advances by one, its time is the message's `at`
 * minus `dt`. `p` last rows are taken back, rows `a` (values per column) added, then `x` first rows dropped;
 * or `v` replaces the values under the same columns, or `f` is a new frame. `e`: the run failed (the data
 * stays). No data and no `e`: a good run that changed nothing.
 */
export interface DeltaEntry {
  w: string;
  dt?: number;
  a?: Frame['fields'][number]['values'][];
  x?: number;
  p?: number;
  v?: Frame['fields'][number]['values'][];
  f?: Frame;
  meta?: Frame['meta'];
  e?: { code: string; message: string };
}

/** One widget entry of a `snapshot` (always whole) or an `update` message. */
export type UpdateEntry = FullEntry | DeltaEntry;

/** Whether an entry is a whole state (it carries its own seq). */
export function isFullEntry(entry: UpdateEntry): entry is FullEntry {
  return typeof (entry as Partial<FullEntry>).seq === 'number';
}

/** The greeting the server sends first. */
export interface HelloMessage {
  type: 'hello';
  protocol: number;
  server: string;
  heartbeatMs: number;
}

/** The `snapshot` message. */
export interface SnapshotMessage {
  type: 'snapshot';
  dashboard: string;
  version: string;
  reason: 'subscribe' | 'reload';
  vars: Record<string, string>;
  /** The time range the data is for, on a dashboard with `definition.time`. */
  range?: DashboardRange;
  definition: DashboardDefinition;
  widgets: FullEntry[];
}

/** The `update` message. */
export interface UpdateMessage {
  type: 'update';
  dashboard: string;
  /** When the server built it, epoch ms: each entry's time is this minus its `dt`. */
  at: number;
  updates: UpdateEntry[];
  resumed?: boolean;
}

/** The `alerts` message: the dashboard's alerts as they are now. */
export interface AlertsMessage {
  type: 'alerts';
  dashboard: string;
  alerts: AlertItem[];
}

/** The `error` message: about one dashboard when `dashboard` is set, else about the connection. */
export interface ErrorMessage {
  type: 'error';
  code: string;
  message: string;
  dashboard?: string;
}

/** The answer to a `ping`. */
export interface PongMessage {
  type: 'pong';
}

/** Every message the server sends. */
export type KnownServerMessage = HelloMessage | SnapshotMessage | UpdateMessage | AlertsMessage | ErrorMessage | PongMessage;

/** A server message, parsed: one of the known ones, or another type from a newer server (ignored). */
export type ServerMessage = KnownServerMessage | { type: string; dashboard?: unknown; [key: string]: unknown };

/** Parses one message's text; undefined for anything that is not a JSON object with a string `type`. */
export function parseServerMessage(data: unknown): ServerMessage | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    return asServerMessage(JSON.parse(data) as unknown);
  } catch {
    return undefined;
  }
}

/** A decoded value as a server message (a long poll's `messages` are already decoded), or undefined. */
export function asServerMessage(value: unknown): ServerMessage | undefined {
  return value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string' ? (value as ServerMessage) : undefined;
}

/** Narrows a parsed message to one known type. */
export function isMessage<T extends KnownServerMessage['type']>(msg: ServerMessage, type: T): msg is Extract<KnownServerMessage, { type: T }> {
  return msg.type === type;
}

/** The body of a long-poll answer. */
export interface PollBody {
  session?: string;
  cursor?: string | null;
  messages?: unknown[];
  error?: { code?: string; message?: string };
}

// ---- Client → server ----

/** Watches a dashboard (again: with other values, or resuming after a reconnect). */
export interface SubscribeMessage {
  type: 'subscribe';
  dashboard: string;
  vars: Record<string, string>;
  range?: RangeRequest;
  version?: string;
  resume?: Record<string, number>;
}

/** Every message the client sends. */
export type ClientMessage = SubscribeMessage | { type: 'unsubscribe'; dashboard: string } | { type: 'ping' };

/** The `ping` the client sends, as text (browsers cannot send ping frames). */
export const PING = '{"type":"ping"}';

/** A `subscribe`: with a time range when one is asked for, resuming from `resume` when given. */
export function subscribeMessage(dashboard: string, vars: Record<string, string>, range: RangeRequest | undefined, resume?: { version: string; positions: Record<string, number> }): SubscribeMessage {
  return { type: 'subscribe', dashboard, vars, ...(range && { range }), ...(resume && { version: resume.version, resume: resume.positions }) };
}

/** An `unsubscribe`. */
export function unsubscribeMessage(dashboard: string): ClientMessage {
  return { type: 'unsubscribe', dashboard };
}

// ---- The cursor, and the query of the SSE and poll endpoints ----

/** The resume cursor of the SSE and poll endpoints: `VERSION|w1:12,w2:13` (the server's encodeCursor). */
export function encodeCursor(version: string, positions: Record<string, number>): string {
  return `${version}|${Object.entries(positions)
    .map(([w, s]) => `${w}:${s}`)
    .join(',')}`;
}

/** The query of the SSE and poll endpoints for one dashboard: `dashboard=ID&var-NAME=VALUE&from=…&to=…&token=…`. */
export function streamQuery(dashboard: string, vars: Record<string, string>, range: RangeRequest | undefined, token: string | undefined): URLSearchParams {
  const params = new URLSearchParams({ dashboard });
  for (const [k, v] of Object.entries(vars)) params.set(`var-${k}`, v);
  if (range !== undefined) {
    params.set('from', range.from);
    params.set('to', range.to);
  }
  if (token) params.set('token', token);
  return params;
}
