/**
 * The streaming protocol's messages (docs/protocol.md). Server messages are JSON built from
 * pre-serialised parts; client messages are parsed and checked here.
 */
import { RtdashError } from '../errors.js';
import { varsFromQuery } from '../query-vars.js';

/** Bumped on any change a client could notice. */
export const PROTOCOL_VERSION = 2;

/** Close codes the server uses besides the standard ones (1001 going away, 1009 too big). */
export const CLOSE = {
  GOING_AWAY: 1001,
  /** A message in more fragments than the WebSocket library accepts, or messages kept coming past max_messages_per_second. */
  POLICY: 1008,
  TOO_BIG: 1009,
  /** The server is building as many snapshots as it allows per second: reconnect after a back-off. */
  TRY_AGAIN_LATER: 1013,
  /** The client stayed behind for longer than the slow-client time-out, or its queue passed max_client_queue_bytes. */
  TOO_SLOW: 4008,
  /** Too many connections from one address. */
  TOO_MANY_CONNECTIONS: 4029,
  /** The connection's embed token expired (at connect, at a subscribe, or while watching): get a new one. */
  TOKEN_EXPIRED: 4401,
  /** The connection's embed token was refused: malformed, a bad signature, or the server has no auth.embed_secret. */
  TOKEN_INVALID: 4403,
  /** The session the connection was opened with ended: signed out, expired, or the user lost access. Sign in again. */
  SESSION_ENDED: 4402,
} as const;

/** A message from a client. */
export type ClientMessage =
  | { type: 'subscribe'; dashboard: string; vars?: Record<string, unknown>; version?: string; resume?: Record<string, number>; range?: unknown }
  | { type: 'unsubscribe'; dashboard: string }
  | { type: 'ping' };

/** Parses one text message from a client; throws an RtdashError that names what is wrong. */
export function parseClientMessage(text: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RtdashError('RTDASH_BAD_MESSAGE', 'message is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RtdashError('RTDASH_BAD_MESSAGE', 'message must be a JSON object with a "type"');
  }
  const msg = value as Record<string, unknown>;
  switch (msg.type) {
    case 'subscribe': {
      requireDashboard(msg);
      if (msg.vars !== undefined && (typeof msg.vars !== 'object' || msg.vars === null || Array.isArray(msg.vars))) {
        throw new RtdashError('RTDASH_BAD_MESSAGE', '"vars" must be an object');
      }
      if (msg.version !== undefined && typeof msg.version !== 'string') throw new RtdashError('RTDASH_BAD_MESSAGE', '"version" must be a string');
      if (msg.resume !== undefined) checkResume(msg.resume);
      return msg as ClientMessage;
    }
    case 'unsubscribe':
      requireDashboard(msg);
      return msg as ClientMessage;
    case 'ping':
      return { type: 'ping' };
    default:
      throw new RtdashError(
        'RTDASH_UNKNOWN_MESSAGE_TYPE',
        `unknown message type ${JSON.stringify(typeof msg.type === 'string' ? msg.type.slice(0, 40) : msg.type ?? null)}; expected subscribe, unsubscribe or ping`,
      );
  }
}

function requireDashboard(msg: Record<string, unknown>): void {
  if (typeof msg.dashboard !== 'string' || msg.dashboard === '') throw new RtdashError('RTDASH_BAD_MESSAGE', `"${String(msg.type)}" needs a "dashboard" id`);
}

function checkResume(resume: unknown): void {
  if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) {
    throw new RtdashError('RTDASH_BAD_MESSAGE', '"resume" must be an object of widget ids to sequence numbers');
  }
  for (const [id, seq] of Object.entries(resume)) {
    if (!Number.isSafeInteger(seq)) throw new RtdashError('RTDASH_BAD_MESSAGE', `"resume.${id}" must be an integer sequence number`);
  }
}

/**
 * A message ready to go out: its JSON is built once and its encodings are made on first use, so a
 * message for a thousand viewers is encoded once for WebSocket and once for SSE.
 */
export class Outgoing {
  readonly json: string;
  #eventId: string | (() => string) | undefined;
  #buffer: Buffer | undefined;
  #sse: Buffer | undefined;

