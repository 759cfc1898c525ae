/**
 * Alerting as the server runs it: the engine with its store (alerts.json in the data folder, or Redis), its
 * outbox and notifiers, fed the rules of every loaded dashboard and of the alerts folder, re-fed whenever a
 * dashboard reloads, and publishing each dashboard's alerts to its viewers as they change.
 *
 * With `cluster.redis`, the instances take part in one lease (`<prefix>:alerts:leader`): the holder leads the
 * engine (writes the state, sends the notifications), the others follow until it dies or shuts down. With
 * `storage.type: redis` too, the state and the outbox are in Redis, where the next leader finds them.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { messageOf } from '../errors.js';
import type { Dashboard, ServerConfig } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Scheduler } from '../scheduler.js';
import { DEFAULT_CLUSTER, type AlertFolder, type DashboardContext } from '../config/index.js';
import { alertsMessage, type Outgoing } from '../stream/protocol.js';
import { DocumentAlertStore } from './alert-store.js';
import { AlertEngine } from './engine.js';
import { FileMedium } from './file-medium.js';
import { RedisLease } from './leader-lease.js';
import { redactedUrl } from '../redis-link.js';
import { RedisMedium } from './redis-medium.js';
import { RedisAcknowledgements } from './redis-acknowledgements.js';
import { RedisSilences } from './redis-silences.js';
import { createNotifiers, type NotifierDefinition } from './notifiers/index.js';
import type { Registry } from 'prom-client';
import { Outbox } from './outbox.js';
import { registerOutboxMetrics } from './outbox-metrics.js';
import { RedisOutbox } from './outbox-redis.js';
import type { AlertRule } from './rule.js';

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
  /** The alerts folder (`alerts.dir`), read again on every refresh; none for a config built in code without one. */
  alertFiles?: AlertFolder;
  logger: Logger;
  /** Sends a message to every viewer of a dashboard. */
  publish(dashboardId: string, message: Outgoing): void;
  /** Where the outbox's metrics go (the server's /metrics); none: not counted. */
  registry?: Registry;
  /** The notifier types, with those loaded from `plugins:`; the built-in ones when left out. */
  notifierTypes?: ReadonlyMap<string, NotifierDefinition>;
  /** This instance's id in the cluster (`rtdash cluster status`), so that the alert lease names the same instance. */
  instance?: string | undefined;
}

/** Starts the engine on the stored state; call `refresh()` once the dashboards are loaded. */
export async function startAlerting(deps: AlertingDeps): Promise<Alerting> {
  const { config, logger } = deps;
  const dir = config.storage.dir;
  const cluster = config.cluster.redis === undefined ? undefined : startCluster(config.cluster.redis, config, logger, deps.instance);
  // With storage.type redis the state and the outbox live at cluster.redis (the config loader checks that it is set),
  // so that the next leader finds what a dead one decided and had not yet delivered.
  const fence = cluster === undefined ? undefined : { key: cluster.lease.key, owner: cluster.lease.owner };
  const inRedis = config.storage.type === 'redis' && cluster !== undefined && fence !== undefined;
  const medium = inRedis ? new RedisMedium(cluster.url, `${cluster.prefix}:alerts`, fence) : new FileMedium(dir);
  if (cluster !== undefined && config.storage.type !== 'redis') {
    logger.warn({ storage: config.storage.type }, 'cluster.redis is set but storage.type is not redis: each instance keeps its own alert state, so an instance taking over the alert engine may notify again what another one already sent');
  }
  const store = new DocumentAlertStore(medium, logger);
  const outbox = new Outbox(inRedis ? new RedisOutbox(cluster.url, `${cluster.prefix}:outbox`, fence) : join(dir, 'outbox'), createNotifiers(config.notifiers, config.server.publicUrl === undefined ? {} : { publicUrl: config.server.publicUrl }, deps.notifierTypes), logger);
  if (inRedis) void warnOfOutboxFolder(join(dir, 'outbox'), logger);
  if (deps.registry !== undefined) registerOutboxMetrics(outbox, deps.registry);
  const engine = new AlertEngine({
    scheduler: deps.scheduler,
    store,
    outbox,
    logger,
    // Silences and acknowledgements are shared whatever the storage: one made through any instance must reach the leader.
    ...(cluster !== undefined && { lease: cluster.lease, silences: cluster.silences, acknowledgements: cluster.acknowledgements }),
  });
  try {
    await engine.start();
    if (cluster !== undefined) await cluster.begin(engine);
  } catch (err) {
    cluster?.close();
    if (medium instanceof RedisMedium) medium.close();
    outbox.medium.close?.();
    throw err;
  }
  // The rules of the alerts folder, as last loaded: those on a dashboard's widget are that dashboard's too.
  let standaloneRules: readonly AlertRule[] = [];
  const message = (dashboardId: string): Outgoing | undefined => {
    const own = deps.dashboards().find((d) => d.id === dashboardId)?.alerts.length ?? 0;
    const rules = own + standaloneRules.filter((r) => r.dashboard === dashboardId).length;
    const alerts = engine.alerts(dashboardId);
    if (rules === 0 && alerts.length === 0) return undefined;
    return alertsMessage(dashboardId, alerts);
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
    // The folder logs its own problems, once each, and keeps a broken file's last good rules.
    const standalone = deps.alertFiles === undefined ? { rules: [] } : await deps.alertFiles.load(dashboards);
    standaloneRules = standalone.rules;
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
      // The last state is written while the lease is still held, then the lease goes at once to another instance.
      await engine.close();
      await cluster?.lease.release();
      cluster?.close();
      if (medium instanceof RedisMedium) medium.close();
    },
  };
}

