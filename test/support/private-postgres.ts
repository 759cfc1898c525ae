/**
 * A PostgreSQL cluster of a test's own: made with `initdb` in a temp folder (once per test run, then copied for
 * each suite), run with `pg_ctl` on a free loopback port with trust authentication, for tests that stop, crash or
 * restart PostgreSQL, which must never do that to the machine's shared server. Run as the `postgres` OS user when
 * the tests run as root (PostgreSQL refuses to run as root). Removed after the suite, or at process exit.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { AS_ROOT, findBinary, onExit, runTool, scratchDir, userId } from './private-process.js';
import { privateServer, usePrivate, type PrivateServer, type Removable } from './private-server.js';
import { freePort } from './tcp-proxy.js';

/** The folder of initdb and pg_ctl: the newest Debian-style version folder, or pg_config's. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (findBinary(join(root, version, 'bin', 'initdb'))) return join(root, version, 'bin');
  const initdb = findBinary('initdb');
  return initdb === undefined ? undefined : initdb.slice(0, initdb.lastIndexOf('/'));
}

/** The OS user the cluster runs as: `postgres` under root, else whoever runs the tests. */
const OWNER = AS_ROOT ? userId('postgres') : undefined;

/** What this machine lacks to run a private PostgreSQL, or undefined when it has everything. */
export function missingForPostgres(): string | undefined {
  if (binDir() === undefined) return 'PostgreSQL (initdb, pg_ctl)';
  if (AS_ROOT && (OWNER === undefined || findBinary('runuser') === undefined)) return 'a "postgres" OS user and runuser (PostgreSQL does not run as root)';
  return undefined;
}

/** The command line that runs a PostgreSQL binary as the cluster's owner. */
function pgCommand(tool: string, args: string[]): [string, string[]] {
  const path = join(binDir()!, tool);
  return AS_ROOT ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
}

/** Runs a PostgreSQL binary as the cluster's owner. */
function pgTool(tool: string, args: string[]): Promise<void> {
  return runTool(...pgCommand(tool, args));
}

let template: Promise<string> | undefined;

/** An initdb'd data folder made once per test run (initdb takes a while) and removed at its end. */
function initdbOnce(): Promise<string> {
  template ??= (async () => {
    const dir = scratchDir('pg-template', OWNER);
    const data = join(dir.path, 'data');
    await pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
    return data;
  })();
  return template;
}

/**
 * Starts a private PostgreSQL (`url` is `postgres://postgres@127.0.0.1:PORT/postgres`, trust authentication);
 * `remove` (or process exit) stops it and removes its folder. Its stop is `pg_ctl stop -m fast`, its kill
 * `-m immediate` (no checkpoint: the next start recovers from the WAL, as after a crash).
 */
export async function startPrivatePostgres(): Promise<Removable<PrivateServer>> {
  const missing = missingForPostgres();
  if (missing !== undefined) throw new Error(`${missing} is not installed`);
  const data0 = await initdbOnce();
  const dir = scratchDir('pg', OWNER);
  const data = join(dir.path, 'data');
  cpSync(data0, data, { recursive: true });
  if (OWNER !== undefined) execFileSync('chown', ['-R', `${OWNER}:${OWNER}`, data]);
  const port = await freePort();
  // fsync off: the data is thrown away, and a busy machine's disk is the slowest part of a restart.
  const serverArgs = `-p ${port} -k ${dir.path} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
  const ctl = (action: string, ...extra: string[]) => pgTool('pg_ctl', [action, '-D', data, '-w', '-t', '30', ...extra]);
  const running = (): boolean => existsSync(join(data, 'postmaster.pid'));
  // pg_ctl runs the server as a daemon: if the run ends before `remove`, stop it the way a crash would, before
  // its folder goes (cleanups run last-registered first).
  const crashAtExit = onExit(() => {
    if (running()) execFileSync(...pgCommand('pg_ctl', ['stop', '-D', data, '-m', 'immediate']), { stdio: 'ignore' });
  });
  const control = {
    async start() {
      if (!running()) await ctl('start', '-o', serverArgs, '-l', join(dir.path, 'server.log'));
    },
    async stop() {
      if (running()) await ctl('stop', '-m', 'fast');
    },
    async kill() {
      if (running()) await ctl('stop', '-m', 'immediate');
    },
    async restart() {
      await control.stop();
      await control.start();
    },
  };
  const remove = () => {
    crashAtExit();
    dir.remove();
  };
  return privateServer({ port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir: { remove }, control });
}

/** Whether the server at `url` answers a query now. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A private PostgreSQL for the calling `describe`, started before its tests and removed after them.
 * @example const db = usePrivatePostgres(); it('…', async () => { await db().restart(); });
 */
export function usePrivatePostgres(): () => PrivateServer {
  return usePrivate(missingForPostgres, startPrivatePostgres);
}
