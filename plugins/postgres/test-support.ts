/**
 * Helpers for the postgres plugin's tests against a real server: an admin connection, bounded waits, and a
 * logger that keeps what it gets. Tests that stop or restart PostgreSQL do it to a private cluster
 * (test/support/private-postgres.ts), never to the shared server.
 */
import { Client } from 'pg';
import type { Logger } from '../../core/plugin.js';
import { SERVICES } from '../../test/support/services.js';

/** The test server's connection string. */
export const PG_URL = SERVICES.postgres.url;

/** A connected client for arranging and inspecting the server (the shared one unless `url` says); end it after use. */
export async function adminClient(url = PG_URL): Promise<Client> {
  const client = new Client({ connectionString: url, application_name: 'rtdash-test-admin', connectionTimeoutMillis: 5000 });
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