  /** @param eventId the SSE event id (resume positions), or what makes it when an SSE stream first asks. */
  constructor(json: string, eventId?: string | (() => string)) {
    this.json = json;
    this.#eventId = eventId;
  }

  /** The SSE event id (resume positions), when the message carries positions. */
  get eventId(): string | undefined {
    if (typeof this.#eventId === 'function') this.#eventId = this.#eventId();
    return this.#eventId;
  }

  /** UTF-8 bytes for a WebSocket text frame. */
  get buffer(): Buffer {
    this.#buffer ??= Buffer.from(this.json);
    return this.#buffer;
  }

  /** The message as one Server-Sent Event. */
  get sse(): Buffer {
    this.#sse ??= Buffer.from(`${this.eventId === undefined ? '' : `id: ${this.eventId}\n`}data: ${this.json}\n\n`);
    return this.#sse;
  }
}

/** The greeting a server sends on every new connection. */
export function helloMessage(serverVersion: string, heartbeatMs: number): Outgoing {
  return new Outgoing(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, server: `rtdash/${serverVersion}`, heartbeatMs }));
}

/** An `error` message with a stable code. */
export function errorMessage(code: string, message: string, dashboard?: string): Outgoing {
  return new Outgoing(JSON.stringify({ type: 'error', code, message, ...(dashboard !== undefined && { dashboard }) }));
}

/** The answer to a client's `ping`: one message, shared by every connection. */
export const PONG = new Outgoing('{"type":"pong"}');

/** An `alerts` message: every alert of a dashboard as viewers see it. */
export function alertsMessage(dashboard: string, alerts: readonly unknown[]): Outgoing {
  return new Outgoing(JSON.stringify({ type: 'alerts', dashboard, alerts }));
}

/** The start every entry of a widget shares, `{"w":"ID"`: built once per widget. */
export function entryHead(widget: string): string {
  return `{"w":${JSON.stringify(widget)}`;
}

/** An update's parts as widget-history.ts keeps them: the widget's head, what changed, and when. */
export interface EntryParts {
  readonly at: number;
  readonly head: string;
  readonly body: string;
  /** A whole state: it carries its own seq and times, and no age. */
  readonly full?: true;
}

/**
 * One update entry in a message built at `messageAt`: its head, its age `dt` in ms when it has one, and what
 * changed (`{"w":"cpu","dt":3,"a":[[1700000000000],[0.42]]}`).
 */
export function entryJson(entry: EntryParts, messageAt: number): string {
  const age = messageAt - entry.at;
  return age > 0 && entry.full !== true ? `${entry.head},"dt":${age}${entry.body}` : `${entry.head}${entry.body}`;
}

/** The start of every `update` message of a dashboard, built once per view: its time and the entries follow. */
export function updatePrefix(dashboard: string): string {
  return `{"type":"update","dashboard":${JSON.stringify(dashboard)},"at":`;
}

/**
 * An `update` message at `at` from its prefix (`updatePrefix`) and widget entries: update entries (their age
 * is taken from `at`) or whole states (strings from WidgetHistory.snapshot). `resumed` marks the catch-up
 * sent after a resuming subscribe. `cursor` (the SSE event id) is made only when a transport asks for it.
 */
export function updateMessage(prefix: string, at: number, entries: readonly (EntryParts | string)[], cursor: () => string, resumed = false): Outgoing {
  let json = `${prefix}${at},"updates":[`;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (i > 0) json += ',';
    json += typeof entry === 'string' ? entry : entryJson(entry, at);
  }
  return new Outgoing(`${json}]${resumed ? ',"resumed":true' : ''}}`, cursor);
}

/** The range a snapshot is for, as asked and as resolved when it was built. */
export interface SnapshotRange {
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  live: boolean;
  bucket: number;
}

/**
 * A `snapshot` message from pre-serialised parts: the viewer-safe definition (JSON) and the widgets'
 * entries (JSON each), so a view serialises them once per state and every viewer shares the bytes.
 */
