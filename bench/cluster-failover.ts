/**
 * The failover part of a cluster measurement: SIGKILL of the instance holding the most jobs, then how long until
 * each of its jobs publishes again from another instance (the first update past the last one the killed instance
 * had published, timed when it reached a subscriber of the job's channel), its viewers moved to the survivors with their resume
 * cursor, and every viewer's entries checked against the jobs' streams.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Child } from './child.js';
import { addContinuity, noContinuity, type Continuity } from './cluster-continuity.js';
import type { ClusterLoadCommand, ClusterLoadReport, Moved } from './cluster-ipc.js';
import { CLUSTER_DASHBOARD_ID, WIDGET_IDS } from './cluster-scenario.js';
import type { Instances } from './cluster-instances.js';
import { readPublished, seqOf } from './cluster-streams.js';
import { CONNECT_CONCURRENCY, VIEWER_TIMEOUT_MS } from './pg-measure.js';

/** Entries kept before the kill, so the check sees each viewer's updates run up to it. */
const BEFORE_KILL_MS = 1500;
/** Entries kept after the last job published again, so the check sees the new holders' updates. */
const AFTER_MS = 3000;
/** Polling step while waiting for the jobs to publish again. */
const POLL_MS = 25;
/** Lease log lines counted on the survivors after the kill. */
const LEASE_LOGS = ['took the lease of a job', 'lost the lease of a job', 'write refused: another instance holds the job', 'handed a job over to the instance preferred for it'];

/** What the failover showed. */
export interface Failover {
  /** The killed instance's index. */
  killed: number;
  /** The widgets whose jobs it held, and their new holders' indexes (-1: none). */
  widgets: string[];
  newHolders: number[];
  /** Per widget: ms from the kill to its new holder's first update reaching a subscriber (NaN: none in time). */
  republishMs: number[];
  moved: Moved;
  /** Viewers that were on the surviving instances. */
  survivors: Continuity;
  /** Viewers that were on the killed instance. */
  movedContinuity: Continuity;
  /** The survivors' lease log lines after the kill, by message. */
  logs: Record<string, number>;
  /** Messages with `resumed` the viewers got from just before the kill to the check, the moved viewers' resume answers among them. */
  catchUps: number;
  /** The first entry a viewer got out of order, in words, if any. */
  example?: string;
}

type Load = Child<ClusterLoadCommand, ClusterLoadReport>;

/** Kills the busiest instance and measures what follows; `deadlineMs` bounds the wait for its jobs to come back. */
export async function runFailover(instances: Instances, loads: Load[], admin: Redis, redisUrl: string, prefix: string, deadlineMs: number): Promise<Failover> {
  const holders = await instances.holders();
  const held = instances.running.map((i) => [...holders.values()].filter((h) => h.index === i.index).length);
  const victim = instances.running[held.indexOf(Math.max(...held))]!;
  const jobs = WIDGET_IDS.filter((w) => holders.get(w)?.index === victim.index).map((w) => ({ widget: w, ...holders.get(w)! }));
  const sub = new Redis(redisUrl);
  const heard = new Map<string, Map<number, number>>();
  sub.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const at = Date.now();
    const seqs = heard.get(channel) ?? new Map<number, number>();
    heard.set(channel, seqs);
    const seq = Number(message.slice(0, message.indexOf('|')));
    if (!seqs.has(seq)) seqs.set(seq, at);
  });
  try {
    await sub.psubscribe(`${prefix}:job:*`);
    await Promise.all(loads.map((load) => load.request({ type: 'track' }, 'tracking', 10_000)));
    await sleep(BEFORE_KILL_MS);

    const killedAt = Date.now();
    await instances.kill(victim);
    const targets = instances.running.map((i) => ({ index: i.index, url: i.url }));
    const moving = Promise.all(loads.map((load) => load.request({ type: 'move', dead: victim.index, dashboard: CLUSTER_DASHBOARD_ID, targets, concurrency: CONNECT_CONCURRENCY, timeoutMs: VIEWER_TIMEOUT_MS }, 'moved', 60_000)));

    // The killed instance published up to here: its lease outlives it by at least two thirds of a ttl, so nobody
    // else can have published yet. (The stream entries carry no epoch to tell holders apart.)
    const tops = await Promise.all(jobs.map(async (job) => seqOf((await admin.xrevrange(`${prefix}:job:{${job.key}}:log`, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0')));
    const firstAfter = (k: number): number | undefined => {
      const seqs = heard.get(`${prefix}:job:{${jobs[k]!.key}}`);
      const times = [...(seqs ?? new Map<number, number>())].filter(([seq]) => seq > tops[k]!).map(([, at]) => at);
      return times.length === 0 ? undefined : Math.min(...times);
    };
    const deadline = killedAt + deadlineMs;
    while (jobs.some((_, k) => firstAfter(k) === undefined) && Date.now() < deadline) await sleep(POLL_MS);
    const republishMs = jobs.map((_, k) => (firstAfter(k) ?? Number.NaN) - killedAt);
    const movedReports = await moving;
    await sleep(AFTER_MS);

    const truth = await readPublished(admin, prefix, holders);
    const verified = await Promise.all(loads.map((load) => load.request({ type: 'verify', truth }, 'verified', 60_000)));
    const example = verified.map((v) => v.example).find((e) => e !== undefined);
    const after = await instances.holders();
    const logs: Record<string, number> = {};
    for (const instance of instances.running) {
      for (const line of instance.cli.logs()) {
        if (line.time >= killedAt && line.msg !== undefined && LEASE_LOGS.includes(line.msg)) logs[line.msg] = (logs[line.msg] ?? 0) + 1;
      }
    }
    return {
      killed: victim.index,
      widgets: jobs.map((j) => j.widget),
      newHolders: jobs.map((j) => after.get(j.widget)?.index ?? -1),
      republishMs,
      moved: movedReports.reduce(addMoved, { viewers: 0, resumed: 0, reloaded: 0, failed: 0, ms: 0 }),
      survivors: verified.map((v) => v.survivors).reduce(addContinuity, noContinuity()),
      movedContinuity: verified.map((v) => v.moved).reduce(addContinuity, noContinuity()),
      logs,
      catchUps: verified.reduce((n, v) => n + v.catchUps, 0),
      ...(example !== undefined && { example }),
    };
  } finally {
    sub.disconnect();
  }
}

/** Two load processes' moves as one. */
function addMoved(a: Moved, b: Moved): Moved {
  const firstError = a.firstError ?? b.firstError;
  return { viewers: a.viewers + b.viewers, resumed: a.resumed + b.resumed, reloaded: a.reloaded + b.reloaded, failed: a.failed + b.failed, ms: Math.max(a.ms, b.ms), ...(firstError !== undefined && { firstError }) };
}
