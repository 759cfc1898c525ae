/** The benchmark's knobs, read from BENCH_* environment variables, and the machine limits they meet. */
import { readFileSync } from 'node:fs';

/** A server implementation under test. */
export type Impl = 'rtdash' | 'naive';

/** What one `npm run bench` does. */
export interface Settings {
  /** Viewer counts to run, in order (BENCH_VIEWERS=100,1000,5000). */
  viewers: number[];
  /** Implementations, in order (BENCH_IMPLS=rtdash,naive). */
  impls: Impl[];
  /** Length of the measured window (BENCH_SECONDS=10). */
  seconds: number;
  /** Time between the last viewer subscribing and the window (BENCH_WARMUP=3). */
  warmupSeconds: number;
  /** Viewers per load process; more viewers are split over more processes (BENCH_VIEWERS_PER_LOAD=5000). */
  viewersPerLoad: number;
  /** Profile rtdash's measured window at each size and print the top functions (BENCH_PROFILE=1). */
  profile: boolean;
}

/** Reads the settings; throws with the variable's name when one is malformed or out of range. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const impls = list(env.BENCH_IMPLS, 'rtdash,naive', 'BENCH_IMPLS').map((name) => {
    if (name !== 'rtdash' && name !== 'naive') throw new Error(`BENCH_IMPLS: unknown implementation "${name}"; expected rtdash or naive`);
    return name;
  });
  return {
    viewers: list(env.BENCH_VIEWERS, '100,1000,5000', 'BENCH_VIEWERS').map((v) => int(v, 'BENCH_VIEWERS', 1, 20_000)),
    impls,
    seconds: int(env.BENCH_SECONDS ?? '10', 'BENCH_SECONDS', 1, 120),
    warmupSeconds: int(env.BENCH_WARMUP ?? '3', 'BENCH_WARMUP', 0, 60),
    viewersPerLoad: int(env.BENCH_VIEWERS_PER_LOAD ?? '5000', 'BENCH_VIEWERS_PER_LOAD', 100, 20_000),
    profile: env.BENCH_PROFILE === '1',
  };
}

/** The soft limit on open files of this process (children inherit it), or undefined off Linux. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

function list(value: string | undefined, fallback: string, name: string): string[] {
  const items = (value ?? fallback).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new Error(`${name} is empty`);
  return items;
}

function int(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected a whole number from ${min} to ${max}; got "${text}"`);
  return n;
}
