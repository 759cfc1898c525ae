/**
 * The cluster part of `npm run bench` (BENCH_SUITES=cluster; docs/benchmarks.md#cluster): 1, 2 and 3 real
 * `rtdash serve` instances on one private Redis, one PostgreSQL dashboard of 10 widgets at 1 s, and 3,000 raw `ws`
 * viewers spread round-robin over the instances. Per instance count: the queries PostgreSQL ran per second (the
 * cluster runs each job once, so the same as one instance), relay latency to viewers on another instance than the
 * job's holder next to the holder's own, and each instance's CPU per delivered update; at the largest count, a
 * failover (SIGKILL of the busiest instance). The counts are interleaved, BENCH_RUNS times. Skipped with one line
 * when redis-server is not installed or PostgreSQL does not answer.
 */
import { missingForRedis, startPrivateRedis } from '../test/support/private-redis.js';
import { ClusterDatabase } from './cluster-db.js';
import { killInstances } from './cluster-instances.js';
import { measureCluster, type ClusterMeasurement } from './cluster-measure.js';
import { clusterGoalLines, clusterNoteLines, clusterTable, failoverTable, instanceTable } from './cluster-report.js';
import { CLUSTER_SCHEMA, CLUSTER_WIDGETS, WIDGET_EVERY_MS } from './cluster-scenario.js';
import { Unreachable } from './pg-db.js';
import type { Settings } from './settings.js';

/** How long the clean-up may take when the run is interrupted. */
const INTERRUPT_CLEANUP_MS = 3000;

/** What the suite holds while it runs, for `interruptClusterSuite`. */
let open: { db: ClusterDatabase; redis: { remove(): Promise<void> } } | undefined;

/** On Ctrl-C or SIGTERM: kills the instances, removes the private Redis and drops the schema (bounded; never throws). */
export async function interruptClusterSuite(): Promise<void> {
  killInstances();
  const held = open;
  open = undefined;
  if (held === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  const cleanup = Promise.all([held.redis.remove().catch(() => undefined), held.db.close()]);
  await Promise.race([cleanup, new Promise<void>((resolve) => (timer = setTimeout(resolve, INTERRUPT_CLEANUP_MS)))]);
  clearTimeout(timer);
}

/** What a run of the suite found (for the report, and for tests), or why it was skipped. */
export interface ClusterOutcome {
  measurements: ClusterMeasurement[];
  failures: number;
  skipped?: string;
  /** The scenario line printed first. */
  scenario?: string;
}

/** Runs the measurements (interleaved instance counts, BENCH_RUNS times) without printing the report. */
export async function measureClusterSuite(settings: Settings, log: (line: string) => void): Promise<ClusterOutcome> {
  const c = settings.cluster;
  const missing = missingForRedis();
  if (missing !== undefined) return { measurements: [], failures: 0, skipped: `${missing} is not installed` };
  let db: ClusterDatabase;
  try {
    db = await ClusterDatabase.open(settings.pg.url);
  } catch (err) {
    if (err instanceof Unreachable) return { measurements: [], failures: 0, skipped: `cannot connect to PostgreSQL (${err.message})` };
    throw err;
  }
  const measurements: ClusterMeasurement[] = [];
  let failures = 0;
  let scenario: string | undefined;
  const redis = await startPrivateRedis().catch(async (err: unknown) => {
    await db.close();
    throw err;
  });
  open = { db, redis };
  try {
    const largest = Math.max(...c.instances);
    scenario =
      `cluster scenario: ${await db.version()}, schema ${CLUSTER_SCHEMA}; a private redis-server on port ${redis.port}; ` +
      `1 dashboard of ${CLUSTER_WIDGETS} line widgets every ${WIDGET_EVERY_MS} ms; ${c.instances.join('/')} rtdash serve instance(s), lease_ttl ${c.leaseTtlMs} ms; ` +
      `${c.viewers} viewers round-robin over them; ${settings.warmupSeconds} s warm-up after the jobs settle, ${c.seconds} s window; ` +
      `${c.failover && largest > 1 ? `failover at ${largest} instances; ` : ''}${c.pin ? 'instances and load on CPUs of their own (BENCH_CLUSTER_PIN); ' : ''}${c.runs} interleaved run(s)`;
    for (let run = 1; run <= c.runs; run++) {
      for (const count of c.instances) {
        log(`bench: cluster with ${count} instance(s), ${c.viewers} viewers${c.runs > 1 ? `, run ${run}` : ''}`);
        try {
          measurements.push(await measureCluster(count, run, c.failover && count === largest && count > 1, { db, redisUrl: redis.url, settings }, log));
        } catch (err) {
          failures++;
          console.log(`FAILED: cluster with ${count} instance(s), run ${run}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  } finally {
    if (open?.db === db) {
      open = undefined;
      await redis.remove().catch(() => undefined);
      const problem = await db.close();
      if (problem !== undefined) console.log(`cluster: ${problem}`);
    }
  }
  return { measurements, failures, ...(scenario !== undefined && { scenario }) };
}

/** The report's lines. */
export function clusterReport(outcome: ClusterOutcome, settings: Settings): string[] {
  const all = outcome.measurements;
  const ttl = settings.cluster.leaseTtlMs;
  const lines = [
    '',
    '(each cell: min / median / max over the runs; same: viewers on the instance holding the job; other: on another instance, relayed through Redis;',
    ' lag: rtdash_cluster_relay_lag_seconds of the relaying instances, holder\'s result → relayed there before the fan-out, as the bucket bound)',
    clusterTable(all),
  ];
  lines.push('', 'per instance (cpu µs/delivery: the process\'s CPU in the window over the updates its viewers received):', instanceTable(all));
  if (all.some((m) => m.failover !== undefined || m.failoverError !== undefined)) {
    lines.push('', `failover (SIGKILL of the instance holding the most jobs; back: kill → first update of its new holder reaching a subscriber; ent/lost/dup/jump/unk: entries checked against the jobs' streams):`, failoverTable(all, ttl));
  }
  lines.push('goals:', ...clusterGoalLines(all, ttl), 'notes:', ...clusterNoteLines(all));
  return lines;
}

/** Runs the suite and prints its report; returns the number of measurements that failed. */
export async function runClusterSuite(settings: Settings, log: (line: string) => void): Promise<number> {
  let outcome: ClusterOutcome;
  try {
    outcome = await measureClusterSuite(settings, log);
  } catch (err) {
    console.log(`cluster: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (outcome.skipped !== undefined) {
    console.log(`cluster: skipped, ${outcome.skipped}`);
    return 0;
  }
  if (outcome.scenario !== undefined) console.log(outcome.scenario);
  for (const line of clusterReport(outcome, settings)) console.log(line);
  return outcome.failures;
}
