/**
 * The one catalogue of errors: a stable code, an HTTP status, and whether the message may reach a client.
 * Everything the server reports to a viewer or an API caller carries one of these codes.
 */

interface ErrorKind {
  status: number;
  /** True when the message is safe to show to a client; false hides it behind a generic text. */
  expose: boolean;
  /** What the code means, for docs and generic messages. */
  summary: string;
}

/** Every error code rtdash reports. Stable: clients may switch on them. */
export const ERRORS = {
  RTDASH_CONFIG_INVALID: { status: 400, expose: true, summary: 'a config or dashboard file is invalid' },
  RTDASH_NOT_FOUND: { status: 404, expose: true, summary: 'no such route' },
  RTDASH_DASHBOARD_NOT_FOUND: { status: 404, expose: true, summary: 'no dashboard with that id' },
  RTDASH_WIDGET_NOT_FOUND: { status: 404, expose: true, summary: 'no widget with that id on the dashboard' },
  RTDASH_VARIABLE_INVALID: { status: 400, expose: true, summary: 'a variable value is not among the declared options or does not match the pattern' },
  RTDASH_RANGE_INVALID: { status: 400, expose: true, summary: 'a time range cannot be read, ends before it starts, is longer than the dashboard allows (time.max, or max_points at one-day buckets), ends in the future, or the dashboard has no time range' },
  RTDASH_BAD_MESSAGE: { status: 400, expose: true, summary: 'a protocol message is not valid JSON or lacks a required field' },
  RTDASH_UNKNOWN_MESSAGE_TYPE: { status: 400, expose: true, summary: 'a protocol message has an unknown type' },
  RTDASH_NOT_SUBSCRIBED: { status: 400, expose: true, summary: 'unsubscribe from a dashboard that was not subscribed' },
  // A source's own words (SQL fragments, user names, hosts, upstream bodies) never reach a viewer: these five
  // show their summary; the full message goes to the log and to admins (see docs/security.md).
  RTDASH_QUERY_FAILED: { status: 502, expose: false, summary: 'the query failed' },
  RTDASH_QUERY_TIMEOUT: { status: 504, expose: false, summary: 'the query timed out' },
  RTDASH_SOURCE_UNREACHABLE: { status: 502, expose: false, summary: 'the source is unreachable' },
  RTDASH_CONNECTION_WAIT: { status: 504, expose: false, summary: 'timed out waiting for a free connection' },
  RTDASH_FRAME_MALFORMED: { status: 502, expose: false, summary: 'the source returned data that is not a frame' },
  RTDASH_FRAME_TOO_WIDE: { status: 502, expose: true, summary: "a result has more columns than the source's max_columns" },
  RTDASH_SOURCE_UNKNOWN: { status: 404, expose: true, summary: 'no data source with that name' },
  RTDASH_PLUGIN_INVALID: { status: 500, expose: false, summary: 'the plugin of this source failed to load' },
  RTDASH_PLUGIN_FAILED: { status: 503, expose: true, summary: 'a plugin did not finish creating its source, or failed outside a query: its sources are out of service' },
  RTDASH_UNAUTHORIZED: { status: 401, expose: true, summary: 'a valid admin token is required' },
  RTDASH_SIGN_IN_REQUIRED: { status: 401, expose: true, summary: 'the dashboard or action is for signed-in users; sign in first' },
  RTDASH_FORBIDDEN: { status: 403, expose: true, summary: 'the signed-in user is not in a group the dashboard allows, or lacks the role the action needs' },
  RTDASH_SIGN_IN_FAILED: { status: 401, expose: true, summary: 'the user name or password is wrong, or the sign-in could not be completed' },
  RTDASH_SIGN_IN_LOCKED: { status: 429, expose: true, summary: 'too many failed sign-ins for this user or from this address; wait and try again' },
  RTDASH_CSRF: { status: 403, expose: true, summary: 'a state-changing request made with a session cookie came from another site or without its CSRF token' },
  RTDASH_SESSION_ENDED: { status: 401, expose: true, summary: 'the session has ended (signed out, expired, or the user lost access); sign in again' },
  RTDASH_ORIGIN_NOT_ALLOWED: { status: 403, expose: true, summary: 'the Origin of the request (the web site) is not in server.origins' },
  RTDASH_HOST_NOT_ALLOWED: { status: 421, expose: true, summary: 'the Host of the request is not one of the server\'s names (server.host, server.public_url, server.hostnames)' },
  RTDASH_TOKEN_REQUIRED: { status: 401, expose: true, summary: 'the dashboard is shown only with a valid embed token for it' },
  RTDASH_TOKEN_INVALID: { status: 401, expose: true, summary: 'an embed token is malformed, has a bad signature, lives longer than auth.embed_token_max_ttl, is issued in the future, or the server cannot check tokens' },
  RTDASH_TOKEN_EXPIRED: { status: 401, expose: true, summary: 'the embed token has expired' },
  RTDASH_TOKEN_FORBIDDEN: { status: 403, expose: true, summary: 'the embed token is for another dashboard' },
  RTDASH_VARIABLE_FIXED: { status: 403, expose: true, summary: 'the embed token fixes this variable to another value' },
  RTDASH_RANGE_FORBIDDEN: { status: 403, expose: true, summary: 'the embed token fixes the time range to another one, or allows none this long' },
  RTDASH_TOO_MANY_CONNECTIONS: { status: 429, expose: true, summary: 'too many connections from one address' },
  RTDASH_RATE_LIMITED: { status: 429, expose: true, summary: 'a connection sent subscribe or unsubscribe messages faster than server.limits.max_subscribes_per_second, or messages of any kind faster than max_messages_per_second; or an address asked the widget API faster than max_subscribes_per_second' },
  RTDASH_SERVER_BUSY: { status: 503, expose: true, summary: 'the server is building as many snapshots as it allows per second; try again shortly' },
  RTDASH_PAYLOAD_TOO_LARGE: { status: 413, expose: true, summary: 'a request or message is over the size limit' },
  RTDASH_BAD_REQUEST: { status: 400, expose: true, summary: 'an API request body is missing a field or has a wrong value' },
  RTDASH_ALERT_NOT_FOUND: { status: 404, expose: true, summary: 'no alert or silence with that id' },
  RTDASH_SHUTTING_DOWN: { status: 503, expose: true, summary: 'the server is shutting down' },
  RTDASH_INTERNAL: { status: 500, expose: false, summary: 'an internal error' },
} as const satisfies Record<string, ErrorKind>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERRORS;

/** An error with a code from the catalogue. */
export class RtdashError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RtdashError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.expose = ERRORS[code].expose;
    this.details = options.details;
  }
}

/** The JSON body an API caller or a protocol `error` message gets: internal messages are hidden. */
export function errorBody(err: unknown): { code: ErrorCode; message: string; details?: unknown } {
  if (err instanceof RtdashError) {
    const body: { code: ErrorCode; message: string; details?: unknown } = {
      code: err.code,
      message: err.expose ? err.message : ERRORS[err.code].summary,
    };
    if (err.expose && err.details !== undefined) body.details = err.details;
    return body;
  }
  return { code: 'RTDASH_INTERNAL', message: ERRORS.RTDASH_INTERNAL.summary };
}

/** A readable message from anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}
