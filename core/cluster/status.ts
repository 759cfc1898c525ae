/**
 * Who is in a cluster and who holds what, read straight from Redis: for `GET /api/cluster` and `rtdash cluster
 * status`, which works with every instance down too.
 */
import type { Redis } from 'ioredis';
import { clusterKeys } from './scripts.js';

export interface MemberStatus {
  id: string;
  host: string | null;
  pid: number | null;
  url: string | null;
  /** Milliseconds until its membership runs out without a heartbeat. */
  expiresInMs: number;
  jobsHeld: number;
}

export interface JobStatus {
  key: string;
  /** The instance holding its lease, or null while nobody does. */
  holder: string | null;
  epoch: number | null;
  /** The seq of its latest published update, or null. */
  seq: number | null;
  wantedBy: string[];
}

export interface ClusterStatus {
  prefix: string;
  members: MemberStatus[];
  jobs: JobStatus[];
}

/** Reads the cluster of `prefix`. */
export async function readClusterStatus(redis: Redis, prefix: string): Promise<ClusterStatus> {
  const keys = clusterKeys(prefix);
  const [time, memberScores, jobKeys] = await Promise.all([redis.time(), redis.zrange(keys.members, '0', '-1', 'WITHSCORES'), redis.zrange(keys.jobs, '0', '-1')]);
  const now = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
  const live: { id: string; expires: number }[] = [];
  for (let i = 0; i + 1 < memberScores.length; i += 2) {
    const expires = Number(memberScores[i + 1]);
    if (expires > now) live.push({ id: memberScores[i]!, expires });
  }
  const pipeline = redis.pipeline();
  for (const m of live) pipeline.get(keys.member(m.id));
  for (const key of jobKeys) {
    pipeline.get(keys.lease(key));
    pipeline.xrevrange(keys.log(key), '+', '-', 'COUNT', 1);
    pipeline.zrangebyscore(keys.want(key), String(now), '+inf');
  }
  const results = ((await pipeline.exec()) ?? []).map(([err, value]) => (err ? null : value));
  const jobs: JobStatus[] = [];
  jobKeys.forEach((key, i) => {
    const base = live.length + i * 3;
    const lease = results[base] as string | null;
    const last = (results[base + 1] as [string, string[]][] | null)?.[0];
    const wantedBy = (results[base + 2] as string[] | null) ?? [];
    if (lease === null && wantedBy.length === 0) return; // nobody runs or wants it: a job of the past
    const split = lease?.lastIndexOf('|') ?? -1;
    jobs.push({
      key,
      holder: lease === null ? null : lease.slice(0, split),
      epoch: lease === null ? null : Number(lease.slice(split + 1)),
      seq: last === undefined ? null : Number(last[0].split('-')[0]),
      wantedBy,
    });
  });
  const members = live.map((m, i): MemberStatus => {
    const info = parseInfo(results[i] as string | null);
    return { id: m.id, host: info.host ?? null, pid: info.pid ?? null, url: info.url ?? null, expiresInMs: m.expires - now, jobsHeld: jobs.filter((j) => j.holder === m.id).length };
  });
  return { prefix, members, jobs };
}

function parseInfo(text: string | null): { host?: string; pid?: number; url?: string } {
  if (text === null) return {};
  try {
    return JSON.parse(text) as { host?: string; pid?: number; url?: string };
  } catch {
    return {};
  }
}

/** The status as the terminal shows it: the members, then each job with its holder. */
export function formatClusterStatus(status: ClusterStatus): string {
  const lines = [`cluster "${status.prefix}": ${status.members.length} instance${status.members.length === 1 ? '' : 's'}, ${status.jobs.length} job${status.jobs.length === 1 ? '' : 's'}`, ''];
  lines.push('INSTANCE'.padEnd(44) + 'JOBS HELD  URL');
  for (const m of status.members) lines.push(m.id.padEnd(44) + String(m.jobsHeld).padEnd(11) + (m.url ?? '-'));
  if (status.jobs.length > 0) {
    lines.push('', 'JOB'.padEnd(60) + 'HOLDER'.padEnd(44) + 'EPOCH  SEQ');
    for (const j of status.jobs) lines.push(j.key.padEnd(60) + (j.holder ?? '(none)').padEnd(44) + String(j.epoch ?? '-').padEnd(7) + String(j.seq ?? '-'));
  }
  return lines.join('\n');
}
