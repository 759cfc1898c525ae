/** The messages between the orchestrator (run.ts) and its child processes, over the fork IPC channel. */

/** Orchestrator → server process (rtdash-peer or naive-peer). */
export type ServerCommand =
  /** Report CPU time and RSS; `gc` first collects garbage so RSS is comparable. */
  | { type: 'sample'; gc: boolean }
  | { type: 'profile-start' }
  /** Stops the profiler and writes the profile to `file`. */
  | { type: 'profile-stop'; file: string }
  | { type: 'stop' };

/** Server process → orchestrator. */
export type ServerReport =
  | { type: 'ready'; port: number }
  /**
   * `cpuMicros`: user + system CPU time since the process started. `fanoutMs`: how long each
   * synchronous fan-out pass (one tick's sends to every viewer) took since the previous sample.
   */
  | { type: 'sample'; cpuMicros: number; rss: number; connections: number; fanoutMs: number[] }
  | { type: 'profiling' }
  | { type: 'profiled'; file: string }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };

/** Orchestrator → load process (load.ts, socketio-load.ts). */
export type LoadCommand =
  /**
   * Opens `viewers` viewers, at most `concurrency` connecting at once. Viewer `first + i` watches
   * `dashboards[(first + i) mod dashboards.length]`, so the viewers of all load processes spread evenly.
   */
  | { type: 'open'; url: string; dashboards: string[]; first: number; viewers: number; concurrency: number; timeoutMs: number }
  /** Starts the measured window: counters and the CPU clock restart. */
  | { type: 'start' }
  /** Ends the measured window and reports it. */
  | { type: 'stop' }
  /** Closes every viewer, reports, and exits. */
  | { type: 'close' };

/** What one load process saw in the measured window. */
export interface LoadWindow {
  /** Widget updates received (one update to one viewer is one delivery). */
  deliveries: number;
  /** WebSocket messages carrying them. */
  messages: number;
  /** Catch-up messages (`resumed`) among them: the server had held the viewer back as slow. */
  resumed: number;
  /** Messages other than updates (errors, snapshots). */
  other: number;
  wallMs: number;
  /** The load process's own user + system CPU time in the window. */
  cpuMicros: number;
  /** Latency histogram as [milliseconds, count] pairs. */
  latency: [number, number][];
  /** Viewers closed by the server since they subscribed, by close code. */
  closes: Record<string, number>;
  errors: number;
  /** Updates (outside the window) where load.ts's byte scan disagreed with JSON.parse; should be 0. */
  scanMismatches: number;
}

/** Load process → orchestrator. */
export type LoadReport =
  | { type: 'opened'; subscribed: number; failed: number; ms: number; firstError?: string }
  | { type: 'started' }
  | ({ type: 'result' } & LoadWindow)
  | { type: 'closed' };
