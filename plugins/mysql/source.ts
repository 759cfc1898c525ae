/**
 * A live `mysql` source: binds a widget's `:name` variables as parameters of a prepared statement, runs it
 * on the bounded pool within the core's signal, and reports failures with the database's own message.
 */
import type { Frame } from '../../core/frame.js';
import type { DataSource, Health, Logger, QueryContext } from '../../core/plugin.js';
import { bindNamed, mysqlPlaceholders, parameters } from '../sql-params.js';
import { buildFrame } from './columns.js';
import type { MysqlSettings } from './options.js';
import { BoundedPool, PoolBusyError } from './pool.js';
import { runQuery } from './run-query.js';

/** How long `health()` waits for `SELECT 1` at most, whatever the caller's signal allows. */
export const HEALTH_TIMEOUT_MS = 3000;

/** A `mysql` data source over one pool. */
export class MysqlSource implements DataSource<string> {
  readonly #name: string;
  readonly #pool: BoundedPool;
  /** Aborted by close(): ends every wait and query in flight. */
  readonly #lifetime = new AbortController();
  #closed: Promise<void> | undefined;

  constructor(name: string, settings: MysqlSettings, logger: Logger) {
    this.#name = name;
    this.#pool = new BoundedPool(settings, logger);
  }

  /** Runs one SQL query and answers with its first result set as a frame, cut at `ctx.maxRows`. */
  async query(sql: string, ctx: QueryContext): Promise<Frame> {
    ctx.signal.throwIfAborted();
    if (typeof sql !== 'string' || sql.trim() === '') throw this.#error(`the query must be SQL text; got ${JSON.stringify(sql)}`);
    let bound: { text: string; values: unknown[] };
    try {
      checkVariables(ctx.variables);
      bound = bindNamed(sql, parameters(ctx), mysqlPlaceholders);
    } catch (err) {
      throw this.#error(err);
    }
    const { columns, rows, truncated } = await this.#run(bound.text, bound.values, ctx.signal, ctx.maxRows);
    try {
      return buildFrame(columns, rows, truncated);
    } catch (err) {
      throw this.#error(err);
    }
  }

  /** `SELECT 1` within HEALTH_TIMEOUT_MS: ok, degraded when every connection is busy, down with the driver's message. */
  async health(signal: AbortSignal): Promise<Health> {
    const timeout = AbortSignal.timeout(HEALTH_TIMEOUT_MS);
    const started = performance.now();
    try {
      const both = linked(signal, timeout);
      try {
        await this.#run('SELECT 1', [], both.signal, 1);
      } finally {
        both.unlink();
      }
      return { status: 'ok', latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      const { busy, size } = this.#pool.stats();
      // #run names its errors already; a refusal by the full queue means a loaded server, not a dead one.
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof Error && err.cause instanceof PoolBusyError) return { status: 'degraded', message };
      if (timeout.aborted) {
        // Every connection busy with slow queries is a loaded server too.
        const saturated = busy >= size;
        const why = saturated ? `: all ${size} connections are busy` : '';
        return { status: saturated ? 'degraded' : 'down', message: `mysql "${this.#name}": no answer to SELECT 1 within ${HEALTH_TIMEOUT_MS} ms${why}` };
      }
      return { status: 'down', message };
    }
  }

  /** Cancels what runs, closes the pool. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#lifetime.abort(new Error('the source is closed'));
      await this.#pool.close();
    })();
    return this.#closed;
  }

  async #run(sql: string, values: unknown[], signal: AbortSignal, maxRows: number): ReturnType<typeof runQuery> {
    if (this.#closed) throw this.#error('the source is closed');
    const both = linked(signal, this.#lifetime.signal);
    try {
      const conn = await this.#pool.acquire(both.signal, maxRows);
      return await runQuery(conn, sql, values, { maxRows, signal: both.signal }, (fate) => this.#pool.finish(conn, fate));
    } catch (err) {
      // The caller's own reason (the core's timeout, say) goes back untouched; everything else is named.
      if (signal.aborted && err === signal.reason) throw err;
      throw this.#error(err);
    } finally {
      both.unlink();
    }
  }

  #error(err: unknown): Error {
    return new Error(`mysql "${this.#name}": ${describe(err)}`, { cause: err });
  }
}

/**
 * Refuses anything but strings as variable values. The core only passes strings; this guards the one way a
 * value could turn into SQL: mysql2 expands objects and arrays into `key = value` lists and `a, b` lists.
 */
function checkVariables(variables: Readonly<Record<string, unknown>>): void {
  for (const [name, value] of Object.entries(variables)) {
    if (typeof value !== 'string') {
      const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
      throw new TypeError(`variable "${name}" is ${kind}; only strings are bound as parameters`);
    }
  }
}

/**
 * A signal that aborts with the reason of whichever input aborts first. Unlike AbortSignal.any, it stops
 * listening when `unlink` is called, so thousands of runs leave nothing behind on the source's lifetime signal.
 */
function linked(...inputs: AbortSignal[]): { signal: AbortSignal; unlink(): void } {
  const controller = new AbortController();
  const unlinks: (() => void)[] = [];
  for (const input of inputs) {
    if (input.aborted) {
      controller.abort(input.reason);
      break;
    }
    const onAbort = (): void => controller.abort(input.reason);
    input.addEventListener('abort', onAbort, { once: true });
    unlinks.push(() => input.removeEventListener('abort', onAbort));
  }
  return { signal: controller.signal, unlink: () => unlinks.forEach((unlink) => unlink()) };
}

/** The driver's message, or what a message-less error (a refused connection to several addresses) says. */
function describe(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof AggregateError && err.message === '') return [...new Set(err.errors.map(describe))].join('; ');
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return err.message || (typeof code === 'string' ? code : err.name);
  }
  return String(err);
}
