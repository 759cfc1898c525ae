/**
 * mysql2's pool with what a dashboard source needs around it: a bounded queue that refuses at once, waits
 * that end with the caller's signal, an idle reaper, per-connection session settings, and the killing of a
 * query the caller gave up on (KILL QUERY from a separate connection, then the connection is dropped).
 */
import mysql, { type Pool, type PoolConnection } from 'mysql2';
import type { Logger } from '../../core/plugin.js';
import { connectionWaitError } from '../../core/connection-wait.js';
import type { MysqlSettings } from './options.js';

/** Thrown when every connection is busy and the queue is full. */
export class PoolBusyError extends Error {
  override readonly name = 'PoolBusyError';
}

/** What becomes of a connection after a query: back to the pool, dropped, or dropped after killing its query. */
export type Fate = 'release' | 'destroy' | 'kill';

/** How busy the pool is right now. */
export interface PoolStats {
  /** Connections handed out to queries. */
  busy: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** The most connections open at once (`pool_size`). */
  size: number;
}

const REAP_EVERY_MS = 1000;
const CLOSE_GRACE_MS = 2000;

/** One source's connections. All failures are thrown as mysql2 errors or PoolBusyError, unprefixed. */
export class BoundedPool {
  readonly #settings: MysqlSettings;
  readonly #logger: Logger;
  readonly #pool: Pool;
  /** Connections idle in the pool and since when: the reaper's view, fed by the pool's events. */
  readonly #idleSince = new Map<PoolConnection, number>();
  /** The sql_select_limit each connection's session has, so it is set only when it changes. */
  readonly #selectLimit = new WeakMap<PoolConnection, number>();
  /** Connections that ran a query before, and connections the server or the network closed. */
  readonly #reused = new WeakSet<PoolConnection>();
  readonly #ended = new WeakSet<PoolConnection>();
  readonly #kills = new Set<Promise<void>>();
  readonly #reaper: NodeJS.Timeout;
  #busy = 0;
  #waiting = 0;
  #closed: Promise<void> | undefined;

