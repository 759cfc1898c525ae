/**
 * One `postgres` data source: named parameters bound, the row cap pushed into the SQL, results typed by column,
 * errors prefixed with the source's name, health, push through LISTEN, and a close that cancels what still runs.
 */
import { DatabaseError, type PoolConfig } from 'pg';
import type { DataSource, Frame, Health, PluginContext, QueryContext } from '../../core/plugin.js';
import { bindNamed, parameters, postgresPlaceholders } from '../sql-params.js';
import { Listener } from './listen.js';
import { clientConfig, type PostgresOptions } from './options.js';
import { QueryPool, describeError } from './pool.js';
import { toFrame } from './type-mapping.js';

/** The longest a health check waits for `SELECT 1`. */
export const HEALTH_TIMEOUT_MS = 2000;

/** A `postgres` source, with a way for tests to look at its push connection. */
export interface PostgresSource extends DataSource<string> {
  /** Whether the LISTEN connection is up (false before the first subscription and after close). */
  readonly listening: boolean;
  close(): Promise<void>;
}

/**
 * Wraps a statement so the server stops after `maxRows + 1` rows: one more than the cap tells that there were more.
 * A LIMIT outside the query, rather than a cursor, because it costs one round trip and no transaction, and the
 * planner sees it (a top-N sort, an index scan that stops early). The price: the statement must be one that can
 * sit in FROM (SELECT, WITH … SELECT, VALUES, TABLE), which also keeps data-modifying statements out.
 * @example limitRows('SELECT * FROM orders;', 100) // 'SELECT * FROM (\nSELECT * FROM orders\n) AS rtdash_rows LIMIT 101'
 */
export function limitRows(sql: string, maxRows: number): string {
  const limit = Number.isFinite(maxRows) ? ` LIMIT ${Math.max(0, Math.floor(maxRows)) + 1}` : '';
  // The newlines keep a trailing -- comment from swallowing the closing parenthesis.
  return `SELECT * FROM (\n${statementBody(sql)}\n) AS rtdash_rows${limit}`;
}

/** The statement without trailing semicolons and blanks, which would end it inside the parentheses of limitRows. */
export function statementBody(sql: string): string {
  return sql.replace(/[\s;]+$/, '');
}

/** Builds the source. Opens nothing yet: an unreachable server shows in the first query and in health(). */
export function createPostgresSource(ctx: PluginContext<PostgresOptions>, config: PoolConfig): PostgresSource {
  const label = `postgres "${ctx.name}"`;
  const pool = new QueryPool(config, ctx.logger, label);
  const listener = new Listener(clientConfig(config), ctx.logger, label);
  // Aborted by close() or by the core's signal: every query in flight is then cancelled on the server.
  const closing = new AbortController();
  let closed: Promise<void> | undefined;
  const prefixed = (err: unknown): Error => new Error(`${label}: ${describeError(err)}`, { cause: err });

  const run = async (sql: string, values: readonly unknown[], maxRows: number, signal: AbortSignal): Promise<Frame> => {
    if (closing.signal.aborted) throw new Error(`${label} is closed`);
    const { signal: both, unlink } = linkSignals(signal, closing.signal);
    try {
      const { columns, rows } = await pool.run(limitRows(sql, maxRows), values, both);
      return toFrame(columns, rows, maxRows);
    } catch (err) {
      // The abort reason (the core's time-out or shutdown error) stays as it is: it already names the source.
      if (both.aborted && err === both.reason) throw err;
      const cause = isSyntaxError(err) ? await syntaxProblem(sql, values, both) : err;
      if (both.aborted && cause === both.reason) throw cause;
      throw prefixed(cause);
    } finally {
      unlink();
    }
  };

  // A syntax error in the wrapped statement points at the wrapping ("at or near "1"" for a mistyped SELECT).
  // EXPLAIN of the statement as written (planned, never run) gives the server's message about the user's own text.
  const syntaxProblem = async (sql: string, values: readonly unknown[], signal: AbortSignal): Promise<unknown> => {
    try {
      await pool.run(`EXPLAIN ${statementBody(sql)}`, values, signal);
    } catch (err) {
      return err;
    }
    return new Error('a query must be one statement that returns rows: SELECT, WITH … SELECT, VALUES or TABLE');
  };

  const source: PostgresSource = {
    get listening() {
      return listener.connected;
    },

    async query(query: string, qctx: QueryContext): Promise<Frame> {
      qctx.signal.throwIfAborted();
      if (typeof query !== 'string' || query.trim() === '') throw new Error(`${label}: the query must be SQL text`);
      const bound = attempt(() => bindNamed(query, parameters(qctx), postgresPlaceholders), prefixed);
      return run(bound.text, bound.values, qctx.maxRows, qctx.signal);
    },

    async health(signal: AbortSignal): Promise<Health> {
      if (closing.signal.aborted) return { status: 'down', message: `${label} is closed` };
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new Error(`no answer to SELECT 1 within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
      const { signal: both, unlink } = linkSignals(signal, timeout.signal);
      try {
        await run('SELECT 1', [], 1, both);
        return { status: 'ok' };
      } catch (err) {
        // Every connection busy with a query means slow, not gone: the server answers, just not this check
        // (whether our time limit or the pool's connect_timeout ran out first).
        if (!signal.aborted && pool.active >= pool.size) {
          return { status: 'degraded', message: `${label}: all ${pool.size} connections are busy with queries` };
        }
        return { status: 'down', message: err === timeout.signal.reason ? `${label}: ${describeError(err)}` : describeError(err) };
      } finally {
        clearTimeout(timer);
        unlink();
      }
    },

    subscribe(listen: unknown, onChange: () => void): () => void {
      if (typeof listen !== 'string') throw new Error(`${label}: listen: expected a channel name; got ${JSON.stringify(listen)}`);
      return listener.subscribe(listen, onChange);
    },

    close(): Promise<void> {
      closed ??= (async () => {
        closing.abort(new Error(`${label} is closed`));
        await listener.close();
        await pool.end();
      })();
      return closed;
    },
  };
  if (ctx.signal.aborted) void source.close();
  else ctx.signal.addEventListener('abort', () => void source.close(), { once: true });
  return source;
}

/**
 * A signal aborted (with the same reason) when either of two is, and a function that detaches it again. Not
 * AbortSignal.any: the source's own signal lives as long as the source, and must not collect one dependant per query.
 */
function linkSignals(a: AbortSignal, b: AbortSignal): { signal: AbortSignal; unlink: () => void } {
  const controller = new AbortController();
  const fromA = (): void => controller.abort(a.reason);
  const fromB = (): void => controller.abort(b.reason);
  if (a.aborted) fromA();
  else if (b.aborted) fromB();
  a.addEventListener('abort', fromA, { once: true });
  b.addEventListener('abort', fromB, { once: true });
  return {
    signal: controller.signal,
    unlink: () => {
      a.removeEventListener('abort', fromA);
      b.removeEventListener('abort', fromB);
    },
  };
}

function isSyntaxError(err: unknown): boolean {
  return err instanceof DatabaseError && err.code === '42601';
}

/** The value of `fn`, or the error it throws passed through `wrap`. */
function attempt<T>(fn: () => T, wrap: (err: unknown) => Error): T {
  try {
    return fn();
  } catch (err) {
    throw wrap(err);
  }
}
