/**
 * A PostgreSQL database of a suite's own on the shared server: created (after dropping a leftover of the same
 * name), used, and dropped at the end. The shared server itself is never reconfigured.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { SERVICES } from './services.js';

/** The connection string of `database` on the shared server. */
export function databaseUrl(database: string): string {
  const url = new URL(SERVICES.postgres.url);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `run` on a fresh connection to `database`, and closes it. */
export async function withDatabase<T>(database: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(database), application_name: 'rtdash-test-scratch' });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const home = (): string => new URL(SERVICES.postgres.url).pathname.slice(1) || 'postgres';

/** Creates `database` (dropping a leftover first) and runs `setup` in it. `name` must be a plain identifier. */
export async function createDatabase(name: string, setup: string): Promise<void> {
  await withDatabase(home(), async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${name}`);
  });
  await withDatabase(name, (c) => c.query(setup));
}

/** Drops `database`, ending the connections still open to it. */
export async function dropDatabase(name: string): Promise<void> {
  await withDatabase(home(), (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** The fenced blocks of one language in a file of the package (from dist/test/support). */
export function fencedBlocks(file: string, lang: string): string[] {
  const text = readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8');
  return [...text.matchAll(new RegExp('^```' + lang + '\\n([\\s\\S]*?)^```', 'gm'))].map((m) => m[1] as string);
}

/** The PostgreSQL example of docs/variables.md: its table and its dashboard (id `hosts`, source `shopdb`). */
export function variablesExample(): { setup: string; dashboard: string } {
  const setup = fencedBlocks('docs/variables.md', 'sql')[0]!;
  const dashboard = fencedBlocks('docs/variables.md', 'yaml').find((b) => b.includes('source: shopdb'))!;
  return { setup, dashboard };
}
