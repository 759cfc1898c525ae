/** The messages between the soak orchestrator (soak.ts) and its misbehaving-clients process (soak-attackers.ts). */

/** How many misbehaving clients of each kind to run. */
export interface AttackMix {
  /** Subscribe, then never read a byte while sending `subscribe` again and again. */
  neverReading: number;
  /** Read everything, but send `subscribe` (with changing variable values) every `subscribeEveryMs`. */
  subscribeLoop: number;
  /** Open an HTTP request or WebSocket upgrade and send its headers a few bytes at a time, never finishing. */
  slowloris: number;
  /** Connect, subscribe, and drop the connection 100 ms later, again and again. */
  reconnecting: number;
}

/** What the misbehaving clients saw, summed over all of them. */
export interface AttackStats {
  /** Connections opened (TCP connects), by kind. */
  opened: Record<keyof AttackMix, number>;
  /** `subscribe` messages sent. */
  subscribes: number;
  /** Bytes read from the server by the clients that read. */
  bytesRead: number;
  /** WebSocket close codes the server sent, and `http NNN` for refused upgrades; with counts. */
  closes: Record<string, number>;
  /** Socket errors (resets, refused connections). */
  errors: number;
}

/** Orchestrator → attackers. */
export type AttackCommand =
  | { type: 'start'; url: string; dashboard: string; mix: AttackMix; subscribeEveryMs: number }
  | { type: 'stop' };

/** Attackers → orchestrator. */
export type AttackReport =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'stopped'; stats: AttackStats; lagP99Ms: number }
  | { type: 'failed'; error: string };
