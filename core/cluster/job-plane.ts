/**
 * What a job and its cluster part ask of each other: the job (core/job.ts) hands its updates to its plane and
 * reads what its viewers were shown; the cluster job (cluster-job.ts) reaches Redis and the instance's cluster
 * (cluster.ts) through its context.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../plugin.js';
import type { UpdateEntry } from '../widget-history.js';
import type { ClusterJob } from './cluster-job.js';
import type { ClusterMetrics } from './cluster-metrics.js';
import type { clusterKeys } from './scripts.js';

/** What a job asks of its cluster part (core/job.ts). */
export interface JobPlane {
  /** Whether this instance runs the job's queries now: it holds the lease, or Redis is away. */
  readonly runsHere: boolean;
  /** Settles once the job knows its role and holds the cluster's latest state (or gave up waiting). */
  readonly ready: Promise<void>;
  readonly settled: boolean;
  /** Hands an update made here to the cluster; this instance's viewers get it (job.deliver) once the cluster took it. */
  publish(entry: UpdateEntry): void;
  /** Whether no update is on its way to the stream; `whenIdle` settles when none is. */
  readonly idle: boolean;
  whenIdle(): Promise<void>;
  /** The seq of the state this instance's viewers have been given; `whenShown` settles once they were given `seq`. */
  readonly shownSeq: number;
  whenShown(seq: number, timeoutMs: number): Promise<void>;
  /** The job stopped here. */
  detach(): void;
}

/** What a cluster job needs from its instance's cluster (cluster.ts). */
export interface ClusterContext {
  readonly redis: Redis;
  readonly prefix: string;
  readonly keys: ReturnType<typeof clusterKeys>;
  readonly ttlMs: number;
  readonly degraded: boolean;
  readonly metrics: ClusterMetrics;
  readonly logger: Logger;
  /** Runs the PUBLISH script with its ARGV (after the prefix). */
  publish(args: string[]): Promise<[number, number?]>;
  /** A publish failed (said once until one succeeds again, `undefined`), or one succeeded. */
  publishFailed(job: string | undefined, err?: unknown): void;
  /** Lets go of the job here at the next heartbeat. */
  detach(job: ClusterJob): void;
}
