/**
 * Helpers for the redis plugin's tests against a real server: an admin connection to the test database,
 * polling with a bound, and a logger that records. Tests that stop or reconfigure Redis do it to a private one
 * (test/support/private-redis.ts), never to the shared server.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../core/plugin.js';
import { fakePluginContext } from '../conformance.js';
import { SERVICES } from '../../test/support/services.js';
import { createRedisSource, type RedisSource, type RedisSourceOptions } from './index.js';

/** The logical database the tests use, away from anything else on the server. */
export const TEST_DB = 5;
/** Every key and channel the tests write starts with this: this run's own, so runs side by side keep apart. */
export const PREFIX = `rtdash:test:${process.pid}:`;
/** Options that reach the test server. */
export const TEST_OPTIONS: RedisSourceOptions = { host: SERVICES.redis.host, port: SERVICES.redis.port, db: TEST_DB };

/** A plain ioredis client on the test database (of the shared server, or of `server`), for seeding and inspecting. */
export function adminClient(server: { host: string; port: number } = SERVICES.redis): Redis {
  const client = new Redis({ host: server.host, port: server.port, db: TEST_DB, maxRetriesPerRequest: 1 });
  // Fault tests stop their private server on purpose; the admin connection reconnects by itself and need not complain.
  client.on('error', () => undefined);
  return client;
}

/** Deletes every test key of the test database. */
export async function cleanKeys(admin: Redis): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** A source named `name` on the test server (or with other options), with a logger of choice. */
export function testSource(name: string, options: RedisSourceOptions = {}, logger?: Logger): RedisSource {
  return createRedisSource(fakePluginContext({ ...TEST_OPTIONS, ...options }, { name, ...(logger === undefined ? {} : { logger }) }));
}

/**
 * Polls `check` until it returns something other than undefined or false, or fails after `timeoutMs`.
 * @example await waitFor('one subscriber', async () => (await numsub(admin, 'ch')) === 1);
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** One line a RecordingLogger received. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj: object;
}

/** A logger that keeps what it is told, for asserting how often something was logged. */
export function recordingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void =>
      void lines.push(typeof obj === 'string' ? { level, msg: obj, obj: {} } : { level, msg: msg ?? '', obj });
  const logger = { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

/** The server's clients with the given connection name, with their channel and pattern counts. */
export async function clientsNamed(admin: Redis, name: string): Promise<{ sub: number; psub: number }[]> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  return list
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((kv) => kv.split('=', 2) as [string, string])))
    .filter((c) => c['name'] === name)
    .map((c) => ({ sub: Number(c['sub']), psub: Number(c['psub']) }));
}

/** How many clients are subscribed to a channel. */
export async function numsub(admin: Redis, channel: string): Promise<number> {
  const reply = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}