  constructor(settings: MysqlSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
    this.#pool = mysql.createPool({
      ...settings.connection,
      connectionLimit: settings.poolSize,
      // mysql2's idle reaper also closes every connection beyond maxIdle within a second; #reap does it instead.
      maxIdle: settings.poolSize,
      // Unlimited in mysql2: acquire() counts waiting queries itself, so that queue_limit 0 can mean "never wait".
      queueLimit: 0,
      waitForConnections: true,
    });
    this.#pool.on('connection', (conn: PoolConnection) => {
      // mysql2's pool listens for a connection's first error only; a second one (a dead socket written to)
      // would be an unhandled 'error' event and end the process.
      conn.on('error', (err: Error) => {
        this.#ended.add(conn);
        this.#logger.debug({ err: err.message, thread: conn.threadId }, 'connection closed');
      });
      conn.on('end', () => {
        this.#ended.add(conn);
        this.#idleSince.delete(conn);
      });
    });
    this.#pool.on('release', (conn: PoolConnection) => this.#idleSince.set(conn, Date.now()));
    this.#pool.on('acquire', (conn: PoolConnection) => this.#idleSince.delete(conn));
    this.#reaper = setInterval(() => this.#reap(), Math.min(REAP_EVERY_MS, settings.idleTimeoutMs)).unref();
  }

  /** Connections in use and queries waiting. */
  stats(): PoolStats {
    return { busy: this.#busy, waiting: this.#waiting, size: this.#settings.poolSize };
  }

  /**
   * A connection for one query, with its session set up. Refuses at once when `queue_limit` queries already
   * wait; rejects with the signal's reason when the caller gives up waiting.
   */
  async acquire(signal: AbortSignal, maxRows: number): Promise<PoolConnection> {
    if (this.#closed) throw new Error('the source is closed');
    const { poolSize, queueLimit } = this.#settings;
    if (this.#busy + this.#waiting >= poolSize + queueLimit) {
      const all = poolSize === 1 ? 'the only connection is' : `all ${poolSize} connections are`;
      const waiting = this.#waiting === 1 ? '1 query waits' : `${this.#waiting} queries wait`;
      throw new PoolBusyError(
        `${all} busy and ${waiting} (queue_limit ${queueLimit}); refused at once. Raise pool_size or queue_limit, or make the queries faster`,
      );
    }
    let conn = await this.#getConnection(signal);
    while (this.#reused.has(conn)) {
      // Let pending I/O run first: a connection the server closed while it sat idle (a restart, a KILL) then
      // shows its end here, and is swapped for another instead of failing the query sent on it.
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.#ended.has(conn)) break;
      this.finish(conn, 'destroy');
      conn = await this.#getConnection(signal);
    }
    try {
      await this.#prepareSession(conn, maxRows + 1);
    } catch (err) {
      this.finish(conn, 'destroy');
      throw err;
    }
    return conn;
  }

  /** Hands a connection back (or drops it, killing its query first) once its query is over. Call once per acquire. */
  finish(conn: PoolConnection, fate: Fate): void {
    this.#busy--;
    if (fate === 'release') {
      this.#reused.add(conn);
      conn.release();
      return;
    }
    const threadId = conn.threadId;
    conn.destroy();
    if (fate === 'kill') this.#killQuery(threadId);
  }

  /** Waits for the kills already sent, then closes every connection (queries still running are the caller's to cancel first). Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      clearInterval(this.#reaper);
      await Promise.allSettled([...this.#kills]);
      // A connection ends by a QUIT the server acknowledges; an unreachable server must not hold up a shutdown.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) =>
          this.#pool.end((err) => {
            if (err) this.#logger.debug({ err: err.message }, 'closing the pool');
            resolve();
          }),
        ),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS).unref())),
      ]);
      clearTimeout(timer);
    })();
    return this.#closed;
  }

  #getConnection(signal: AbortSignal): Promise<PoolConnection> {
    // Every connection taken (in use or promised to a query ahead) as it starts waiting: a time-out is then a
    // wait for the pool, not for a server to answer.
    const full = this.#busy + this.#waiting >= this.#settings.poolSize;
    this.#waiting++;
    return new Promise((resolve, reject) => {
      let gaveUp = false;
      const onAbort = () => {
        gaveUp = true;
        reject(connectionWaitError(signal.reason, this.#settings.poolSize, full));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // mysql2 cannot take a request back out of its queue; the caller stops waiting, and the connection is
      // returned as soon as the pool hands it over. Until then it still counts as waiting: the pool is that busy.
      this.#pool.getConnection((err, conn) => {
        signal.removeEventListener('abort', onAbort);
        this.#waiting--;
        if (err) {
          if (!gaveUp) reject(err);
          return;
        }
        if (gaveUp) {
          conn.release();
          return;
        }
        this.#busy++;
        resolve(conn);
      });
    });
  }

  /**
   * The session's time_zone makes TIMESTAMP values arrive in the zone DATETIME values are read in, and
   * sql_select_limit lets the server stop at one row past the cap instead of sending the whole result.
   * Both are this source's own numbers, sent as values with mysql2's escaping (SET cannot be prepared with them).
   */
  #prepareSession(conn: PoolConnection, selectLimit: number): Promise<void> {
    if (this.#selectLimit.get(conn) === selectLimit) return Promise.resolve();
    return new Promise((resolve, reject) => {
      conn.query('SET time_zone = ?, sql_select_limit = ?', [this.#settings.sessionTimeZone, selectLimit], (err) => {
        if (err) return reject(err);
        this.#selectLimit.set(conn, selectLimit);
        resolve();
      });
    });
  }

  /** KILL QUERY on a connection of its own: the pool may be full, and the query's own connection is busy. */
  #killQuery(threadId: number): void {
    const kill = new Promise<void>((resolve) => {
      const side = mysql.createConnection(this.#settings.connection);
      side.on('error', () => undefined); // reported through the query callback below
      side.query('KILL QUERY ?', [threadId], (err) => {
        // 1094 "Unknown thread id": the query ended (or its connection closed) before the kill came.
        if (err && err.errno !== 1094) this.#logger.warn({ err: err.message, thread: threadId }, 'could not kill a cancelled query');
        side.destroy();
        resolve();
      });
    });
    this.#kills.add(kill);
    void kill.finally(() => this.#kills.delete(kill));
  }

  #reap(): void {
    const now = Date.now();
    for (const [conn, since] of this.#idleSince) {
      if (now - since < this.#settings.idleTimeoutMs) continue;
      this.#idleSince.delete(conn);
      conn.destroy();
    }
  }
}
