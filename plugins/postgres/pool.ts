/**
 * The query connections of one source: a node-postgres pool that survives connections dropped under it, and a
 * query run that an AbortSignal cancels on the server too, not only in the process.
 */
import { Client, DatabaseError, Pool, type FieldDef, type PoolClient, type PoolConfig, type QueryArrayConfig } from 'pg';
import type { Logger } from '../../core/plugin.js';
import { connectionWaitError, connectionWaitTimeout } from '../../core/connection-wait.js';
import { clientConfig } from './options.js';
import { RAW_TEXT, type RawRow } from './type-mapping.js';

/** A result as the server sent it: column descriptions and text rows. */
export interface RawResult {
  columns: FieldDef[];
  rows: RawRow[];
}

/** How long a cancelled query may take to stop before its connection is closed anyway. */
export const CANCEL_GRACE_MS = 2000;

/**
 * A pool of query connections. Connections open lazily, so building one never fails on an unreachable server;
 * the first query reports that instead.
 */
export class QueryPool {
  readonly #pool: Pool;
  readonly #config: PoolConfig;
  readonly #logger: Logger;
  readonly #label: string;
  /** Connections that have answered before: losing one of those is worth one retry on a fresh connection. */
  readonly #seasoned = new WeakSet<PoolClient>();
  #active = 0;
  /** Connections asked of pg-pool and not handed over yet. */
  #acquiring = 0;

  /** `label` prefixes log lines, e.g. `postgres "shopdb"`. */
  constructor(config: PoolConfig, logger: Logger, label: string) {
    this.#config = config;
    this.#logger = logger;
    this.#label = label;
    this.#pool = new Pool({ ...config, types: RAW_TEXT });
    // Without these listeners an idle connection killed by the server (restart, pg_terminate_backend, a
    // failover) emits an unhandled 'error' and takes the whole process down. The pool drops it by itself.
    this.#pool.on('error', (err) => logger.warn({ err: describeError(err) }, `${label}: an idle connection was lost; it will be replaced`));
    this.#pool.on('connect', (client) => client.on('error', (err) => logger.debug({ err: describeError(err) }, `${label}: connection error`)));
  }

  /** Most connections the pool opens. */
  get size(): number {
    return this.#config.max ?? 10;
  }

  /** Connections currently running a query. */
  get active(): number {
    return this.#active;
  }

