/**
 * Helpers for the mysql plugin's tests: an admin connection beside the source under test, waiting for the
 * server to reach a state, a loopback TCP proxy that can be cut, and a MariaDB restart that always ends with
 * the server running.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import mysql from 'mysql2';
import { SERVICES } from '../../test/support/services.js';

const run = promisify(execFile);

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

/** Whether MariaDB answers on its port now. */
export async function serverUp(): Promise<boolean> {
  return admin('SELECT 1').then(
    () => true,
    () => false,
  );
}

const DAEMON = ['--exec', '/usr/sbin/mariadbd'];

/** Whether a mariadbd process exists (it may still be starting or shutting down). */
async function processRuns(): Promise<boolean> {
  // start-stop-daemon --status exits with 0 when the process runs and 3 when it does not.
  return run('start-stop-daemon', ['--status', ...DAEMON]).then(
    () => true,
    () => false,
  );
}

/** Stops MariaDB and waits until its process is gone (a new start is only then possible). */
export async function stopServer(): Promise<void> {
  await run('mysqladmin', ['-h127.0.0.1', '-uroot', 'shutdown'], { timeout: 20_000 });
  await waitFor('MariaDB to stop', async () => !(await processRuns()), 20_000);
}

/** Starts MariaDB (a no-op when it runs) and waits until it accepts queries. */
export async function startServer(): Promise<void> {
  if (await serverUp()) return;
  // A server still shutting down would make --start a no-op; wait for it to go first.
  await waitFor('MariaDB to finish stopping', async () => (await serverUp()) || !(await processRuns()), 20_000);
  if (await serverUp()) return;
  await run('start-stop-daemon', ['--start', '--oknodo', '--background', ...DAEMON], { timeout: 20_000 });
  await waitFor('MariaDB to accept connections', serverUp, 30_000);
}

export { freePort as closedPort } from '../../test/support/tcp-proxy.js';

