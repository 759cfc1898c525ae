/**
 * What identifies one run of a database server, to prove the test suite left a server alone: Redis's `run_id`,
 * its persistence settings and a sentinel key in each database the tests use; PostgreSQL's
 * `pg_postmaster_start_time()`; MariaDB's start time (now minus `Uptime`). A restart, a FLUSHALL/FLUSHDB or a
 * CONFIG SET of persistence changes it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { Client } from 'pg';

/** Where the servers to watch are; a server left out is not watched. */
export interface Watched {
  redis?: string;
  postgres?: string;
  mariadb?: string;
}

/** The identity of each watched server that answered; compare two with `differences`. */
export interface Fingerprint {
  redis?: { runId: string; config: Record<string, string>; sentinels: Record<string, boolean> };
  postgres?: { startedAt: string };
  /** Seconds since the epoch; derived from Uptime, so two readings of one run may differ by a second. */
  mariadb?: { startedAt: number };
}

/** The Redis settings whose change would hurt the server's own users (their data would stop being saved). */
const REDIS_SETTINGS = ['save', 'appendonly', 'dir', 'notify-keyspace-events'];
/** The logical databases the tests write to: 0 (cluster tests) and 5 (the redis plugin's tests). */
const REDIS_DBS = [0, 5];

/** A sentinel key per Redis database, written by `plantSentinels` and checked by every fingerprint. */
const SENTINEL = `rtdash-test:sentinel:${randomUUID()}`;

/** Writes this run's sentinel key into each database tests use (expiring in a day, in case nobody removes it). */
export async function plantSentinels(url: string): Promise<void> {
  await eachRedisDb(url, (redis) => redis.set(SENTINEL, '1', 'EX', 86_400));
}

/** Removes what `plantSentinels` wrote. */
export async function removeSentinels(url: string): Promise<void> {
  await eachRedisDb(url, (redis) => redis.del(SENTINEL));
}

async function eachRedisDb(url: string, act: (redis: Redis) => Promise<unknown>): Promise<void> {
  for (const db of REDIS_DBS) {
    // The database is chosen after connecting: a URL's own database number would win over an option.
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.select(db);
      await act(redis);
    } finally {
      redis.disconnect();
    }
  }
}

async function redisPrint(url: string): Promise<Fingerprint['redis']> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const runId = /^run_id:(\w+)/m.exec(await redis.info('server'))?.[1] ?? '';
    const config: Record<string, string> = {};
    for (const name of REDIS_SETTINGS) config[name] = ((await redis.config('GET', name)) as string[])[1] ?? '';
    const sentinels: Record<string, boolean> = {};
    for (const db of REDIS_DBS) {
      await redis.select(db);
      sentinels[`db ${db}`] = (await redis.exists(SENTINEL)) === 1;
    }
    return { runId, config, sentinels };
  } finally {
    redis.disconnect();
  }
}

async function postgresPrint(url: string): Promise<Fingerprint['postgres']> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ started: string }>('SELECT pg_postmaster_start_time()::text AS started');
    return { startedAt: rows[0]?.started ?? '' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function mariadbPrint(url: string): Promise<Fingerprint['mariadb']> {
  const conn = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
  conn.on('error', () => undefined);
  try {
    const [rows] = await conn.query("SELECT UNIX_TIMESTAMP() - VARIABLE_VALUE AS started FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'UPTIME'");
    return { startedAt: Number((rows as { started: number | string }[])[0]?.started) };
  } finally {
    conn.destroy();
  }
}

/** Reads the fingerprint of every watched server; one that does not answer is left out. */
export async function fingerprint(watched: Watched): Promise<Fingerprint> {
  const print: Fingerprint = {};
  const [redis, postgres, mariadb] = await Promise.all([
    watched.redis === undefined ? undefined : redisPrint(watched.redis).catch(() => undefined),
    watched.postgres === undefined ? undefined : postgresPrint(watched.postgres).catch(() => undefined),
    watched.mariadb === undefined ? undefined : mariadbPrint(watched.mariadb).catch(() => undefined),
  ]);
  if (redis !== undefined) print.redis = redis;
  if (postgres !== undefined) print.postgres = postgres;
  if (mariadb !== undefined) print.mariadb = mariadb;
  return print;
}

/**
 * What changed between two fingerprints of the same servers, one sentence each (none when nothing did). A
 * server that answered before and not after counts as changed: it was stopped.
 * @example differences(before, after) // ['Redis was restarted (run_id 3f… → 9a…)']
 */
export function differences(before: Fingerprint, after: Fingerprint): string[] {
  const found: string[] = [];
  if (before.redis !== undefined) {
    const now = after.redis;
    if (now === undefined) found.push('Redis no longer answers');
    else {
      if (now.runId !== before.redis.runId) found.push(`Redis was restarted (run_id ${before.redis.runId} → ${now.runId})`);
      for (const [name, value] of Object.entries(before.redis.config)) {
        if (now.config[name] !== value) found.push(`Redis's ${name} was changed from "${value}" to "${now.config[name]}"`);
      }
      for (const [db, there] of Object.entries(before.redis.sentinels)) {
        if (there && !now.sentinels[db]) found.push(`Redis ${db} was flushed (a key written at the start is gone)`);
      }
    }
  }
  if (before.postgres !== undefined) {
    if (after.postgres === undefined) found.push('PostgreSQL no longer answers');
    else if (after.postgres.startedAt !== before.postgres.startedAt) found.push(`PostgreSQL was restarted (started at ${before.postgres.startedAt}, now at ${after.postgres.startedAt})`);
  }
  if (before.mariadb !== undefined) {
    if (after.mariadb === undefined) found.push('MariaDB no longer answers');
    // Uptime has whole seconds, read at two moments: the same run can look a second or two apart.
    else if (Math.abs(after.mariadb.startedAt - before.mariadb.startedAt) > 2) {
      found.push(`MariaDB was restarted (started at ${new Date(before.mariadb.startedAt * 1000).toISOString()}, now at ${new Date(after.mariadb.startedAt * 1000).toISOString()})`);
    }
  }
  return found;
}
