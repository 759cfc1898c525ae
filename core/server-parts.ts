/** The parts of a running server that the HTTP routes and transports use. */
import type { AlertEngine } from './alerts/engine.js';
import type { Cluster } from './cluster/cluster.js';
import type { DashboardStore, ReloadResult } from './dashboard-store.js';
import type { EmbedAccess } from './embed-access.js';
import type { Authenticator } from './auth/authenticator.js';
import type { Metrics } from './metrics.js';
import type { ServerConfig } from './model.js';
import type { Logger } from './plugin.js';
import type { SourceInstance, PluginRegistry } from './registry.js';
import type { Scheduler } from './scheduler.js';
import type { QueryVariableOptions } from './query-variables.js';
import type { ConnectionGate } from './stream/connection-gate.js';
import type { Hub } from './stream/hub.js';

/** Everything a route handler may reach. */
export interface ServerParts {
  config: ServerConfig;
  version: string;
  logger: Logger;
  metrics: Metrics;
  sources: Map<string, SourceInstance>;
  /** The data-source plugins and notifier types, built-in and loaded: the editor's config schema composes their options. */
  registry: PluginRegistry;
  scheduler: Scheduler;
  /** The options of query variables, read on their intervals. */
  variableOptions: QueryVariableOptions;
  store: DashboardStore;
  hub: Hub;
  gate: ConnectionGate;
  /** The embed-token rules: who may watch which dashboard. */
  access: EmbedAccess;
  /** Who signed in behind a request: sessions, local users, the trusted proxy header. */
  auth: Authenticator;
  /** The alert rules running, their alerts, silences and history. */
  alerts: AlertEngine;
  /** This instance's part in a cluster (`cluster.redis`), if any. */
  cluster?: Cluster | undefined;
  /** True once dashboards are loaded and until shutdown begins. */
  ready(): boolean;
  /** Reads the dashboards and the alerts folder again (`POST /api/reload`): ids and alert files that changed, and every problem. */
  reload(): Promise<ReloadResult>;
}
