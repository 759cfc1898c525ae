/** The messages between the cluster suite's orchestrator and its load processes (cluster-load.ts). */
import type { Continuity } from './cluster-continuity.js';

/** Orchestrator → cluster load process. */
export type ClusterLoadCommand =
  /** Opens `viewers` viewers; viewer `first + i` watches the dashboard on `urls[(first + i) mod urls.length]`, as a round-robin balancer would place it. */
  | { type: 'open'; urls: string[]; dashboard: string; first: number; viewers: number; concurrency: number; timeoutMs: number }
  /** Starts the measured window. */
  | { type: 'start' }
  /** Ends the measured window and reports it. */
  | { type: 'stop' }
  /**
   * The window's latencies, from when the holder made each update (`[run, at, …]`, from the jobs' streams): a
   * relaying instance dates a change by its own clock, so the wire does not say when the holder made it.
   */
  | { type: 'latency'; runTimes: number[] }
  /** From now on, every viewer keeps each entry it receives (seq, time), for `verify`. */
  | { type: 'track' }
  /** Instance `dead` is gone: its viewers subscribe again on the `targets`, round-robin, with their version and resume cursor. */
  | { type: 'move'; dead: number; dashboard: string; targets: { index: number; url: string }[]; concurrency: number; timeoutMs: number }
  /** Checks the entries kept since `track` against what the cluster published: per widget, `[seq, run, at, …]` from its stream. */
  | { type: 'verify'; truth: Record<string, number[]> }
  | { type: 'close' };

/** What the viewers of one load process saw in the measured window. */
export interface ClusterLoadWindow {
  wallMs: number;
  /** The load process's own CPU in the window, µs. */
  cpuMicros: number;
  /** Entries received, per instance the viewers are on. */
  deliveries: number[];
  /** Messages carrying them, per instance. */
  messages: number[];
  /** Latency from when the holder made each entry to its receipt, ms: `[ms, count]` pairs per `instance * widgets + widget`. */
  latency: [number, number][][];
  /** Entries whose run is in no stream (trimmed already, or never published): not in `latency`. */
  unmatched: number;
  /** Catch-up messages (the server held a viewer back as slow). */
  resumed: number;
  /** Messages other than updates. */
  other: number;
  errors: number;
  /** Viewers closed by a server, by close code (outside a failover's kill). */
  closes: Record<string, number>;
}

/** How the viewers of a dead instance came back. */
export interface Moved {
  /** Viewers that were on the dead instance. */
  viewers: number;
  /** Those whose resume was answered (an update with `resumed`). */
  resumed: number;
  /** Those answered with a fresh snapshot instead (the dashboard's version had changed). */
  reloaded: number;
  failed: number;
  firstError?: string;
  /** From the command to the last answer, ms. */
  ms: number;
}

/** Cluster load process → orchestrator. */
export type ClusterLoadReport =
  | { type: 'opened'; subscribed: number; failed: number; ms: number; firstError?: string }
  | { type: 'started' }
  | ({ type: 'result' } & Omit<ClusterLoadWindow, 'latency' | 'unmatched'>)
  | { type: 'latencies'; latency: [number, number][][]; unmatched: number }
  | { type: 'tracking' }
  | ({ type: 'moved' } & Moved)
  /** `catchUps`: messages with `resumed` since `track` (the moved viewers' resume answers among them); `example`: the first entry out of order, in words. */
  | { type: 'verified'; survivors: Continuity; moved: Continuity; catchUps: number; example?: string }
  | { type: 'closed' }
  | { type: 'failed'; error: string };
