/**
 * Which catalogue code a failed query gets. Plugins throw their drivers' errors as they are; viewers see
 * only the code's sentence, so the code has to tell "the source is unreachable" from "the query failed"
 * by itself. The full message stays in the log and on admin routes.
 */
import { RtdashError, type ErrorCode } from './errors.js';

/** Socket and DNS errors: the source could not be reached at all. */
const NETWORK_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'PROTOCOL_CONNECTION_LOST']);
/** Server errors that mean "you may not connect" rather than "this statement is wrong". */
const REFUSED_LOGINS = new Set([
  'ER_ACCESS_DENIED_ERROR', // MySQL/MariaDB 1045: wrong user or password
  'ER_ACCESS_DENIED_NO_PASSWORD_ERROR', // 1698: MariaDB's answer for a user it does not know
  'ER_ACCOUNT_HAS_BEEN_LOCKED', // MySQL 3118, MariaDB 4151 (SQLSTATE HY000)
  'ER_DBACCESS_DENIED_ERROR', // 1044: no access to the database
  'ER_BAD_DB_ERROR', // 1049: unknown database
  'ER_HOST_NOT_PRIVILEGED', // 1130
  'ER_CON_COUNT_ERROR', // 1040: too many connections
  '28P01', // PostgreSQL: password authentication failed
  '28000', // invalid authorization specification (no pg_hba entry, no such role)
  '3D000', // the database does not exist
  '53300', // too many connections
  '57P03', // the server is starting up or shutting down
]);

/**
 * The code of anything a source's query threw: an RtdashError (also one a plugin wrapped as `cause`) keeps
 * its own; a network or login failure (also inside `cause` or an AggregateError) is
 * RTDASH_SOURCE_UNREACHABLE; anything else RTDASH_QUERY_FAILED.
 */
export function failureCode(err: unknown): ErrorCode {
  return codedError(err)?.code ?? (unreachable(err, 0) ? 'RTDASH_SOURCE_UNREACHABLE' : 'RTDASH_QUERY_FAILED');
}

/** The RtdashError that `err` is or wraps (as `cause`), if any: its own message is the one to show when exposed. */
export function codedError(err: unknown): RtdashError | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RtdashError) return e;
  }
  return undefined;
}

function unreachable(err: unknown, depth: number): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_ERRNOS.has(code) || REFUSED_LOGINS.has(code) || code.startsWith('08'))) return true;
  // MySQL's SQLSTATE beside its own code: class 28 (invalid authorization) and 08 (connection exception)
  // name refused logins and lost connections whatever the server's error number is.
  const state = (err as { sqlState?: unknown }).sqlState;
  if (typeof state === 'string' && (state.startsWith('28') || state.startsWith('08'))) return true;
  if (err instanceof AggregateError && err.errors.some((e) => unreachable(e, depth + 1))) return true;
  return unreachable((err as { cause?: unknown }).cause, depth + 1);
}
