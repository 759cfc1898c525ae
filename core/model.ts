/**
 * The loaded, checked and normalised shapes of config.yaml and dashboards/*.yaml that the rest of the
 * server works with. The YAML is validated by core/schemas/*.schema.json; these are what loading yields.
 */

import type { AlertRule } from './alerts/rule.js';

/** Where something was written, for error messages. */
export interface Position {
  file: string;
  line: number;
  col: number;
}

/** A widget type. */
import type { WidgetType } from './widget-types.js';
export type { WidgetType };

/** A template variable a viewer chooses. Values reach queries only as bound parameters. */
export type Variable =
  | { name: string; type: 'select'; options: string[]; default: string; label?: string }
  | { name: string; type: 'text'; pattern: string; default: string; label?: string }
  | QueryVariable;

/**
 * A variable whose options are the first column of a source query (core/query-variables.ts). `parents` are
 * the variables its query uses (`:name`), bound as parameters; its value falls back to `default` when that is
 * one of the options, else to the first option, else to ''.
 */
export interface QueryVariable {
  name: string;
  type: 'query';
  source: string;
  /** The query, in the shape the source's plugin declares. Never sent to viewers. */
  query: unknown;
  refreshMs: number;
  parents: string[];
  default?: string;
  label?: string;
}

/** When a widget's job runs. */
export type Schedule = { kind: 'every'; ms: number } | { kind: 'cron'; expression: string };

/** How much history a widget keeps for late joiners. */
export type Keep = { kind: 'points'; count: number } | { kind: 'duration'; ms: number };

/** One widget as loaded. */
export interface Widget {
  id: string;
  title: string;
  type: WidgetType;
  description?: string;
  /** The data-source instance name; absent for `text` and `alerts` widgets. */
  source?: string;
  /** The query, in the shape the source's plugin declares. Never sent to viewers. */
  query?: unknown;
  /** What to listen to for pushed changes (a NOTIFY channel, a pub/sub channel…), in the plugin's `listenSchema` shape. */
  listen?: unknown;
  schedule: Schedule;
  keep: Keep;
  /** `record:` in ms: the widget's points are kept this long whether anyone watches or not (docs/time.md). */
  recordMs?: number;
  /** Time-out of one run in ms; falls back to the source's, then 10 s. */
  timeoutMs?: number;
  x?: string;
  y?: string[];
  unit?: string;
  size: { w: number; h: number };
  /** Thresholds for gauge and stat colouring, ascending. */
  thresholds?: { value: number; color: string }[];
  min?: number;
  max?: number;
  /** Static text of a `text` widget. */
  content?: string;
  /** The variables the query refers to (`:name`), in order of first use. */
  variables: string[];
  /** On a dashboard with `time:`: true when the query uses :from, :to or :bucket (docs/time.md). */
  usesRange?: boolean;
  position: Position;
}

/** A dashboard's `time:` block as loaded (docs/time.md). */
export interface TimeSettings {
  /** The range shown until a viewer picks one, as range expressions. */
  default: { from: string; to: string };
  /** The durations offered in the picker, as written (`5m`, `1h`…). */
  choices: string[];
  /** The longest range a viewer may ask for, as written, and in ms. */
  max: string;
  maxMs: number;
  /** The most points per chart: the bucket is chosen so a range has at most this many. */
  maxPoints: number;
}

/** One dashboard as loaded. */
export interface Dashboard {
  id: string;
  title: string;
  description?: string;
  /**
   * `public`: anyone allowed to reach the server may watch it; `token`: only with an embed token for it;
   * `signed-in` (`access: { public: false }`): signed-in users in one of `groups` (any, without groups), admins,
   * and embed tokens for it (core/auth/dashboard-rule.ts).
   */
  access: 'public' | 'token' | 'signed-in';
  /** With `signed-in`: the groups whose members may watch it; none means every signed-in user. */
  groups?: readonly string[];
  /** Default interval for widgets that set neither `every` nor `cron`, in ms. */
  refreshMs: number;
  variables: Variable[];
  layout: { columns: number };
  widgets: Widget[];
  /** Its `time:` block: viewers choose a range, and queries get :from, :to and :bucket. Absent: widgets show "now". */
  time?: TimeSettings;
  /** Its `alerts:` rules, checked against its widgets and variables. */
  alerts: AlertRule[];
  /** The file it came from. */
  file: string;
  /** A hash of the definition: changes whenever the file's meaning changes. */
  version: string;
}

/** A configured data-source instance. */
export interface SourceConfig {
  name: string;
  type: string;
  timeoutMs?: number;
  /** The row cap of one result (`max_rows`); 10,000 when unset. */
  maxRows?: number;
  /** The column cap of one result (`max_columns`); 1,000 when unset. A wider result is an error. */
  maxColumns?: number;
  /** `record`: the default `record` of its widgets, in ms (docs/time.md). */
  recordMs?: number;
  /** How long the plugin's create() may take (`create_timeout`); 10 s when unset. */
  createTimeoutMs?: number;
  /** Everything besides `type`, `timeout`, `max_rows`, `max_columns`, `create_timeout` and `record`, validated against the plugin's options schema. */
  options: Record<string, unknown>;
  position?: Position;
}

