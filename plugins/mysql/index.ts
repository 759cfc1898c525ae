/**
 * The `mysql` data source (MySQL and MariaDB through mysql2): SQL with `:name` variables bound as parameters,
 * a bounded pool per source, timed-out queries killed on the server. See README.md for options and types.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { definePlugin, type JsonSchema } from '../../core/plugin.js';
import { settingsFrom, type MysqlOptions } from './options.js';
import { MysqlSource } from './source.js';

export type { MysqlOptions, MysqlSslOptions } from './options.js';
export { MysqlSource, HEALTH_TIMEOUT_MS } from './source.js';

/** A widget's `query:` for a mysql source: SQL text, with `:name` for dashboard variables. */
export type MysqlQuery = string;

/** The `mysql` plugin definition. */
export default definePlugin<MysqlOptions, MysqlQuery>({
  type: 'mysql',
  description: 'MySQL or MariaDB: SQL queries with bound :variables over a bounded connection pool.',
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  checkOptions: (options, name) => void settingsFrom(options, name),
  create(ctx) {
    // Bad options throw here, at startup; an unreachable server does not: the pool connects on first use.
    const source = new MysqlSource(ctx.name, settingsFrom(ctx.options, ctx.name), ctx.logger);
    ctx.signal.addEventListener('abort', () => void source.close(), { once: true });
    return source;
  },
});

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'mysql', file), 'utf8')) as JsonSchema;
}
