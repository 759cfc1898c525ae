/**
 * The hub: which peer watches which view, and the flush that sends each view's gathered updates to
 * its peers. A message is built once per view per flush and written as the same bytes to every peer.
 * A peer whose send buffer passes the slow-client threshold stops getting frames; when it drains it
 * gets one catch-up message with what it missed (or whole states), and if it stays behind for too
 * long it is closed with 4008. A peer whose embed token expires is closed with 4401 at that moment.
 */
import { RtdashError, errorBody } from '../errors.js';
import type { EmbedAccess, Grant } from '../embed-access.js';
import { expiredError } from '../embed-token.js';
import type { Dashboard, Limits } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Metrics } from '../metrics.js';
import type { Scheduler } from '../scheduler.js';
import { variablesKey } from '../variables.js';
import { CLOSE, errorMessage, type Outgoing } from './protocol.js';
import { Peer, type PeerTransport } from './peer.js';
import { View } from './view.js';

/** How often peers that fell behind are checked for having drained. */
const BEHIND_CHECK_MS = 200;
/** The longest delay setTimeout takes (about 24.8 days); a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a subscription asks for. */
export interface SubscribeRequest {
  dashboard: string;
  vars?: unknown;
  /** The dashboard version the client last saw; a different one means a fresh snapshot. */
  version?: string | undefined;
  /** Widget id → the last seq the client saw. */
  resume?: Record<string, number> | undefined;
}

/** What the hub needs from the server. */
export interface HubDeps {
  dashboard(id: string): Dashboard | undefined;
  scheduler: Scheduler;
  metrics: Metrics;
  logger: Logger;
  limits: Limits;
  access: EmbedAccess;
  /** The `alerts` message of a dashboard, sent after each snapshot of it (none when alerting is off). */
  alertsMessage?: (dashboardId: string) => Outgoing | undefined;
}

/** Fan-out of job updates to peers. */
export class Hub {
  readonly #views = new Map<string, View>();
  readonly #peers = new Set<Peer>();
  readonly #dirty = new Set<View>();
  readonly #deps: HubDeps;
  #flushTimer: NodeJS.Timeout | undefined;
  #behindTimer: NodeJS.Timeout | undefined;
  #behindCount = 0;

  constructor(deps: HubDeps) {
    this.#deps = deps;
  }

  /** Open peers. */
  get connections(): number {
    return this.#peers.size;
  }