/** Limits that protect the server from clients. */
export interface Limits {
  /** Largest incoming WebSocket message; bigger ones close the connection with 1009. */
  maxMessageBytes: number;
  /** Send-buffer size past which a client gets conflated updates instead of a queue. */
  slowClientBytes: number;
  /** How long a client may stay past `slowClientBytes` before it is closed with 4008. */
  slowClientTimeoutMs: number;
  /** Ping interval; a client that misses one pong is dropped. */
  heartbeatMs: number;
  /** How long updates are gathered before they go out as one frame per client. */
  coalesceMs: number;
  /** Most WebSocket/SSE connections and long-poll sessions from one IP address, together. */
  maxConnectionsPerIp: number;
  /** Most dashboards one connection may watch at once. */
  maxSubscriptionsPerConnection: number;
  /** Most bytes queued for one client (replies and updates alike); past it the client is closed with 4008. */
  maxClientQueueBytes: number;
  /** Subscribe and unsubscribe messages one connection may send per second (bursts of twice that); more are refused. */
  maxSubscribesPerSecond: number;
  /** Snapshots the whole server builds per second for new subscriptions; past it a subscribe is refused as busy. */
  maxSnapshotsPerSecond: number;
  /** WebSocket messages of any kind one connection may send per second (bursts of twice that); more are dropped unread, and a client that keeps on is closed with 1008. */
  maxMessagesPerSecond: number;
}

/** One configured notifier: its type (core/alerts/notifiers/), its try time-out, and the options its type's schema accepted. */
export interface NotifierConfig {
  type: string;
  /** How long one try may take. */
  timeoutMs: number;
  options: Record<string, unknown>;
}

/** The whole server configuration after defaults and `${VAR}` interpolation. */
export interface ServerConfig {
  /** The config file, or undefined for the embedded defaults. */
  file?: string;
  server: {
    host: string;
    port: number;
    publicUrl?: string;
    /** `server.origins`: web-site origins whose browsers may call the API and open streams (`*`: any). */
    allowedOrigins: string[];
    limits: Limits;
    /** `server.hostnames`: more names the server answers to (Host header) besides host, public_url, localhost and IP addresses; `*`: any. */
    hostnames?: string[];
    /** `server.trusted_proxies`: addresses and CIDR ranges of the reverse proxies whose X-Forwarded-For is believed. */
    trustedProxies?: string[];
  };
  /** `embedTokenMaxTtlMs`: the longest lifetime (exp − iat) of an embed token the server accepts (30 days when absent). */
  auth: AuthConfig;
  datasources: SourceConfig[];
  /** Module paths (resolved against the config file) or package names of extra plugins. */
  plugins: string[];
  dashboards: { dir: string; watch: boolean };
  /** `alerts.dir`: the folder of standalone alert files (alerts/*.yaml); a missing folder holds none. Absent in configs built in code. */
  alerts?: { dir: string };
  /** `notifiers`: the channels alerts are sent through, by name. */
  notifiers: Record<string, NotifierConfig>;
  /**
   * `cluster`: with `redis`, instances share alert state and the alert lease through it. `prefix` starts every
   * Redis key and channel (`rtdash`); `leaseTtlMs` is how long a lease lasts without renewal (10 s).
   */
  cluster: { redis?: string; prefix?: string; leaseTtlMs?: number };
  /** `record_max_mb` as bytes: the most the points of recorded widgets may take in memory (64 MiB when absent). */
  storage: { type: 'embedded' | 'redis'; dir: string; recordMaxBytes?: number };
  /** `cache`: the fixed-range result cache (core/range-cache.ts): its memory bound and its entries' life in Redis. */
  cache?: { rangeMaxBytes?: number; rangeTtlMs?: number };
  log: { level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' };
}

/** `auth:` as loaded (core/config/auth-config.ts). */
export interface AuthConfig {
  adminTokens: string[];
  embedSecret?: string;
  embedTokenMaxTtlMs?: number;
  /** Signs session cookies; without it, sessions use a secret made at start (they end when the server restarts). */
  sessionSecret?: string;
  /** How long a sign-in lasts (12 hours when not set). */
  sessionTtlMs?: number;
  /** Local users (`rtdash user add`), absolute. */
  usersFile?: string;
  /** Sign-in with OpenID Connect. */
  oidc?: { issuer: string; clientId: string; clientSecret?: string; scopes: string[]; groupsClaim: string; nameClaim: string; label?: string };
  /** The trusted proxy header: honoured only from `trusted` addresses. Header names in lower case. */
  proxy?: { header: string; groupsHeader?: string; trusted: string[] };
  /** The groups that make a signed-in user an admin or an editor (none when not set). */
  roles?: { admin: string[]; editor: string[] };
}