  /**
   * Runs one statement (extended protocol, so exactly one) with text parameters. On abort it rejects with the
   * signal's reason at once and cancels the statement on the server. A connection found dead is retried once.
   */
  async run(text: string, values: readonly unknown[], signal: AbortSignal): Promise<RawResult> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.#acquire(signal);
      const reused = this.#seasoned.has(client);
      try {
        return await this.#execute(client, text, values, signal);
      } catch (err) {
        // A pooled connection whose socket died (a restart or failover the pool had not noticed yet): try once
        // more on a fresh one, within the same signal. The statement is read-only, so running it again is safe.
        // A server error, even a fatal one (a DBA's pg_terminate_backend), is reported as it is.
        if (attempt === 1 && reused && !signal.aborted && !(err instanceof DatabaseError)) {
          this.#logger.debug({ err: describeError(err) }, `${this.#label}: a pooled connection had died; retrying on a new one`);
          continue;
        }
        throw err;
      }
    }
  }

  /** Closes every connection; waits for running queries to be released (cancelled ones are, within the grace time). */
  async end(): Promise<void> {
    await this.#pool.end();
  }

  #acquire(signal: AbortSignal): Promise<PoolClient> {
    signal.throwIfAborted();
    // pg-pool cannot withdraw a waiting request, so a caller that gives up leaves it behind; it releases the
    // connection as soon as it arrives.
    // Every connection taken (running a query, or promised to a query ahead) as it starts waiting: a time-out is
    // then a wait for the pool, not for a server to answer.
    const full = this.#active + this.#acquiring >= this.size;
    this.#acquiring++;
    const pending = this.#pool.connect();
    void pending.then(
      () => this.#acquiring--,
      () => this.#acquiring--,
    );
    return new Promise<PoolClient>((resolve, reject) => {
      const onAbort = (): void => reject(connectionWaitError(signal.reason, this.size, full));
      signal.addEventListener('abort', onAbort, { once: true });
      pending.then(
        (client) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) client.release();
          else resolve(client);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          // pg-pool's connect_timeout also ends a wait in its queue: with every connection busy, that is what it was.
          const waited = this.#active >= this.size && err instanceof Error && err.message === 'timeout exceeded when trying to connect';
          reject(waited ? connectionWaitTimeout(`${this.#config.connectionTimeoutMillis} ms (connect_timeout)`, this.size, err) : err);
        },
      );
    });
  }

  async #execute(client: PoolClient, text: string, values: readonly unknown[], signal: AbortSignal): Promise<RawResult> {
    this.#active++;
    let state: 'running' | 'done' | 'cancelled' = 'running';
    const finish = (err?: Error): void => {
      if (state !== 'running') return;
      state = 'done';
      this.#active--;
      client.release(err);
    };
    // queryMode 'extended' even without parameters: the server then refuses a second statement in the text.
    const config: QueryArrayConfig<unknown[]> & { queryMode: 'extended' } = { text, values: [...values], rowMode: 'array', types: RAW_TEXT, queryMode: 'extended' };
    const running = client.query<RawRow, unknown[]>(config);
    running.catch(() => undefined); // after an abort nobody awaits it; its rejection must not reach the process
    let rejectAbortion: (reason: unknown) => void = () => undefined;
    const abortion = new Promise<never>((_, reject) => (rejectAbortion = reject));
    const onAbort = (): void => {
      rejectAbortion(signal.reason);
      if (state !== 'running') return;
      state = 'cancelled';
      const done = (): void => void this.#active--;
      this.#cancel(client, running).then(done, (err: unknown) => {
        done();
        this.#logger.warn({ err: describeError(err) }, `${this.#label}: cancelling a query failed`);
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    try {
      const result = await Promise.race([running, abortion]);
      this.#seasoned.add(client);
      finish();
      return { columns: result.fields, rows: result.rows };
    } catch (err) {
      // A statement error leaves the connection usable; anything else (lost, protocol trouble) retires it.
      finish(keepsConnection(err) ? undefined : asError(err));
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Cancels the statement on its backend, waits (boundedly) for it to stop, then closes the connection rather
   * than reusing it: a cancel request that arrives late would otherwise hit the next query on that connection.
   */
  async #cancel(client: PoolClient, running: Promise<unknown>): Promise<void> {
    try {
      const pid = backendPid(client);
      if (pid === undefined) this.#logger.warn({}, `${this.#label}: cannot cancel a query on the server (no backend pid); closing its connection`);
      else await this.#cancelBackend(pid);
      await settledWithin(running, CANCEL_GRACE_MS);
    } finally {
      client.release(new Error('query cancelled'));
    }
  }

  // pg_cancel_backend over a connection of its own: the pool may be full, and that is often why a query timed out.
  async #cancelBackend(pid: number): Promise<void> {
    const canceller = new Client(clientConfig(this.#config));
    canceller.on('error', () => undefined); // failures surface through connect() and query() below
    try {
      await canceller.connect();
      await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch (err) {
      this.#logger.warn({ err: describeError(err), pid }, `${this.#label}: could not cancel a query on the server`);
    } finally {
      await settledWithin(canceller.end(), CANCEL_GRACE_MS);
    }
  }
}

/**
 * The message to show for a driver or server error: the server's own text (with its hint, when it has one), or
 * the messages inside an AggregateError, which Node gives with an empty message when every address of a host failed.
 */
export function describeError(err: unknown): string {
  if (err instanceof AggregateError && err.message === '') return err.errors.map(describeError).join('; ');
  if (err instanceof DatabaseError && err.hint !== undefined) return `${err.message} (hint: ${err.hint})`;
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

/** Whether the connection is still good after this error: a statement's own failure, not a lost or shut-down connection. */
function keepsConnection(err: unknown): boolean {
  // SQLSTATE 08… is a connection exception, 57P… an operator intervention (shutdown, terminated backend).
  return err instanceof DatabaseError && err.code !== undefined && !err.code.startsWith('08') && !err.code.startsWith('57P');
}

/** The server process id of a connection. Read from the driver's client, which has it from the start-up handshake but does not type it. */
function backendPid(client: PoolClient): number | undefined {
  const pid = (client as unknown as { processID?: unknown }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Waits for a promise to settle, but no longer than `ms`; never rejects. */
function settledWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
