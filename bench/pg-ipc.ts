/**
 * The messages of the PostgreSQL benchmark between the orchestrator and its children, on top of the
 * fan-out benchmark's (ipc.ts): the server process is configured first and keeps a trace of the push
 * chain; the viewers also report when they saw each new order in the listening widget.
 */
import type { LoadReport, LoadWindow, ServerCommand, ServerReport } from './ipc.js';

/** Orchestrator → rtdash pg server process. */
export type PgServerCommand =
  | ServerCommand
  /** First message: what to connect to and the hub's coalescing window; answered with `ready`. */
  | { type: 'configure'; url: string; applicationName: string; coalesceMs: number }
  /** Whether the source's LISTEN connection is up, and what ran so far. */
  | { type: 'status' }
  /** The trace of what the server did since it started. */
  | { type: 'trace' };

/** One query of a bench widget as the server ran it; times in ms of the machine's clock (see clockMs). */
export interface QueryEvent {
  widget: string;
  start: number;
  end: number;
  /** For the listening widget: the newest order id in its result. */
  lastId?: number;
  error?: string;
}

/** One hub flush: one coalesced message to every viewer. */
export interface FlushEvent {
  start: number;
  end: number;
}

/** What the server process saw, for counting queries and for taking push latency apart. */
export interface ServerTrace {
  /** When the source called the core back for a NOTIFY (after the plugin's own burst coalescing). */
  notified: number[];
  queries: QueryEvent[];
  flushes: FlushEvent[];
  /** When the last viewer left (its jobs stop at their next tick), if it has. */
  idleSince?: number;
  /** Events dropped once the trace was full. */
  dropped: number;
  /** Date.now() minus clockMs() when the trace was taken: turns its times into wall-clock ones. */
  wallMinusClock: number;
}

/** rtdash pg server process → orchestrator. */
export type PgServerReport =
  | ServerReport
  | { type: 'status'; listening: boolean; queries: number; viewers: number }
  | { type: 'trace'; trace: ServerTrace };

/** Orchestrator → pg load process: the same as load.ts's commands. */
export type PgLoadCommand =
  | { type: 'open'; url: string; dashboard: string; viewers: number; concurrency: number; timeoutMs: number }
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'close' };

/** What one pg load process saw in the measured window. */
export interface PgLoadWindow extends LoadWindow {
  /**
   * Per viewer, each time the listening widget showed a newer order: `[id, clock ms, id, clock ms, …]` (see clockMs),
   * the receipt time taken before the message is looked at.
   */
  receipts: number[][];
  /** Updates (outside the window) where the listening widget's id scan disagreed with JSON.parse; should be 0. */
  liveMismatches: number;
}

/** pg load process → orchestrator. */
export type PgLoadReport = Exclude<LoadReport, { type: 'result' }> | ({ type: 'result' } & PgLoadWindow);
