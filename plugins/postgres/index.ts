/**
 * The `postgres` data source: SQL against PostgreSQL through a pool per source, with dashboard variables bound
 * as parameters, typed columns, a row cap, cancellation on the server, and push through LISTEN/NOTIFY.
 * See README.md for options, the query format and the type mapping.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { definePlugin, type JsonSchema } from '../../core/plugin.js';
import { poolConfig, type PostgresOptions } from './options.js';
import { createPostgresSource } from './source.js';

export type { PostgresOptions } from './options.js';
export type { PostgresSource } from './source.js';

/** A widget's `query:` for a postgres source: one SQL statement, with `:name` for dashboard variables. */
export type PostgresQuery = string;

/** The `postgres` plugin definition. */
export default definePlugin<PostgresOptions, PostgresQuery>({
  type: 'postgres',
  description: 'PostgreSQL: SQL with :variables bound as parameters, typed columns, row cap, cancellation, push via LISTEN/NOTIFY.',
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  listenSchema: schema('listen.schema.json'),
  checkOptions: (options, name) => void poolConfig(name, options),
  create(ctx) {
    // Contradictory options fail here, at load; an unreachable server does not (the pool connects lazily).
    return createPostgresSource(ctx, poolConfig(ctx.name, ctx.options));
  },
});

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'postgres', file), 'utf8')) as JsonSchema;
}
