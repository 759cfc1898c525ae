/**
 * What the cluster published, read from the jobs' streams in Redis (`<prefix>:job:{<key>}:log`, entry ids
 * `<seq>-0`, fields `at` and `body`): each update's seq, the query run that made it (scenario's `run`) and when
 * the holder made it. The suite's ground truth for matching what viewers received, on any instance.
 */
import type { Redis } from 'ioredis';
import type { Holders } from './cluster-instances.js';
import { runOfBody } from './cluster-scenario.js';

/** Per widget, `[seq, run, at, …]` of every update its job's stream holds. */
export type Published = Record<string, number[]>;

/** Reads the streams of the jobs in `holders`. */
export async function readPublished(redis: Redis, prefix: string, holders: Holders): Promise<Published> {
  const published: Published = {};
  for (const [widget, { key }] of holders) {
    const entries = await redis.xrange(`${prefix}:job:{${key}}:log`, '-', '+');
    published[widget] = entries.flatMap(([id, fields]) => [seqOf(id), runOfBody(field(fields, 'body') ?? ''), Number(field(fields, 'at'))]);
  }
  return published;
}

/** When each run's update was made at its holder: `[run, at, …]` over every widget. */
export function runTimes(published: Published): number[] {
  return Object.values(published).flatMap((flat) => flat.flatMap((v, i) => (i % 3 === 0 ? [] : [v])));
}

/** A stream entry's seq (its id is `<seq>-0`). */
export function seqOf(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

function field(fields: string[], name: string): string | undefined {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
}
