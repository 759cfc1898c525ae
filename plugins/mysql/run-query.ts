/**
 * One prepared statement on one connection, read as a stream of rows so that a result over the row cap is
 * never held whole: rows past the cap are not kept, and if the server sends more than one past it (the
 * session's sql_select_limit did not apply, say to a query with its own LIMIT) the query is killed.
 */
import type { FieldPacket, PoolConnection, QueryError } from 'mysql2';
import type { Fate } from './pool.js';

/** The first result set of a statement, cut at the row cap. */
export interface RawResult {
  columns: FieldPacket[];
  rows: unknown[][];
  /** True when the statement had more rows than the cap. */
  truncated: boolean;
}

/** What one run needs besides the connection. */
export interface RunLimits {
  maxRows: number;
  signal: AbortSignal;
}

// Errors after which the server closes the connection: it must not go back to the pool.
const CONNECTION_ENDING = new Set([1053 /* server shutdown */, 1927 /* connection killed */, 2013 /* lost during query */]);

/**
 * Executes `sql` with `values` bound as parameters. Resolves as soon as the result is known (at the end, or
 * at the first row past the cap); `done` is called exactly once, maybe later, with what to do with the connection.
 * Rejects with the signal's reason when it aborts: the query is then killed on the server.
 */
export function runQuery(conn: PoolConnection, sql: string, values: unknown[], limits: RunLimits, done: (fate: Fate) => void): Promise<RawResult> {
  const { maxRows, signal } = limits;
  return new Promise<RawResult>((resolve, reject) => {
    let columns: FieldPacket[] = [];
    const rows: unknown[][] = [];
    let truncated = false;
    let settled = false;
    let finished = false;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err === undefined) resolve({ columns, rows, truncated });
      else reject(err);
    };
    const finish = (fate: Fate): void => {
      if (finished) return;
      finished = true;
      conn.removeListener('error', onConnectionError);
      signal.removeEventListener('abort', onAbort);
      done(fate);
    };
    // A dead connection is reported on the connection, not on a command that has no callback.
    const onConnectionError = (err: Error): void => {
      settle(err);
      finish('destroy');
    };
    const onAbort = (): void => {
      settle(signal.reason);
      finish('kill');
    };
    if (signal.aborted) {
      // Aborted while the session was being set up: nothing runs yet, the connection is fine.
      settle(signal.reason);
      return done('release');
    }
    conn.on('error', onConnectionError);
    signal.addEventListener('abort', onAbort, { once: true });

    let command: ReturnType<PoolConnection['execute']>;
    try {
      command = conn.execute({ sql, values });
    } catch (err) {
      // mysql2 checks the values before sending anything (undefined, functions): the connection is untouched.
      settle(err);
      return finish('release');
    }
    // Only the first result set counts (a CALL may return more). A statement without one (an UPDATE, say)
    // emits no fields and one result that is a status header, not a row: the frame is then empty.
    command.on('fields', (fields: FieldPacket[] | undefined, index: number | undefined) => {
      if (fields !== undefined && (index ?? 0) === 0) columns = fields;
    });
    command.on('result', (row: unknown, index: number | undefined) => {
      if (finished || (index ?? 0) !== 0 || !Array.isArray(row)) return;
      if (rows.length < maxRows) rows.push(row);
      else if (!truncated) {
        truncated = true;
        settle(); // the frame is complete; the server should now send only the end of the result
      } else finish('kill');
    });
    command.on('error', (err: QueryError) => {
      settle(err);
      finish(err.fatal || CONNECTION_ENDING.has(err.errno ?? 0) ? 'destroy' : 'release');
    });
    command.on('end', () => {
      settle();
      finish('release');
    });
  });
}
