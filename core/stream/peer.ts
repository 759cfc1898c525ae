/** A connected client as the hub sees it, whatever carries its messages (WebSocket, SSE or long poll). */
import type { Grant } from '../embed-access.js';
import type { Identity } from '../auth/authenticator.js';
import type { Outgoing } from './protocol.js';
import type { View } from './view.js';

/** How long a closing client gets to take what is queued (and answer a close frame) before its socket is destroyed. */
export const CLOSE_GRACE_MS = 2000;

/** The transport side of a client. */
export interface PeerTransport {
  readonly kind: 'ws' | 'sse' | 'poll';
  /** The remote address, for per-IP limits and logs. */
  readonly ip: string;
  send(message: Outgoing): void;
  /** Bytes queued but not yet written to the network (or, for a poll session, not yet fetched). */
  bufferedBytes(): number;
  /** Closes with a code and reason; forcibly after a grace period if the client does not answer. */
  close(code: number, reason: string): void;
}

/** Sends a message to a client through the server's one bound on what is queued for it. */
export type PeerOutbox = (peer: Peer, message: Outgoing) => void;

let nextId = 1;

/** A client and the views it watches. */
export class Peer {
  readonly id = nextId++;
  readonly transport: PeerTransport;
  /** What the connection's embed token grants; undefined for a connection without one. */
  readonly grant: Grant | undefined;
  /** The signed-in viewer behind the connection (a session, or the trusted proxy's header); undefined: anonymous. */
  readonly identity: Identity | undefined;
  /** Dashboard id → the view this peer watches on it. */
  readonly views = new Map<string, View>();
  readonly #outbox: PeerOutbox;
  #closed = false;

  constructor(transport: PeerTransport, grant: Grant | undefined, outbox: PeerOutbox, identity?: Identity) {
    this.transport = transport;
    this.grant = grant;
    this.identity = identity;
    this.#outbox = outbox;
  }

  /** True once the hub has let go of this peer: it gets nothing more and may join nothing. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Marks the peer as gone (the hub calls this when it forgets it). */
  end(): void {
    this.#closed = true;
  }

  /** Sends unless closed, counted against the client's queue bound (see backpressure.ts). */
  send(message: Outgoing): void {
    if (!this.#closed) this.#outbox(this, message);
  }
}
