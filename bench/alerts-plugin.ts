/**
 * The alert suite's data source (`alertbench`): deterministic noisy series on a whole-second grid, so a
 * widget's first run gets its whole `keep` window of history (300 to 4,200 points) and every later run
 * the one new point per series; `hosts` splits each point into one row per host for `by:` rules. And a
 * `level` query whose value the suite flips across a threshold, logging when each run read and returned it.
 */
import { performance } from 'node:perf_hooks';
import { definePlugin, type Frame } from '../core/plugin.js';

/** What an alert-bench widget asks for. */
export interface AlertBenchQuery {
  /** `series`: one noisy series; `level`: the value of `level.value`. */
  kind: 'series' | 'level';
  /** Seeds the series (tells widgets apart). */
  seed?: number;
  /** For `series`: one row per host per point, with a `host` column. */
  hosts?: number;
}

/** One run of the `level` query: when it started and returned (performance.now()), and what it returned. */
export interface LevelRun {
  ranAt: number;
  returnedAt: number;
  value: number;
}

/** The level the delay test moves, and every run that read it. */
export const level: { value: number; runs: LevelRun[] } = { value: 0, runs: [] };

/** Grid spacing of the series. */
const STEP_MS = 1000;

/** A cheap deterministic hash to [0, 1). */
function unit(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x27d4eb2d);
  h ^= h >>> 13;
  return (h >>> 0) / 2 ** 32;
}

/**
 * The value of series `seed` at epoch second `s`: 50 ± 10 on a sine with a period of 7 to 20 minutes,
 * plus noise of ± 5; so thresholds near 60–65 are crossed now and then, and some rules fire and resolve.
 */
export function seriesValue(seed: number, s: number): number {
  const period = 420 + (seed % 13) * 60;
  return 50 + 10 * Math.sin((2 * Math.PI * s) / period + seed) + 10 * (unit(seed, s) - 0.5);
}

/** The `alertbench` plugin definition. */
export const alertBenchPlugin = definePlugin<Record<string, never>, AlertBenchQuery>({
  type: 'alertbench',
  description: 'Noisy series with history, and a level to flip, for the alert benchmark',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  querySchema: {
    type: 'object',
    required: ['kind'],
    additionalProperties: false,
    properties: { kind: { enum: ['series', 'level'] }, seed: { type: 'integer', minimum: 0 }, hosts: { type: 'integer', minimum: 1 } },
  },
  create() {
    return {
      query(query, ctx): Promise<Frame> {
        if (query.kind === 'level') {
          const ranAt = performance.now();
          const value = level.value;
          const frame: Frame = { fields: [{ name: 'time', type: 'time', values: [ctx.range.to] }, { name: 'value', type: 'number', values: [value] }] };
          level.runs.push({ ranAt, returnedAt: performance.now(), value });
          return Promise.resolve(frame);
        }
        const seed = query.seed ?? 0;
        const hosts = query.hosts ?? 0;
        const times: number[] = [];
        const values: number[] = [];
        const hostNames: string[] = [];
        // Points on the grid within (from, to].
        for (let t = Math.floor(ctx.range.from / STEP_MS) * STEP_MS + STEP_MS; t <= ctx.range.to; t += STEP_MS) {
          const s = t / STEP_MS;
          if (hosts === 0) {
            times.push(t);
            values.push(seriesValue(seed, s));
          } else {
            for (let h = 0; h < hosts; h++) {
              times.push(t);
              values.push(seriesValue(seed * 100 + h, s));
              hostNames.push(`web-${h}`);
            }
          }
        }
        const fields: Frame['fields'] = [
          { name: 'time', type: 'time', values: times },
          { name: 'value', type: 'number', values },
        ];
        if (hosts > 0) fields.push({ name: 'host', type: 'string', values: hostNames });
        return Promise.resolve({ fields });
      },
      async health() {
        return { status: 'ok' };
      },
    };
  },
});
