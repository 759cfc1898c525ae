/**
 * CPU profiles of the measured window only: started and stopped inside the server process through
 * the inspector, then summarised as the functions with the most self time.
 */
import { writeFileSync } from 'node:fs';
import { Session, type Profiler, type Runtime } from 'node:inspector/promises';

/** Sampling interval in microseconds (V8's default is 1000). */
const SAMPLING_US = 200;

/** Profiles this process between `start` and `stop`. */
export class WindowProfiler {
  #session: Session | undefined;

  /** Starts sampling. */
  async start(): Promise<void> {
    this.#session = new Session();
    this.#session.connect();
    await this.#session.post('Profiler.enable');
    await this.#session.post('Profiler.setSamplingInterval', { interval: SAMPLING_US });
    await this.#session.post('Profiler.start');
  }

  /** Stops sampling and writes the `.cpuprofile` (loadable in Chrome DevTools) to `file`. */
  async stop(file: string): Promise<void> {
    const session = this.#session;
    if (session === undefined) throw new Error('the profiler was not started');
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    this.#session = undefined;
    writeFileSync(file, JSON.stringify(profile));
  }
}

/** One function's share of a profile. */
export interface ProfileLine {
  /** `name (file:line)`. */
  where: string;
  selfMs: number;
  /** Percent of the non-idle samples. */
  percent: number;
}

/** The `top` functions by self time, idle time left out. */
export function topSelfTime(profile: Profiler.Profile, top: number): ProfileLine[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busyUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = nodes.get(samples[i]!);
    // timeDeltas[i + 1] is the time until the next sample: the time spent where sample i was taken.
    const us = deltas[i + 1] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    const key = describe(node.callFrame);
    selfUs.set(key, (selfUs.get(key) ?? 0) + us);
    busyUs += us;
  }
  return [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, us]) => ({ where, selfMs: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
}

function describe(frame: Runtime.CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|dist)\//, '$1/');
  return `${name} (${file}:${frame.lineNumber + 1})`;
}