  /** Subscriptions being served (a peer watching two dashboards counts twice). */
  get viewers(): number {
    let n = 0;
    for (const view of this.#views.values()) n += view.peers.size;
    return n;
  }

  /** Live views (for tests and metrics). */
  get viewCount(): number {
    return this.#views.size;
  }

  /** Registers a new client, with what its embed token grants (if it has one). */
  addPeer(transport: PeerTransport, grant?: Grant): Peer {
    const peer = new Peer(transport, grant);
    this.#peers.add(peer);
    if (grant !== undefined) this.#armExpiry(peer, grant);
    return peer;
  }

  /** Ends a peer whose embed token ran out: an `error` (RTDASH_TOKEN_EXPIRED), then close code 4401. */
  expire(peer: Peer): void {
    if (peer.closed || peer.grant === undefined) return;
    const body = errorBody(expiredError(peer.grant));
    peer.send(errorMessage(body.code, body.message));
    peer.transport.close(CLOSE.TOKEN_EXPIRED, 'token expired');
    this.removePeer(peer);
  }

  /** Forgets a client and everything it watched. */
  removePeer(peer: Peer): void {
    if (!this.#peers.delete(peer)) return;
    peer.closed = true;
    if (peer.expiry) clearTimeout(peer.expiry);
    for (const view of peer.views.values()) this.#leave(peer, view);
    peer.views.clear();
    this.#setBehind(peer, undefined);
  }

  /**
   * Subscribes a peer to a dashboard with variable values, replacing its earlier subscription to
   * that dashboard, and sends a snapshot (or, when resuming, what it missed). Throws RtdashError on
   * an unknown dashboard, invalid variables or what the peer's embed token does not allow (see
   * EmbedAccess.admit); the peer's other subscriptions are untouched. An expired token closes the peer.
   */
  subscribe(peer: Peer, request: SubscribeRequest): View {
    // The expiry timer may run late on a busy loop; a subscribe never outlives the token.
    if (peer.grant !== undefined && this.#deps.access.expired(peer.grant)) {
      this.expire(peer);
      throw expiredError(peer.grant);
    }
    const { dashboard, variables } = this.#deps.access.admit(request.dashboard, peer.grant, this.#deps.dashboard, request.vars);
    const previous = peer.views.get(dashboard.id);
    if (previous === undefined && peer.views.size >= this.#deps.limits.maxSubscriptionsPerConnection) {
      throw new RtdashError('RTDASH_BAD_MESSAGE', `a connection may watch at most ${this.#deps.limits.maxSubscriptionsPerConnection} dashboards`);
    }
    const view = this.#viewFor(dashboard, variables);
    if (previous !== view) {
      // Updates gathered before this peer joined are already in the snapshot it gets now.
      this.#flushView(view);
      view.peers.add(peer);
      peer.views.set(dashboard.id, view);
      if (previous) this.#leave(peer, previous);
    }
    const resumable = request.resume !== undefined && request.version === dashboard.version;
    peer.send(resumable ? view.catchUp(request.resume!) : view.snapshot(request.resume ? 'reload' : 'subscribe'));
    const alerts = this.#deps.alertsMessage?.(dashboard.id);
    if (alerts !== undefined) peer.send(alerts);
    return view;
  }

  /** Sends a message to every peer watching the dashboard, whatever their variable values (its alerts changed). */
  publish(dashboardId: string, message: Outgoing): void {
    for (const view of this.#views.values()) if (view.dashboard.id === dashboardId) for (const peer of view.peers) peer.send(message);
  }

  /** Ends a peer's subscription to a dashboard. */
  unsubscribe(peer: Peer, dashboardId: string): void {
    const view = peer.views.get(dashboardId);
    if (view === undefined) throw new RtdashError('RTDASH_NOT_SUBSCRIBED', `not subscribed to "${String(dashboardId).slice(0, 64)}"`);
    peer.views.delete(dashboardId);
    this.#leave(peer, view);
  }

  /**
   * Moves every viewer of a dashboard to its new definition (a fresh snapshot, reason "reload"), or
   * tells them it is gone. Variable values no longer valid fall back to the defaults (and the token's
   * fixed ones); a viewer the new definition refuses (it became `access: token`, say) gets an `error`.
   */
  replaceDashboard(id: string, dashboard: Dashboard | undefined): void {
    const affected = [...this.#views.values()].filter((v) => v.dashboard.id === id);
    for (const old of affected) {
      for (const peer of [...old.peers]) {
        if (dashboard === undefined) {
          peer.views.delete(id);
          this.#leave(peer, old);
          peer.send(errorMessage('RTDASH_DASHBOARD_NOT_FOUND', `dashboard "${id}" was removed`, id));
          continue;
        }
        const admit = (vars: unknown) => this.#deps.access.admit(id, peer.grant, () => dashboard, vars).variables;
        let variables: Record<string, string>;
        try {
          try {
            variables = admit(old.variables);
          } catch {
            variables = admit({});
          }
        } catch (err) {
          peer.views.delete(id);
          this.#leave(peer, old);
          const body = errorBody(err);
          peer.send(errorMessage(body.code, body.message, id));
          continue;
        }
        const view = this.#viewFor(dashboard, variables);
        view.peers.add(peer);
        peer.views.set(id, view);
        this.#leave(peer, old);
        this.#unbehind(peer, old);
        peer.send(view.snapshot('reload'));
      }
    }
  }

  /** Sends every gathered update now. */
  flush(): void {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    for (const view of this.#dirty) this.#flushView(view);
    this.#dirty.clear();
  }

  /** Closes every peer with `code` (1001 at shutdown) and stops the hub's timers. */
  close(code: number, reason: string): void {
    this.flush();
    for (const peer of [...this.#peers]) {
      peer.transport.close(code, reason);
      this.removePeer(peer);
    }
    if (this.#behindTimer) clearInterval(this.#behindTimer);
    this.#behindTimer = undefined;
  }

  #armExpiry(peer: Peer, grant: Grant): void {
    const left = Math.max(0, grant.expiresAt - Date.now());
    peer.expiry = setTimeout(() => (this.#deps.access.expired(grant) ? this.expire(peer) : this.#armExpiry(peer, grant)), Math.min(left, MAX_TIMER_MS));
  }

  #viewFor(dashboard: Dashboard, variables: Record<string, string>): View {
    const key = `${dashboard.id}@${dashboard.version}?${variablesKey(variables)}`;
    let view = this.#views.get(key);
    if (view === undefined) {
      view = new View(key, dashboard, variables, this.#deps.scheduler, (v, urgent) => this.#markDirty(v, urgent));
      this.#views.set(key, view);
    }
    return view;
  }

  #leave(peer: Peer, view: View): void {
    view.peers.delete(peer);
    this.#unbehind(peer, view);
    if (view.peers.size === 0 && this.#views.get(view.key) === view) {
      this.#views.delete(view.key);
      this.#dirty.delete(view);
      view.dispose();
    }
  }

  /**
   * Scheduled updates wait `coalesce` for the others due in the same tick; an update a pushed change
   * caused is usually alone, so it goes out at the next turn of the event loop instead.
   */
  #markDirty(view: View, urgent: boolean): void {
    this.#dirty.add(view);
    if (urgent) {
      if (this.#flushTimer) clearTimeout(this.#flushTimer);
      this.#flushTimer = setTimeout(() => this.flush(), 0);
    } else if (this.#flushTimer === undefined) this.#flushTimer = setTimeout(() => this.flush(), this.#deps.limits.coalesceMs);
  }

  #flushView(view: View): void {
    const frame = view.takeFrame();
    if (frame === undefined) return;
    const limit = this.#deps.limits.slowClientBytes;
    const hot = this.#deps.metrics.hot;
    for (const peer of view.peers) {
      if (peer.behind?.has(view)) continue;
      if (peer.transport.bufferedBytes() > limit) {
        this.#fallBehind(peer, view);
        continue;
      }
      peer.send(frame);
      hot.messagesSent++;
      hot.bytesSent += peer.transport.kind === 'ws' ? frame.buffer.length : frame.json.length;
    }
  }

  /** Records where a peer stopped: the positions before the frame it did not get. */
  #fallBehind(peer: Peer, view: View): void {
    const positions = Object.fromEntries(view.previousPositions);
    this.#setBehind(peer, new Map(peer.behind ?? []).set(view, positions));
    this.#deps.metrics.slowClients.inc({ action: 'conflated' });
  }

  #unbehind(peer: Peer, view: View): void {
    if (!peer.behind?.has(view)) return;
    const next = new Map(peer.behind);
    next.delete(view);
    this.#setBehind(peer, next.size ? next : undefined);
  }

  #setBehind(peer: Peer, behind: Map<View, Record<string, number>> | undefined): void {
    const was = peer.behind !== undefined;
    peer.behind = behind;
    const is = behind !== undefined && !peer.closed;
    if (!was && is) {
      peer.behindSince = Date.now();
      this.#behindCount++;
      this.#behindTimer ??= setInterval(() => this.#checkBehind(), BEHIND_CHECK_MS);
    } else if (was && !is) {
      peer.behind = undefined;
      this.#behindCount--;
      if (this.#behindCount === 0 && this.#behindTimer) {
        clearInterval(this.#behindTimer);
        this.#behindTimer = undefined;
      }
    }
  }

  #checkBehind(): void {
    const { slowClientBytes, slowClientTimeoutMs } = this.#deps.limits;
    for (const peer of this.#peers) {
      if (!peer.behind) continue;
      if (peer.transport.bufferedBytes() <= slowClientBytes / 2) {
        // Wait for the next flush first, so the catch-up holds nothing that the flush sends again.
        if ([...peer.behind.keys()].some((view) => view.pending.length > 0)) continue;
        for (const [view, positions] of peer.behind) {
          const message = view.catchUp(positions);
          peer.send(message);
          this.#deps.metrics.hot.messagesSent++;
          this.#deps.metrics.hot.bytesSent += message.json.length;
        }
        this.#setBehind(peer, undefined);
      } else if (Date.now() - peer.behindSince > slowClientTimeoutMs) {
        this.#deps.logger.warn({ peer: peer.id, ip: peer.transport.ip, buffered: peer.transport.bufferedBytes() }, 'closing a client that stayed behind');
        this.#deps.metrics.slowClients.inc({ action: 'closed' });
        peer.transport.close(CLOSE.TOO_SLOW, 'client too slow: send buffer stayed full');
        this.removePeer(peer);
      }
    }
  }
}
