/**
 * The files a cluster test serves: one dashboard folder shared by every instance, and one config file per
 * instance (its own port and data folder, the same `cluster:` section and the same PostgreSQL database, whose
 * data source names the instance in application_name so that PostgreSQL tells who ran each query).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The dashboard every cluster test watches. */
export const DASHBOARD = 'load';
/** Its variable: each value is a job of its own per widget. */
export const SHARDS = ['a', 'b', 'c'] as const;
/** Its widgets. */
export const WIDGETS = ['w1', 'w2'] as const;
/** Every widget's `every`. */
export const EVERY_MS = 500;
/** `cluster.lease_ttl` of every instance (the smallest the config allows). */
export const LEASE_TTL_MS = 1000;

/** A second dashboard, of widgets whose source answers at once (the built-in demo): many jobs start together. */
export const FAST_DASHBOARD = 'fast';
/** Its widgets. */
export const FAST_WIDGETS = ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8'] as const;

/** Writes `dashboards/load.yaml` into `dir`: line widgets whose query leaves a row per run (cluster-db.ts); and `fast.yaml`. */
export function writeDashboard(dir: string): void {
  mkdirSync(join(dir, 'dashboards'), { recursive: true });
  const widgets = WIDGETS.map(
    (w) => `  - id: ${w}
    title: ${w}
    type: line
    source: db
    query: "SELECT now() AS t, hit('${w}', :shard) AS n"
    every: ${EVERY_MS}ms
    keep: 10
    x: t
    y: [n]
`,
  ).join('');
  writeFileSync(
    join(dir, 'dashboards', `${DASHBOARD}.yaml`),
    `id: ${DASHBOARD}
title: Load
variables:
  shard: { type: select, options: [${SHARDS.join(', ')}], default: a }
widgets:
${widgets}`,
  );
  const metrics = ['active_users', 'revenue', 'conversion', 'error_rate'];
  writeFileSync(
    join(dir, 'dashboards', `${FAST_DASHBOARD}.yaml`),
    `id: ${FAST_DASHBOARD}
title: Fast
widgets:
${FAST_WIDGETS.map((w, i) => `  - { id: ${w}, title: ${w}, type: stat, source: demo, query: { metric: ${metrics[i % metrics.length]} }, every: 1s, keep: 10, x: time }\n`).join('')}`,
  );
}

/** One instance's settings. */
export interface InstanceFiles {
  dir: string;
  name: string;
  port: number;
  database: string;
  redis: string;
  prefix: string;
  leaseTtlMs?: number;
}

/** Writes `config-<name>.yaml` into `dir` and returns its path; the instance's data goes to `data-<name>`. */
export function writeInstanceConfig(f: InstanceFiles): string {
  const config = join(f.dir, `config-${f.name}.yaml`);
  writeFileSync(
    config,
    `server:
  host: 127.0.0.1
  port: ${f.port}
  limits:
    max_connections_per_ip: 3000
datasources:
  demo: { type: demo }
  db:
    type: postgres
    url: ${f.database}
    application_name: ${f.name}
    pool_size: 3
dashboards:
  dir: dashboards
  watch: false
storage:
  dir: ${join(f.dir, `data-${f.name}`)}
cluster:
  redis: ${f.redis}
  prefix: ${f.prefix}
  lease_ttl: ${(f.leaseTtlMs ?? LEASE_TTL_MS) / 1000}s
log:
  level: info
`,
  );
  return config;
}
