/**
 * This instance's part in a cluster (`cluster.redis`): its membership, a heartbeat that renews the leases it holds
 * and asks for the jobs its viewers and rules need, and the relay of other holders' updates (a subscription per
 * followed job). One heartbeat script (scripts.ts) carries every job of the instance, every third of a lease.
 *
 * Jobs spread over the instances by rendezvous hashing over each job's wanters: a free job goes to the instance
 * that wants it and ranks first for it; an instance holding more than its share gives one job a heartbeat to the
 * instance preferred for it. A holder that dies is replaced once its lease runs out (within the lease ttl plus a
 * heartbeat). Redis away for longer than a lease: every instance runs its viewers' jobs on its own ("degraded:
 * local") and comes back when Redis answers.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { DEFAULT_CLUSTER } from '../config/server-config.js';
import { messageOf } from '../errors.js';
import type { Job } from '../job.js';
import type { Logger } from '../plugin.js';
import { ClusterJob } from './cluster-job.js';
import type { ClusterContext, JobPlane } from './job-plane.js';
import { channelEntry } from './mirror.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { readClusterStatus, type ClusterStatus } from './status.js';
import { HEARTBEAT, JOB_RETENTION_MS, PUBLISH, RAISE_FLOOR, clusterKeys } from './scripts.js';

/** The longest wait between two attempts to reach Redis again. */
const RECONNECT_MAX_MS = 500;

/** The cluster part of a server with `cluster.redis`, started; none without. */
export function clusterFor(config: { redis?: string | undefined; prefix?: string | undefined; leaseTtlMs?: number | undefined }, options: Omit<ClusterOptions, 'url' | 'prefix' | 'ttlMs'>): Cluster | undefined {
  if (config.redis === undefined) return undefined;
  const cluster = new Cluster({ ...options, url: config.redis, prefix: config.prefix ?? DEFAULT_CLUSTER.prefix, ttlMs: config.leaseTtlMs ?? DEFAULT_CLUSTER.leaseTtlMs });
  cluster.start();
  return cluster;
}

/** What a Redis client's error says, in words for an operator ("did not answer" rather than the client's retry settings). */
export function redisError(err: unknown): string {
  const text = messageOf(err);
  return /max retries|Connection is closed|timed out|ECONNREFUSED|ECONNRESET/i.test(text) ? `Redis did not answer (${text.split('.')[0]})` : text;
}

/** How this instance stands in the cluster, for /readyz. */
export interface ClusterSummary {
  instance: string;
  mode: 'cluster' | 'degraded: local';
  members: number;
  jobsHeld: number;
  jobsFollowed: number;
  /** Jobs run here on their own while Redis is away. */
  jobsLocal: number;
}

export interface ClusterOptions {
  url: string;
  prefix: string;
  ttlMs: number;
  logger: Logger;
  registry: Registry;
  /** Where this instance listens (for `rtdash cluster status`), once it does. */
  publicUrl?: () => string | undefined;
}

type Scripted = Redis & {
  rtdashHeartbeat(...args: string[]): Promise<[number, string[], number]>;
  rtdashPublish(...args: string[]): Promise<[number, number?]>;
  rtdashRaiseFloor(...args: string[]): Promise<number>;
};

export class Cluster implements ClusterContext {
  readonly instance = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly redis: Scripted;
  readonly prefix: string;
  readonly keys: ReturnType<typeof clusterKeys>;
  readonly ttlMs: number;
  readonly metrics: ClusterMetrics;
  readonly logger: Logger;
  degraded = false;
  members = 0;
  readonly #sub: Redis;
  readonly #jobs = new Map<string, ClusterJob>();
  readonly #byChannel = new Map<string, ClusterJob>();
  /** Jobs let go of here, told to Redis at the next heartbeat. */
  readonly #leaving = new Set<ClusterJob>();
  readonly #publicUrl: () => string | undefined;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #again = false;
  #lastOk: number | undefined;
  /** Fires when the leases held here could have run out with Redis still away: degraded from then on. */
  #lapseTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #publishFailing = false;