export function snapshotMessage(
  parts: { dashboard: string; version: string; reason: string; vars: Readonly<Record<string, string>>; range?: SnapshotRange; definitionJson: string; widgets: readonly string[] },
  cursor: string,
): Outgoing {
  const range = parts.range === undefined ? '' : `"range":${JSON.stringify(parts.range)},`;
  const json =
    `{"type":"snapshot","dashboard":${JSON.stringify(parts.dashboard)},"version":${JSON.stringify(parts.version)},` +
    `"reason":"${parts.reason}","vars":${JSON.stringify(parts.vars)},${range}"definition":${parts.definitionJson},"widgets":[${parts.widgets.join(',')}]}`;
  return new Outgoing(json, cursor);
}

/** The body of a long-poll answer: the session, the cursor to send next, and the messages (already JSON). */
export function pollBody(session: string, cursor: string | readonly string[] | null, messages: readonly Outgoing[]): string {
  return `{"session":${JSON.stringify(session)},"cursor":${JSON.stringify(cursor)},"messages":[${messages.map((m) => m.json).join(',')}]}`;
}

/** The SSE `close` event that ends a stream, with the code and reason a WebSocket would be closed with. */
export function sseCloseEvent(code: number, reason: string): string {
  return `event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`;
}

/** Encodes a dashboard version and widget positions as an SSE event id / poll cursor: `VERSION|w1:12,w2:13`. */
export function encodeCursor(version: string, positions: ReadonlyMap<string, number>): string {
  return `${version}|${[...positions].map(([w, s]) => `${w}:${s}`).join(',')}`;
}

/** Decodes `encodeCursor`; malformed parts are dropped (those widgets then get their whole state). */
export function decodeCursor(text: string | undefined): { version?: string; positions: Record<string, number> } {
  const positions: Record<string, number> = {};
  if (!text) return { positions };
  const bar = text.indexOf('|');
  if (bar < 0) return { positions };
  for (const part of text.slice(bar + 1, 8192).split(',')) {
    const i = part.lastIndexOf(':');
    const seq = Number(part.slice(i + 1));
    if (i > 0 && Number.isSafeInteger(seq)) positions[part.slice(0, i)] = seq;
  }
  return { version: text.slice(0, bar), positions };
}

/** Query parameters the SSE and poll endpoints know besides `var-NAME` (`token` is read by core/embed-access.ts). */
const STREAM_PARAMS = new Set(['dashboard', 'session', 'cursor', 'wait', 'lastEventId', 'token', 'from', 'to']);

/**
 * The time range in URL query parameters (`?from=now-6h&to=now`), as the pages, the widget API, SSE and
 * polling take it; undefined when neither is given. Each may be given once (RTDASH_RANGE_INVALID otherwise).
 */
export function rangeFromQuery(params: URLSearchParams): { from?: string; to?: string } | undefined {
  const range: { from?: string; to?: string } = {};
  for (const key of ['from', 'to'] as const) {
    const values = params.getAll(key);
    if (values.length > 1) throw new RtdashError('RTDASH_RANGE_INVALID', `"${key}" is given ${values.length} times in the query string; give it once`);
    if (values[0] !== undefined) range[key] = values[0];
  }
  return range.from === undefined && range.to === undefined ? undefined : range;
}

/**
 * Reads a subscription from URL query parameters, as SSE and polling clients send it:
 * `?dashboard=shop&var-region=eu&from=now-6h&to=now` (the `var-` prefix as in Grafana's URLs).
 */
export function subscriptionFromQuery(params: URLSearchParams): { dashboard: string; vars: Record<string, string>; range?: { from?: string; to?: string } } {
  const dashboard = params.get('dashboard');
  if (!dashboard) throw new RtdashError('RTDASH_BAD_MESSAGE', 'the "dashboard" query parameter is required');
  for (const key of params.keys()) {
    if (!key.startsWith('var-') && !STREAM_PARAMS.has(key)) {
      throw new RtdashError('RTDASH_BAD_MESSAGE', `unknown query parameter "${key.slice(0, 40)}"; variables are passed as var-NAME=VALUE (var-${key.slice(0, 40)}=...)`);
    }
  }
  const range = rangeFromQuery(params);
  return { dashboard, vars: varsFromQuery(params), ...(range !== undefined && { range }) };
}
