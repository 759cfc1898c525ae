/**
 * The `system` data source: the host's and this rtdash process's own figures, one row at the current time
 * per query. Needs no options. See README.md for the queries and their columns.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { packageRoot } from '../../core/paths.js';
import { definePlugin, type DataSource, type Frame, type Health, type JsonSchema, type PluginContext } from '../../core/plugin.js';

/** Every query the system source answers. */
export const SYSTEM_QUERIES = ['process', 'event_loop', 'host', 'rtdash', 'uptime'] as const;
/** A widget's `query:` for the system source. */
export type SystemQuery = (typeof SYSTEM_QUERIES)[number];
/** The system source takes no options. */
export type SystemOptions = Record<string, never>;

/** The part of Node's event-loop delay histogram the source uses: the seam tests replace. */
export type LagMonitor = Pick<IntervalHistogram, 'enable' | 'disable' | 'reset' | 'percentile' | 'max' | 'count'>;

/** Sampling interval of the event-loop monitor; it is subtracted from readings, which include it. */
export const LAG_RESOLUTION_MS = 10;
/** Event-loop lag (p99) past which health() reports `degraded`: the server itself is struggling. */
export const DEGRADED_LAG_MS = 1000;
/**
 * Readings taken closer together than this reuse the previous one: several widgets share the instance, and a
 * second widget querying a millisecond after the first would otherwise see a zero-length, meaningless window.
 */
const MIN_SAMPLE_MS = 100;

interface Lag {
  p50: number;
  p99: number;
  max: number;
}

/**
 * Builds a system source. `monitor` defaults to Node's `monitorEventLoopDelay`; pass a fake to test.
 * @example const source = createSystemSource(fakePluginContext({}));
 */
export function createSystemSource(
  ctx: PluginContext<SystemOptions>,
  monitor: LagMonitor = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS }),
): DataSource<SystemQuery> {
  let closed = false;
  monitor.enable();

  // CPU is a rate: the time the process spent on CPU since the previous reading, over the wall time in between.
  let cpuMark = { usage: process.cpuUsage(), at: performance.now() };
  let cpuPercent: number | undefined;
  const readCpu = (): number => {
    const at = performance.now();
    const elapsedMs = at - cpuMark.at;
    if (cpuPercent !== undefined && elapsedMs < MIN_SAMPLE_MS) return cpuPercent;
    const usage = process.cpuUsage();
    const busyMs = (usage.user - cpuMark.usage.user + usage.system - cpuMark.usage.system) / 1000;
    cpuPercent = elapsedMs > 0 ? round((busyMs / elapsedMs) * 100, 2) : 0;
    cpuMark = { usage, at };
    return cpuPercent;
  };

  // The histogram is reset after each reading, so a row describes the lag since the previous query.
  let lagMarkAt = performance.now();
  let lag: Lag | undefined;
  const readLag = (): Lag | undefined => {
    const at = performance.now();
    if (lag !== undefined && at - lagMarkAt < MIN_SAMPLE_MS) return lag;
    if (monitor.count === 0) return lag;
    lag = { p50: lagMs(monitor.percentile(50)), p99: lagMs(monitor.percentile(99)), max: lagMs(monitor.max) };
    monitor.reset();
    lagMarkAt = at;
    return lag;
  };

  const close = (): void => {
    if (closed) return;
    closed = true;
    monitor.disable();
  };
  ctx.signal.addEventListener('abort', close, { once: true });

  return {
    async query(query, qctx): Promise<Frame> {
      qctx.signal.throwIfAborted();
      if (closed) throw new Error(`system source "${ctx.name}" is closed`);
      switch (query) {
        case 'process': {
          const memory = process.memoryUsage();
          return row({ cpu_percent: readCpu(), rss_bytes: memory.rss, heap_used_bytes: memory.heapUsed, heap_total_bytes: memory.heapTotal });
        }
        case 'event_loop': {
          const l = readLag();
          return row({ lag_p50_ms: l?.p50 ?? null, lag_p99_ms: l?.p99 ?? null, lag_max_ms: l?.max ?? null });
        }
        case 'host': {
          const [load1 = 0, load5 = 0, load15 = 0] = os.loadavg();
          const total = os.totalmem();
          return row({
            load1: round(load1, 2),
            load5: round(load5, 2),
            load15: round(load15, 2),
            mem_used_bytes: total - os.freemem(),
            mem_total_bytes: total,
            cpus: os.availableParallelism(),
          });
        }
        case 'rtdash': {
          const s = ctx.runtime.stats();
          return row({
            viewers: s.viewers,
            connections: s.connections,
            jobs: s.jobs,
            queries_per_second: s.queriesPerSecond,
            messages_sent: s.messagesSent,
            bytes_sent: s.bytesSent,
          });
        }
        case 'uptime':
          return row({ process_seconds: round(process.uptime(), 1), host_seconds: round(os.uptime(), 1) });
        default:
          throw new Error(`unknown query: expected one of ${SYSTEM_QUERIES.map((q) => JSON.stringify(q)).join(', ')}; got ${JSON.stringify(query)}`);
      }
    },
    async health(): Promise<Health> {
      if (closed) return { status: 'down', message: 'closed' };
      // Peek without resetting, so health checks do not steal samples from the event_loop query.
      const p99 = monitor.count > 0 ? lagMs(monitor.percentile(99)) : 0;
      if (p99 > DEGRADED_LAG_MS) return { status: 'degraded', message: `event-loop lag p99 is ${p99} ms` };
      return { status: 'ok' };
    },
    close,
  };
}

/** The `system` plugin definition. */
export default definePlugin<SystemOptions, SystemQuery>({
  type: 'system',
  description: "The host's load and memory and this rtdash process's CPU, memory, event-loop lag and activity.",
  optionsSchema: schema('options.schema.json'),
  querySchema: schema('query.schema.json'),
  create: (ctx) => createSystemSource(ctx),
});

/** One row at the current time; `null` where there is no reading yet. */
function row(values: Record<string, number | null>): Frame {
  const fields: Frame['fields'] = [{ name: 'time', type: 'time', values: [Date.now()] }];
  for (const [name, value] of Object.entries(values)) fields.push({ name, type: 'number', values: [value] });
  return { fields };
}

/** Histogram nanoseconds to lag in ms: the readings include the sampling interval itself. */
function lagMs(ns: number): number {
  return round(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS), 3);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function schema(file: string): JsonSchema {
  return JSON.parse(readFileSync(join(packageRoot, 'plugins', 'system', file), 'utf8')) as JsonSchema;
}
