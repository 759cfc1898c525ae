/**
 * What the unit tests of core/ share: a data source that counts its queries, a real dashboard parsed
 * from YAML, metrics, and a transport that records what a client would have been sent.
 */
import { parseDashboard } from './config/dashboard-config.js';
import { DEFAULT_LIMITS } from './config/server-config.js';
import { Metrics } from './metrics.js';
import type { Dashboard, Limits } from './model.js';
import type { SourceInstance } from './registry.js';
import type { PeerTransport } from './stream/peer.js';
import type { Outgoing } from './stream/protocol.js';

/** Metrics of a server with no viewers, for units that only bump counters. */
export function testMetrics(): Metrics {
  return new Metrics({ viewers: () => 0, connections: () => 0, jobs: () => 0 });
}

/** Limits at their defaults, with `overrides`. */
export function testLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...DEFAULT_LIMITS, ...overrides };
}

/** A source named `s` whose every query returns one time row (or what `answer` returns), counting calls. */
export function countingSource(answer?: (calls: number) => unknown): { instance: SourceInstance; calls: () => number } {
  let calls = 0;
  const instance = {
    config: { name: 's', type: 't', options: {} },
    plugin: {},
    source: {
      query: async (_q: unknown, ctx: { range: { to: number } }) => {
        calls++;
        return answer ? answer(calls) : { fields: [{ name: 'time', type: 'time', values: [ctx.range.to] }] };
      },
      health: async () => ({ status: 'ok' }),
    },
    close: async () => undefined,
  } as unknown as SourceInstance;
  return { instance, calls: () => calls };
}

/**
 * A dashboard parsed from YAML whose widgets may use source `s`.
 * @example unitDashboard('id: d\ntitle: D\nwidgets:\n  - { id: w, title: W, type: line, source: s, query: q, every: 1s }\n')
 */
export function unitDashboard(yaml: string): Dashboard {
  return parseDashboard(yaml, 'unit.yaml', { sources: (name) => (name === 's' ? { type: 't' } : undefined) });
}

/** A transport that keeps what it was sent, with a send buffer the test sets. */
export class RecordingTransport implements PeerTransport {
  readonly kind = 'ws' as const;
  readonly ip = '192.0.2.1';
  readonly sent: Outgoing[] = [];
  /** What bufferedBytes() answers. */
  buffered = 0;
  closedWith: { code: number; reason: string } | undefined;

  send(message: Outgoing): void {
    this.sent.push(message);
  }

  bufferedBytes(): number {
    return this.buffered;
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
  }

  /** The types of the messages sent, in order. */
  types(): string[] {
    return this.sent.map((m) => (JSON.parse(m.json) as { type: string }).type);
  }
}
