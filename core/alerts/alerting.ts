/**
 * Alerting as the server runs it: the engine with its store (alerts.json in the data folder), its outbox and
 * notifiers, fed the rules of every loaded dashboard and of the alerts folder, re-fed whenever a dashboard
 * reloads, and publishing each dashboard's alerts to its viewers as they change.
 */
import { join } from 'node:path';
import { messageOf } from '../errors.js';
import type { Dashboard, ServerConfig } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Scheduler } from '../scheduler.js';
import { formatProblem, loadAlertDir, type DashboardContext } from '../config/index.js';
import { Outgoing } from '../stream/protocol.js';
import { DocumentAlertStore, FileMedium } from './alert-store.js';
import { RedisMedium } from './redis-medium.js';
import { AlertEngine } from './engine.js';
import { createNotifiers } from './notifiers/index.js';
import { Outbox } from './outbox.js';

/** What the server holds of alerting. */
export interface Alerting {
  engine: AlertEngine;
  /** The `alerts` stream message of a dashboard: its current alerts; none for a dashboard without rules. */
  message(dashboardId: string): Outgoing | undefined;
  /** Loads the rules again from the dashboards now loaded and the alerts folder (after a reload). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/** What alerting needs from the server. */
export interface AlertingDeps {
  config: ServerConfig;
  scheduler: Scheduler;
  dashboards: () => Dashboard[];
  context: DashboardContext;
  logger: Logger;
  /** Sends a message to every viewer of a dashboard. */
  publish(dashboardId: string, message: Outgoing): void;
}

/** Starts the engine on the stored state; call `refresh()` once the dashboards are loaded. */
export async function startAlerting(deps: AlertingDeps): Promise<Alerting> {
  const { config, logger } = deps;
  const dir = config.storage.dir;
  // With storage.type redis the state lives at cluster.redis (the config loader checks that it is set).
  const medium = config.storage.type === 'redis' && config.cluster.redis !== undefined ? new RedisMedium(config.cluster.redis) : new FileMedium(dir);
  const store = new DocumentAlertStore(medium, logger);
  const outbox = new Outbox(join(dir, 'outbox'), createNotifiers(config.notifiers), logger);
  const engine = new AlertEngine({ scheduler: deps.scheduler, store, outbox, logger });
  await engine.start();
  const message = (dashboardId: string): Outgoing | undefined => {
    const rules = deps.dashboards().find((d) => d.id === dashboardId)?.alerts.length ?? 0;
    const alerts = engine.alerts(dashboardId);
    if (rules === 0 && alerts.length === 0) return undefined;
    return new Outgoing(JSON.stringify({ type: 'alerts', dashboard: dashboardId, alerts }));
  };
  // A dashboard's rules may all change within one job delivery: its viewers get one message per turn of the loop.
  const changed = new Set<string>();
  engine.on('change', (dashboard) => {
    if (dashboard === undefined) return;
    if (changed.size === 0) {
      setImmediate(() => {
        for (const id of changed) {
          const update = message(id);
          if (update !== undefined) deps.publish(id, update);
        }
        changed.clear();
      });
    }
    changed.add(dashboard);
  });
  let refreshing: Promise<void> = Promise.resolve();
  const refresh = async (): Promise<void> => {
    const dashboards = deps.dashboards();
    const standalone = config.alerts === undefined ? { rules: [], problems: [] } : await loadAlertDir(config.alerts.dir, dashboards, deps.context);
    for (const p of standalone.problems) logger.error({ file: p.file }, formatProblem(p));
    const rules = [...dashboards.flatMap((d) => d.alerts), ...standalone.rules];
    engine.setRules(rules, new Map(dashboards.map((d) => [d.id, d])));
    logger.debug({ rules: rules.length }, 'alert rules loaded');
  };
  return {
    engine,
    message,
    // Reloads may come in bursts (a folder of files saved at once): they run one after another.
    refresh: () => (refreshing = refreshing.then(refresh).catch((err) => logger.error({ err: messageOf(err) }, 'alert rules could not be loaded'))),
    close: async () => {
      await engine.close();
      if (medium instanceof RedisMedium) medium.close();
    },
  };
}
