/**
 * Helpers for the mysql plugin's tests: an admin connection beside the source under test, waiting for the
 * server to reach a state, and a port nothing listens on. Tests that stop or restart MariaDB do it to a private
 * server (test/support/private-mariadb.ts), never to the shared one.
 */
import mysql from 'mysql2';
import { SERVICES } from '../../test/support/services.js';

/**
 * Runs one statement on a connection of its own (root, like the server's tests) and returns its rows.
 * @example await admin('SELECT COUNT(*) AS n FROM t') // [{ n: 0 }]
 */
export function admin(sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection({ uri: SERVICES.mysql.url, connectTimeout: 2000, multipleStatements: false });
    conn.on('error', () => undefined);
    conn.query(sql, values, (err, rows) => {
      conn.destroy();
      if (err) reject(err);
      else resolve(Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []);
    });
  });
}

/** Statements in the server's process list whose text contains `marker` (other than the one asking). */
export async function running(marker: string): Promise<number> {
  const rows = await admin('SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()', [`%${marker}%`]);
  return Number(rows[0]?.n);
}

/** Polls `check` every 50 ms until it is true; throws with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { freePort as closedPort } from '../../test/support/tcp-proxy.js';

