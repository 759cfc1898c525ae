/**
 * Backpressure: every byte queued for a client goes through here and counts against one bound.
 *
 * - Replies (hello, snapshots, catch-ups, alerts, errors) and updates alike: a message that would take
 *   a client's queue past `max_client_queue_bytes` is not queued; the client is closed with 4008 at once
 *   and forgotten, so its memory goes with its socket.
 * - Updates: a client whose queue passes `slow_client_bytes` stops getting them and falls behind; once
 *   it drains to half of that it gets one catch-up message per view (or whole states); if it stays
 *   behind for longer than `slow_client_timeout` it is closed with 4008.
 */
import type { Limits } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Metrics } from '../metrics.js';
import { CLOSE, type Outgoing } from './protocol.js';
import type { Peer } from './peer.js';
import type { Batch, View } from './view.js';

/** How often clients that fell behind are checked for having drained. */
const BEHIND_CHECK_MS = 200;

/** What backpressure needs from the hub. */
export interface BackpressureDeps {
  limits: Pick<Limits, 'slowClientBytes' | 'slowClientTimeoutMs' | 'maxClientQueueBytes'>;
  metrics: Metrics;
  logger: Logger;
  /** Closes a client with a code and forgets it with all it watches. */
  drop(peer: Peer, code: number, reason: string): void;
  /** Sends a view's pending updates to its peers now, instead of at the next flush. */
  flush(view: View): void;
}

/** Where a client that fell behind stands: per view, the positions before the first batch it missed. */
interface Lag {
  views: Map<View, Readonly<Record<string, number>>>;
  since: number;
}

/** The bytes `message` takes in the queue of a client on this transport. */
function sizeOn(peer: Peer, message: Outgoing): number {
  const kind = peer.transport.kind;
  return kind === 'ws' ? message.buffer.length : kind === 'sse' ? message.sse.length : message.json.length;
}

/** Owns every byte queued per client, and the clients that fell behind. */
export class Backpressure {
  readonly #deps: BackpressureDeps;
  readonly #lagging = new Map<Peer, Lag>();
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: BackpressureDeps) {
    this.#deps = deps;
  }

  /** Clients behind on at least one view (for tests). */
  get lagging(): number {
    return this.#lagging.size;
  }

  /**
   * Queues one message for a client. A message that would take the client's queue past
   * `max_client_queue_bytes` closes the client with 4008 instead; returns whether it was queued.
   */
  send(peer: Peer, message: Outgoing): boolean {
    if (peer.closed) return false;
    const size = sizeOn(peer, message);
    const queued = peer.transport.bufferedBytes();
    // One message into an empty queue always goes: a snapshot larger than the bound is not an attack.
    if (queued > 0 && queued + size > this.#deps.limits.maxClientQueueBytes) {
      this.#deps.logger.warn({ peer: peer.id, ip: peer.transport.ip, queued, size }, 'closing a client whose queue passed max_client_queue_bytes');
      this.#deps.metrics.slowClients.inc({ action: 'overflowed' });
      this.#deps.drop(peer, CLOSE.TOO_SLOW, 'client too slow: its queue passed max_client_queue_bytes');
      return false;
    }
    peer.transport.send(message);
    const hot = this.#deps.metrics.hot;
    hot.messagesSent++;
    hot.messagesByTransport[peer.transport.kind]++;
    hot.bytesSent += size;
    return true;
  }

  /** Sends one view's batch to its peers; a peer past `slow_client_bytes` falls behind instead. */
  deliver(batch: Batch, peers: Iterable<Peer>): void {
    for (const peer of peers) this.deliverTo(peer, batch);
  }

  /** Sends a view's batch to one of its peers, or lets the peer fall behind (past `slow_client_bytes`). */
  deliverTo(peer: Peer, batch: Batch): void {
    // A pass over several views lists its peers before writing: one may have been closed since (its queue overflowed).
    if (peer.closed) return;
    const lag = this.#lagging.get(peer);
    if (lag?.views.has(batch.view)) return;
    if (peer.transport.bufferedBytes() > this.#deps.limits.slowClientBytes) this.#fallBehind(peer, batch, lag);
    else this.send(peer, batch.message);
  }

  /** Forgets where a client stood on a view (it left the view, or got a fresh snapshot of it). */
  leave(peer: Peer, view: View): void {
    const lag = this.#lagging.get(peer);
    if (lag === undefined || !lag.views.delete(view)) return;
    if (lag.views.size === 0) this.forget(peer);
  }

  /** Forgets a client entirely (it closed). */
  forget(peer: Peer): void {
    if (!this.#lagging.delete(peer)) return;
    if (this.#lagging.size === 0) this.close();
  }

  /** Stops the timer (at shutdown, or when nobody lags). */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #fallBehind(peer: Peer, batch: Batch, lag: Lag | undefined): void {
    if (lag === undefined) {
      lag = { views: new Map(), since: Date.now() };
      this.#lagging.set(peer, lag);
      this.#timer ??= setInterval(() => this.#check(), BEHIND_CHECK_MS);
    }
    lag.views.set(batch.view, batch.before);
    this.#deps.metrics.slowClients.inc({ action: 'conflated' });
  }

  #check(): void {
    const { slowClientBytes, slowClientTimeoutMs } = this.#deps.limits;
    for (const [peer, lag] of this.#lagging) {
      if (peer.closed) {
        this.forget(peer);
        continue;
      }
      // In a cluster a job's history may hold an update still on its way to the stream: catch up at the next check.
      if (peer.transport.bufferedBytes() <= slowClientBytes / 2 && [...lag.views.keys()].every((view) => view.idle)) {
        // Pending updates go out first (this peer skips them: it is still behind on the view), so the catch-up holds
        // nothing that a flush sends again. Waiting for the flush instead could wait for ever: a job whose interval
        // divides this check's keeps the check in step with its coalescing window.
        for (const view of lag.views.keys()) if (view.hasPending) this.#deps.flush(view);
        this.forget(peer);
        for (const [view, positions] of lag.views) this.send(peer, view.catchUp(positions));
      } else if (Date.now() - lag.since > slowClientTimeoutMs) {
        this.#deps.logger.warn({ peer: peer.id, ip: peer.transport.ip, buffered: peer.transport.bufferedBytes() }, 'closing a client that stayed behind');
        this.#deps.metrics.slowClients.inc({ action: 'closed' });
        this.forget(peer);
        this.#deps.drop(peer, CLOSE.TOO_SLOW, 'client too slow: send buffer stayed full');
      }
    }
  }
}
