/**
 * The `redis` data source (ioredis): read-only commands from an allowlist turned into frames, push through
 * pub/sub and keyspace notifications, and a connection that fails fast during an outage and heals by itself.
 * See README.md for the query format, each command's frame, and the outage behaviour.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { definePlugin, type DataSource, type Health, type JsonSchema, type PluginContext } from '../../core/plugin.js';
import { runQuery, type Exec } from './commands.js';
import { RedisConnection } from './connection.js';
import { checkKeyspaceEvents } from './keyspace.js';
import { resolveOptions, type RedisSourceOptions } from './options.js';
import { QueryArgs, type RedisQuery } from './query.js';
import { resolveListen, Subscriber } from './subscriber.js';

export { READ_COMMANDS, type ReadCommand, type RedisQuery, type TextArg, type IntArg, type TsAggregation } from './query.js';
export type { RedisSourceOptions } from './options.js';
export type { RedisListen } from './subscriber.js';

/** How long health() waits for PING. */
export const HEALTH_TIMEOUT_MS = 2000;

/** A redis data source: every capability of the contract, `close` and `subscribe` included. */
export type RedisSource = DataSource<RedisQuery> & Required<Pick<DataSource<RedisQuery>, 'close' | 'subscribe'>>;

/**
 * Builds one redis source. It never throws for an unreachable server: it connects in the background, and
 * query/health say why they cannot answer until it is reachable.
 * @example const source = createRedisSource(fakePluginContext({ url: 'redis://127.0.0.1:6379/5' }));
 */
export function createRedisSource(ctx: PluginContext<RedisSourceOptions>): RedisSource {
  const resolved = resolveOptions(ctx.name, ctx.options ?? {});
  const label = `redis source "${ctx.name}"`;
  const { logger } = ctx;
  const connection = (role: 'commands' | 'subscriber', connectionName: string): RedisConnection =>
    new RedisConnection({ label, role, logger, address: resolved.address, connectTimeoutMs: resolved.connectTimeoutMs, options: { ...resolved.ioredis, connectionName } });
  const baseName = resolved.ioredis.connectionName ?? 'rtdash';
  const commands = connection('commands', baseName);
  commands.start();
  // Internal commands (keyspace setup) are not tied to a query; they end with the source.
  const lifetime = new AbortController();
  const internal: Exec = (command, args) => commands.call(lifetime.signal, command, command, args);
  let subscriber: Subscriber | undefined;
  let timeSeries: Promise<boolean> | undefined;
  let keyspaceChecked = false;
  let closed = false;

  const checkKeyspace = (): void => {
    if (keyspaceChecked || !commands.ready) return;
    keyspaceChecked = true;
    void checkKeyspaceEvents(internal, resolved.enableKeyspaceEvents, logger);
  };
  // A restarted server forgets modules and CONFIG SETs: ask again on every reconnection.
  const recheck = (): void => {
    timeSeries = undefined;
    keyspaceChecked = false;
    if (subscriber?.wantsKeyspace) checkKeyspace();
  };
  commands.onReady(recheck);

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    lifetime.abort();
    await Promise.all([commands.close(), subscriber?.close()]);
  };
  ctx.signal.addEventListener('abort', () => void close(), { once: true });

  return {
    async query(query, qctx) {
      qctx.signal.throwIfAborted();
      try {
        if (closed) throw new Error(`${label} is closed`);
        const args = new QueryArgs(query, qctx.variables, resolved.keyPrefix);
        await commands.whenReady(qctx.signal);
        const exec: Exec = (command, list) => commands.call(qctx.signal, args.command, command, list);
        const hasTimeSeries = (): Promise<boolean> => {
          // COMMAND INFO answers [null] for a command the server does not know; asked once per connection.
          timeSeries ??= exec('COMMAND', ['INFO', 'TS.RANGE']).then((reply) => Array.isArray(reply) && Array.isArray(reply[0]));
          timeSeries.catch(() => (timeSeries = undefined));
          return timeSeries;
        };
        return await runQuery(args, qctx, { exec, hasTimeSeries });
      } catch (err) {
        if (qctx.signal.aborted) throw qctx.signal.reason;
        const message = err instanceof Error ? err.message : String(err);
        throw message.startsWith(label) ? err : new Error(`${label}: ${message}`, { cause: err });
      }
    },

    async health(signal): Promise<Health> {
      if (closed) return { status: 'down', message: `${label} is closed` };
      const timeout = AbortSignal.timeout(HEALTH_TIMEOUT_MS);
      const both = AbortSignal.any([signal, timeout]);
      const started = performance.now();
      try {
        await commands.whenReady(both);
        await commands.call(both, 'PING', 'PING', []);
      } catch (err) {
        const late = commands.ready ? `${label}: PING got no answer within ${HEALTH_TIMEOUT_MS} ms` : `${label} is still connecting after ${HEALTH_TIMEOUT_MS} ms`;
        const message = timeout.aborted ? late : err instanceof Error ? err.message : String(err);
        return { status: 'down', message };
      }
      const latencyMs = performance.now() - started;
      const pushDown = subscriber?.down;
      if (pushDown !== undefined) return { status: 'degraded', message: `commands work, but push is interrupted: ${pushDown}`, latencyMs };
      return { status: 'ok', latencyMs };
    },

    close,

    subscribe(listen, onChange, { variables }) {
      if (closed) throw new Error(`${label} is closed`);
      const target = resolveListen(listen, variables, resolved.keyPrefix, resolved.db);
      if (subscriber === undefined) {
        const conn = connection('subscriber', `${baseName}:sub`);
        subscriber = new Subscriber(conn, logger);
        conn.onReady((again) => {
          if (again) recheck();
        });
      }
      if (target.keyspace) checkKeyspace();
      return subscriber.add(target, onChange);
    },
  };
}

/** The `redis` plugin definition. */
export default definePlugin<RedisSourceOptions, RedisQuery>({
  type: 'redis',
  description: 'Redis, read-only: keys, hashes, lists, sorted sets, streams, INFO and RedisTimeSeries, with push through pub/sub and keyspace notifications.',
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  listenSchema: schema('listen.schema.json'),
  checkOptions: (options, name) => void resolveOptions(name, options),
  create: createRedisSource,
});

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'redis', file), 'utf8')) as JsonSchema;
}