  constructor(options: ClusterOptions) {
    this.prefix = options.prefix;
    this.keys = clusterKeys(options.prefix);
    this.ttlMs = options.ttlMs;
    this.logger = options.logger.child({ component: 'cluster' });
    const timeout = Math.max(Math.floor(options.ttlMs / 3), 200);
    // Reconnects at most half a second apart (ioredis waits up to 2 s): Redis back after a short outage is seen
    // before the leases held here could lapse.
    const retryStrategy = (times: number) => Math.min(times * 50, RECONNECT_MAX_MS);
    this.redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: timeout, retryStrategy, connectionName: 'rtdash:cluster' }) as Scripted;
    this.redis.defineCommand('rtdashHeartbeat', { numberOfKeys: 0, lua: HEARTBEAT });
    this.redis.defineCommand('rtdashPublish', { numberOfKeys: 0, lua: PUBLISH });
    this.redis.defineCommand('rtdashRaiseFloor', { numberOfKeys: 0, lua: RAISE_FLOOR });
    // Subscriptions wait for Redis however long it is away, and are made again when it returns.
    this.#sub = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: null, retryStrategy, connectionName: 'rtdash:cluster:relay' });
    for (const r of [this.redis, this.#sub]) r.on('error', () => undefined); // reported through the heartbeat
    this.#sub.on('message', (channel: string, message: string) => {
      const entry = channelEntry(message);
      if (entry !== undefined) this.#byChannel.get(channel)?.remote(entry, Date.now());
    });
    this.#publicUrl = options.publicUrl ?? (() => undefined);
    this.metrics = new ClusterMetrics(options.registry, {
      degraded: () => this.degraded,
      members: () => this.members,
      held: () => this.#count('holder'),
      followed: () => this.#count('follower'),
    });
  }

  /** Starts the heartbeat; never waits for Redis (unreachable at boot, the instance serves on its own). */
  start(): void {
    for (const r of [this.redis, this.#sub]) if (r.status === 'wait') r.connect().catch(() => undefined);
    this.#beat();
  }

  /** A job started here: it takes part in the cluster from now on. */
  attach(job: Job): JobPlane {
    const existing = this.#jobs.get(job.key);
    if (existing !== undefined) this.#leaving.add(existing); // an earlier life of the same key, not yet let go of
    const cj = new ClusterJob(job, this);
    this.#jobs.set(job.key, cj);
    const channel = this.keys.channel(job.key);
    this.#byChannel.set(channel, cj);
    this.#sub.subscribe(channel).catch(() => undefined);
    if (this.degraded) cj.lapse(); // runs here on its own; no state to wait for
    this.#wake();
    return cj;
  }

  detach(cj: ClusterJob): void {
    this.#leaving.add(cj);
    if (this.#jobs.get(cj.key) === cj) {
      this.#jobs.delete(cj.key);
      const channel = this.keys.channel(cj.key);
      this.#byChannel.delete(channel);
      this.#sub.unsubscribe(channel).catch(() => undefined);
    }
    this.#wake();
  }

  publish(args: string[]): Promise<[number, number?]> {
    return this.redis.rtdashPublish(this.prefix, ...args);
  }

  publishFailed(job: string | undefined, err?: unknown): void {
    if (job === undefined) this.#publishFailing = false;
    else if (!this.#publishFailing) {
      this.#publishFailing = true;
      this.logger.warn({ job, err: redisError(err) }, 'could not publish an update to the cluster; its viewers wait for the next one that goes through (said once until one does)');
    }
  }

  summary(): ClusterSummary {
    // Away from Redis, this instance knows nobody else and runs every job its viewers need itself.
    if (this.degraded) return { instance: this.instance, mode: 'degraded: local', members: 1, jobsHeld: 0, jobsFollowed: 0, jobsLocal: this.#jobs.size };
    return { instance: this.instance, mode: 'cluster', members: this.members, jobsHeld: this.#count('holder'), jobsFollowed: this.#count('follower'), jobsLocal: 0 };
  }

  /** Who is in the cluster and who holds what (read from Redis). */
  status(): Promise<ClusterStatus> {
    return readClusterStatus(this.redis, this.prefix);
  }

  /** Lets go of every job (other instances take them at their next heartbeat) and leaves. */
  async close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#lapseTimer);
    await this.#beating;
    for (const cj of this.#jobs.values()) this.#leaving.add(cj);
    this.#jobs.clear();
    if (!this.degraded && this.#leaving.size > 0) {
      await this.#heartbeat([...this.#leaving].map((cj) => [cj.key, 'r'])).catch(() => undefined);
    }
    await this.redis.zrem(this.keys.members, this.instance).catch(() => undefined);
    this.redis.disconnect();
    this.#sub.disconnect();
  }

  #count(role: 'holder' | 'follower'): number {
    let n = 0;
    for (const cj of this.#jobs.values()) if (cj.role === role) n++;
    return n;
  }

  /** A heartbeat soon (a job came or went), after this turn of the event loop. */
  #wake(): void {
    if (this.#stopped) return;
    if (this.#beating !== undefined) this.#again = true;
    else {
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#beat(), 0);
    }
  }

  #beat(): void {
    if (this.#stopped) return;
    this.#beating = this.#heartbeatAll().finally(() => {
      this.#beating = undefined;
      if (this.#stopped) return;
      const every = Math.max(Math.floor(this.ttlMs / 3), 100);
      this.#timer = setTimeout(() => this.#beat(), this.#again ? 0 : every);
      this.#again = false;
    });
  }

  #heartbeat(pairs: [string, string][]): Promise<[number, string[], number]> {
    const info = JSON.stringify({ host: hostname(), pid: process.pid, url: this.#publicUrl() ?? null, startedAt: this.#startedAt });
    return this.redis.rtdashHeartbeat(this.prefix, this.instance, String(this.ttlMs), info, ...pairs.flat());
  }

  async #heartbeatAll(): Promise<void> {
    const leaving = [...this.#leaving];
    const jobs = [...this.#jobs.values()];
    const pairs: [string, string][] = [...leaving.map((cj): [string, string] => [cj.key, 'r']), ...jobs.map((cj): [string, string] => [cj.key, cj.mode])];
    const sentAt = performance.now();
    let answer: [number, string[], number];
    try {
      answer = await this.#heartbeat(pairs);
    } catch (err) {
      this.#unreachable(err);
      return;
    }
    clearTimeout(this.#lapseTimer);
    this.#lapseTimer = undefined;
    if (this.#lastOk === undefined) this.logger.info({ instance: this.instance, prefix: this.prefix, members: answer[2] }, 'joined the cluster');
    this.#lastOk = sentAt;
    for (const cj of leaving) this.#leaving.delete(cj);
    if (this.degraded) await this.#rejoin();
    this.members = answer[2];
    const answers = answer[1];
    jobs.forEach((cj, i) => {
      if (this.#jobs.get(cj.key) === cj) cj.heartbeat(answers[leaving.length + i] ?? 'free', sentAt);
    });
    this.#balance(jobs, answers.slice(leaving.length));
  }

  /**
   * More than its share held here: the jobs over it that another instance ranks first for go to that instance (it
   * takes them at its own next heartbeat), so that instances started one after another end up sharing the work.
   */
  #balance(jobs: ClusterJob[], answers: string[]): void {
    const held = jobs.filter((cj) => cj.role === 'holder').length;
    let excess = held - Math.ceil(this.#jobs.size / Math.max(1, this.members));
    jobs.forEach((cj, j) => {
      const parts = answers[j]?.split('|');
      const preferred = parts?.[0] === 'held' ? parts[3] : undefined;
      if (excess > 0 && cj.role === 'holder' && preferred !== undefined && preferred !== '' && preferred !== this.instance) {
        cj.giveUp = true;
        excess--;
      }
    });
  }

  #unreachable(err: unknown): void {
    if (this.degraded || this.#stopped) return;
    // Leases held here stay good until they could have run out: until then nothing changes hands, and then at once.
    const lapse = this.#lastOk === undefined ? 0 : this.#lastOk + this.ttlMs - Math.ceil(this.ttlMs / 10) - performance.now();
    if (lapse > 0) {
      if (this.#lapseTimer === undefined) {
        this.#lapseTimer = setTimeout(() => {
          this.#lapseTimer = undefined;
          this.#unreachable(err);
        }, lapse);
      }
      return;
    }
    this.degraded = true;
    this.logger.warn({ err: redisError(err) }, 'Redis unreachable: running jobs locally (degraded: local)');
    for (const cj of this.#jobs.values()) {
      cj.lapse();
      if (cj.job.history.status === 'pending' && cj.job.listeners.size > 0) cj.job.tick();
    }
  }

  /** Redis answers again: the jobs' viewers here hold seqs the cluster's next whole state of each job must pass. */
  async #rejoin(): Promise<void> {
    const floors: string[] = [];
    for (const cj of this.#jobs.values()) if (cj.delivered !== undefined) floors.push(cj.key, String(cj.delivered));
    if (floors.length > 0) await this.redis.rtdashRaiseFloor(this.prefix, String(JOB_RETENTION_MS), ...floors).catch(() => undefined);
    this.degraded = false;
    this.logger.info({ instance: this.instance }, 'Redis answers again: back to cluster mode');
    for (const cj of this.#jobs.values()) cj.rejoin();
  }
}