/** Says so when an outbox folder from before the outbox was kept in Redis still holds entries: they are not sent from there. */
async function warnOfOutboxFolder(folder: string, logger: Logger): Promise<void> {
  const left = (await readdir(folder).catch(() => [] as string[])).filter((name) => name.endsWith('.json'));
  if (left.length > 0) logger.warn({ folder, entries: left.length }, 'the outbox folder holds notifications stored before the outbox was kept in Redis; they are not sent');
}

/** This instance's part in a cluster: the alert lease, the shared silences and acknowledgements, and their Redis connections. */
interface ClusterPart {
  url: string;
  prefix: string;
  lease: RedisLease;
  silences: RedisSilences;
  acknowledgements: RedisAcknowledgements;
  /** Subscribes to silence and acknowledgement changes and starts taking part in the lease, leading `engine` while it holds it. */
  begin(engine: AlertEngine): Promise<void>;
  close(): void;
}

function startCluster(url: string, config: AlertingDeps['config'], logger: AlertingDeps['logger'], owner: string | undefined): ClusterPart {
  const prefix = config.cluster.prefix ?? DEFAULT_CLUSTER.prefix;
  const ttlMs = config.cluster.leaseTtlMs ?? DEFAULT_CLUSTER.leaseTtlMs;
  // Lease commands must answer within a renewal period, or the lease counts as unreachable and is retried.
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: Math.max(Math.floor(ttlMs / 3), 200), connectionName: 'rtdash:alerts' });
  // Subscriptions wait for Redis however long it is away (at boot too): they are made once it answers.
  const subscriber = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: null, connectionName: 'rtdash:alerts:events' });
  for (const r of [redis, subscriber]) r.on('error', () => undefined); // reported through the commands that fail
  const lease = new RedisLease(redis, { key: `${prefix}:alerts:leader`, ttlMs, logger, ...(owner !== undefined && { owner }) });
  const silences = new RedisSilences(redis, `${prefix}:silences`, logger);
  const acknowledgements = new RedisAcknowledgements(redis, `${prefix}:acknowledgements`, logger);
  let closed = false;
  return {
    url,
    prefix,
    lease,
    silences,
    acknowledgements,
    async begin(engine) {
      // Nothing here waits for Redis: unreachable at boot, the server still starts and serves its viewers, the
      // subscriptions are made (and the silences and acknowledgements read) once it answers, and the lease
      // keeps trying, so alerts wait for it.
      if (redis.status === 'wait') redis.connect().catch((err: unknown) => logger.warn({ err: messageOf(err), redis: redactedUrl(url) }, 'cluster.redis is unreachable; alerts wait for the lease, trying again'));
      const watching = [
        silences.watch(subscriber, () => {
          engine.silences.load(Date.now()).catch((err: unknown) => logger.warn({ err: messageOf(err) }, 'could not read the silences again'));
        }),
        acknowledgements.watch(subscriber, () => {
          engine.acknowledgements.load().catch((err: unknown) => logger.warn({ err: messageOf(err) }, 'could not read the acknowledgements again'));
        }),
      ];
      Promise.all(watching).catch((err: unknown) => closed || logger.warn({ err: messageOf(err) }, 'could not subscribe to silence and acknowledgement changes'));
      lease.on('acquired', () => {
        engine.lead().catch((err: unknown) => {
          // Without the saved state it cannot lead safely: let another instance (or this one, later) try.
          logger.error({ err: messageOf(err) }, 'could not load the saved alert state to take over the alert engine; letting the lease go');
          void lease.release().then(() => setTimeout(() => closed || lease.start(), Math.max(Math.floor(ttlMs / 3), 200)).unref());
        });
      });
      lease.on('lost', () => engine.follow());
      lease.start();
      logger.info({ lease: lease.key, owner: lease.owner, ttlMs }, 'taking part in the alert lease: the instance holding it sends the notifications');
    },
    close() {
      closed = true;
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
