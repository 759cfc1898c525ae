/**
 * A MariaDB server of a test's own: a data folder made with `mariadb-install-db` (once per test run, then copied
 * for each suite) and a `mariadbd` on a free loopback port, root without a password and a `test` database like
 * the shared server, for tests that stop, kill or restart MariaDB, which must never do that to the machine's
 * shared server. Removed after the suite, or at process exit.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2';
import { AS_ROOT, findBinary, runTool, scratchDir } from './private-process.js';
import { foregroundControl, privateServer, usePrivate, type PrivateServer, type Removable } from './private-server.js';
import { freePort } from './tcp-proxy.js';

const mariadbd = (): string | undefined => findBinary('mariadbd', '/usr/sbin/mariadbd', 'mysqld', '/usr/sbin/mysqld');
const installDb = (): string | undefined => findBinary('mariadb-install-db', 'mysql_install_db');

/** What this machine lacks to run a private MariaDB, or undefined when it has everything. */
export function missingForMariadb(): string | undefined {
  if (mariadbd() === undefined) return 'mariadbd';
  if (installDb() === undefined) return 'mariadb-install-db';
  return undefined;
}

// Root may run mariadbd only when it says so; nothing read from /etc/mysql, so the machine's settings stay out.
const COMMON = ['--no-defaults', ...(AS_ROOT ? ['--user=root'] : [])];

let template: Promise<string> | undefined;

/** A data folder made once per test run (mariadb-install-db takes seconds) and removed at its end. */
function installOnce(): Promise<string> {
  template ??= (async () => {
    const dir = scratchDir('mariadb-template');
    const data = join(dir.path, 'data');
    await runTool(installDb()!, [...COMMON, `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
    mkdirSync(join(data, 'test')); // a folder in the data folder is a database: `test`, like the shared server's
    return data;
  })();
  return template;
}

/** Whether the server at `url` answers a query now. */
export function mariadbAnswers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = mysql.createConnection({ uri: url, connectTimeout: 2000 });
    conn.on('error', () => undefined);
    conn.query('SELECT 1', (err) => {
      conn.destroy();
      resolve(!err);
    });
  });
}

/** Starts a private MariaDB (`url` is `mysql://root@127.0.0.1:PORT/test`); `remove` (or process exit) ends it and removes its folder. */
export async function startPrivateMariadb(): Promise<Removable<PrivateServer>> {
  const missing = missingForMariadb();
  if (missing !== undefined) throw new Error(`${missing} is not installed`);
  const data0 = await installOnce();
  const dir = scratchDir('mariadb');
  const data = join(dir.path, 'data');
  cpSync(data0, data, { recursive: true });
  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}/test`;
  const args = [
    ...COMMON,
    `--datadir=${data}`,
    `--port=${port}`,
    `--socket=${join(dir.path, 'sock')}`,
    `--pid-file=${join(dir.path, 'pid')}`,
    `--log-error=${join(dir.path, 'error.log')}`,
    '--bind-address=127.0.0.1',
    '--skip-log-bin',
    // Small, and written at commit without fsync: a killed server keeps what it committed (the machine does not crash).
    '--innodb-buffer-pool-size=16M',
    '--innodb-log-file-size=8M',
    '--innodb-flush-log-at-trx-commit=2',
  ];
  const control = foregroundControl(mariadbd()!, args, `the private MariaDB on port ${port}`, () => mariadbAnswers(url), 60_000);
  return privateServer({ port, url, dir, control });
}

/**
 * A private MariaDB for the calling `describe`, started before its tests and removed after them.
 * @example const db = usePrivateMariadb(); it('…', async () => { await db().kill(); await db().start(); });
 */
export function usePrivateMariadb(): () => PrivateServer {
  return usePrivate(missingForMariadb, startPrivateMariadb);
}
