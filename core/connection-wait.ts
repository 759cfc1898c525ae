/**
 * A query that runs out of time while still waiting for a pooled connection was never sent: its error says
 * so (RTDASH_CONNECTION_WAIT, "waiting for a free connection") instead of "the query timed out", which
 * would send an operator looking for a slow query rather than at the pool size.
 */
import { RtdashError } from './errors.js';

/**
 * What a pool rejects with when the caller's signal aborts while the query waits for a connection: for the
 * query's time-out while every connection was busy, RTDASH_CONNECTION_WAIT naming the wait and the pool's
 * size; otherwise (a connection being opened to a server that does not answer, a shutdown) the reason as it
 * is. The plugin's usual prefix (`postgres "shopdb": `) goes in front.
 * @example reject(connectionWaitError(signal.reason, 10, active >= 10))
 */
export function connectionWaitError(reason: unknown, poolSize: number, poolFull: boolean): unknown {
  if (!poolFull || !(reason instanceof RtdashError) || reason.code !== 'RTDASH_QUERY_TIMEOUT') return reason;
  const ms = (reason.details as { timeoutMs?: unknown } | undefined)?.timeoutMs;
  return connectionWaitTimeout(typeof ms === 'number' ? `${ms} ms` : undefined, poolSize, reason);
}

/**
 * RTDASH_CONNECTION_WAIT for a pool's own wait limit running out while every connection was busy.
 * @example connectionWaitTimeout('5000 ms (connect_timeout)', 5, err).message // 'timed out after 5000 ms (connect_timeout) waiting for …'
 */
export function connectionWaitTimeout(waited: string | undefined, poolSize: number, cause: unknown): RtdashError {
  const after = waited === undefined ? '' : ` after ${waited}`;
  return new RtdashError('RTDASH_CONNECTION_WAIT', `timed out${after} waiting for a free connection from the pool (pool_size ${poolSize}); the query was never sent`, { cause });
}
