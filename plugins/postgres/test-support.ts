/**
 * Helpers for the postgres plugin's tests against a real server: an admin connection, bounded waits, a loopback
 * TCP proxy that can be opened and closed, control of the local cluster, and a logger that keeps what it gets.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Client } from 'pg';
import type { Logger } from '../../core/plugin.js';
import { SERVICES } from '../../test/support/services.js';

/** The test server's connection string. */
export const PG_URL = SERVICES.postgres.url;

/** A connected client for arranging and inspecting the server; end it after use. */
export async function adminClient(): Promise<Client> {
  const client = new Client({ connectionString: PG_URL, application_name: 'rtdash-test-admin', connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined); // a restart in a test kills it too; the test reconnects
  await client.connect();
  return client;
}

/** Runs one statement on a short-lived admin connection and returns its rows. */
export async function adminQuery<Row extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<Row[]> {
  const client = await adminClient();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A name no other test run uses, for application names and channels. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Polls `check` every 20 ms until it returns a truthy value, and returns that; fails after `timeoutMs`.
 * @example await waitFor(() => calls.length > 0, 1000, 'onChange')
 */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(20);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const CLUSTER_VERSION = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql')[0] : undefined;

/** Whether this machine can stop and start the test server (a local Debian cluster and pg_ctlcluster). */
export function canControlServer(): boolean {
  return CLUSTER_VERSION !== undefined && existsSync('/usr/bin/pg_ctlcluster') && process.getuid?.() === 0;
}

/** Stops, starts or restarts the local cluster and waits for it (at most 30 s). */
export function pgCluster(action: 'stop' | 'start' | 'restart'): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('pg_ctlcluster', ['--skip-systemctl-redirect', CLUSTER_VERSION ?? '', 'main', action], { timeout: 30_000 }, (err, stdout, stderr) => {
      // Starting a running cluster (or stopping a stopped one) is fine: the state asked for is there.
      const said = `${stdout}${stderr}`.trim();
      if (err && !/already running|is not running/i.test(said)) reject(new Error(`pg_ctlcluster ${action}: ${said || err.message}`));
      else resolve();
    });
  });
}

/** Waits until the server accepts a query again (after a restart), at most `timeoutMs`. */
export async function serverReady(timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await adminQuery<{ one: number }>('SELECT 1 AS one')).length === 1, timeoutMs, 'PostgreSQL to accept queries');
}

/** One line a logger received. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj: object | string;
}

/** A logger that keeps every line, to assert what a source reported. */
export function capturingLogger(lines: LogLine[] = []): Logger & { lines: LogLine[] } {
  const at =
    (level: LogLine['level']) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg: msg ?? (typeof obj === 'string' ? obj : '') });
    };
  const logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger, lines };
  return logger;
}
