/** A connected client as the hub sees it, whatever carries its messages (WebSocket or SSE). */
import type { Grant } from '../embed-access.js';
import type { Outgoing } from './protocol.js';
import type { View } from './view.js';

/** The transport side of a client. */
export interface PeerTransport {
  readonly kind: 'ws' | 'sse' | 'poll';
  /** The remote address, for per-IP limits and logs. */
  readonly ip: string;
  send(message: Outgoing): void;
  /** Bytes queued but not yet written to the network. */
  bufferedBytes(): number;
  /** Closes with a code and reason; forcibly after a grace period if the client does not answer. */
  close(code: number, reason: string): void;
}

let nextId = 1;

/** A client and the views it watches. */
export class Peer {
  readonly id = nextId++;
  readonly transport: PeerTransport;
  /** What the connection's embed token grants; undefined for a connection without one. */
  readonly grant: Grant | undefined;
  /** Fires when the grant expires. */
  expiry: NodeJS.Timeout | undefined;
  /** Dashboard id → the view this peer watches on it. */
  readonly views = new Map<string, View>();
  /** Views this peer fell behind on, with the positions it had when it stopped receiving. */
  behind: Map<View, Record<string, number>> | undefined;
  behindSince = 0;
  closed = false;

  constructor(transport: PeerTransport, grant?: Grant) {
    this.transport = transport;
    this.grant = grant;
  }

  /** Sends unless closed; returns the bytes queued. */
  send(message: Outgoing): void {
    if (!this.closed) this.transport.send(message);
  }
}
