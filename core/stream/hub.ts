/**
 * The hub: which peer watches which view, and the flush that sends each view's gathered updates to
 * its peers. A message is built once per view per flush and written as the same bytes to every peer;
 * what is queued for each peer, and peers that fall behind, are backpressure.ts's. The hub also bounds
 * the work a peer causes (subscribes per second) and the snapshots the server builds per second.
 * A peer whose embed token expires is closed with 4401 at that moment.
 */
import { RtdashError, errorBody } from '../errors.js';
import type { EmbedAccess, Grant } from '../embed-access.js';
import { expiredError } from '../embed-token.js';
import type { Identity } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import type { Session } from '../auth/sessions.js';
import type { Dashboard, Limits } from '../model.js';
import type { Logger } from '../plugin.js';
import type { Metrics } from '../metrics.js';
import type { Scheduler } from '../scheduler.js';
import type { RangeSpec } from '../time-range.js';
import type { QueryVariableOptions } from '../query-variables.js';
import { OptionsPending, variablesKey } from '../variables.js';
import { Backpressure } from './backpressure.js';
import { FlushTimer } from './flush-timer.js';
import { CLOSE, errorMessage, type Outgoing } from './protocol.js';
import { Peer, type PeerTransport } from './peer.js';
import { readmit, type Rooms } from './readmit.js';
import { TokenBucket } from './rate-limit.js';
import { View, type Batch } from './view.js';
/** The longest delay setTimeout takes (about 24.8 days); a later expiry re-arms the timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** How many times a subscribe waits for its jobs' publishes in flight before it is served what there is. */
const ENTER_IDLE_TRIES = 5;

/** What a subscription asks for. */
export interface SubscribeRequest {
  dashboard: string;
  vars?: unknown;
  /** The dashboard version the client last saw; a different one means a fresh snapshot. */
  version?: string | undefined;
  /** Widget id → the last seq the client saw. */
  resume?: Record<string, number> | undefined;
  /** The time range asked for, `{from, to}` (docs/time.md); absent: the dashboard's default. */
  range?: unknown;
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
  /** The options of query variables: views show them, and their changes reach viewers. */
  options?: QueryVariableOptions;
}

/** What the hub keeps per peer besides its views. */
interface PeerState {
  /** Subscribes and unsubscribes it may still send this second. */
  rate: TokenBucket;
  /** Fires when its embed token expires. */
  expiry?: NodeJS.Timeout;
}

/** Fan-out of job updates to peers. */
export class Hub {
  readonly #views = new Map<string, View>();
  readonly #peers = new Map<Peer, PeerState>();
  readonly #dirty = new Set<View>();
  readonly #deps: HubDeps;
  readonly #pressure: Backpressure;
  /** Snapshots (and catch-ups) the whole server may still build this second for subscribes. */
  readonly #snapshots: TokenBucket;
  readonly #flushTimer: FlushTimer;
  /** What moving viewers between views (readmit.ts) may do here. */
  readonly #rooms: Rooms;

  constructor(deps: HubDeps) {
    this.#deps = deps;
    const { limits, metrics, logger } = deps;
    this.#pressure = new Backpressure({ limits, metrics, logger, drop: (peer, code, reason) => this.#drop(peer, code, reason), flush: (view) => this.#flushView(view) });
    this.#snapshots = new TokenBucket(limits.maxSnapshotsPerSecond, 2 * limits.maxSnapshotsPerSecond);
    this.#flushTimer = new FlushTimer(limits.coalesceMs, () => this.flush());
    this.#rooms = { access: deps.access, has: (p) => this.#peers.has(p), viewFor: (d, v, r, g) => this.#viewFor(d, v, r, g), leave: (p, v) => this.#leave(p, v) };
    deps.options?.onChange((id) => this.#optionsChanged(id));
  }

  /** Open peers. */
  /** The server's metrics, where the transports count what they see (closes, heartbeat misses). */
  get metrics(): Metrics {
    return this.#deps.metrics;
  }

  /** Open connections by transport. */
  transports(): Record<'ws' | 'sse' | 'poll', number> {
    const counts = { ws: 0, sse: 0, poll: 0 };
    for (const peer of this.#peers.keys()) counts[peer.transport.kind]++;
    return counts;
  }

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

  /** Peers that fell behind on updates (for tests). */
  get lagging(): number {
    return this.#pressure.lagging;
  }

  /** Charges one snapshot to the server-wide budget, for a widget API request; false: the server is busy. */
  takeSnapshot(): boolean {
    return this.#snapshots.take();
  }

  /** Registers a new client, with what its embed token grants (if it has one) and who signed in (if anyone). */
  addPeer(transport: PeerTransport, grant?: Grant, identity?: Identity): Peer {
    const peer = new Peer(transport, grant, (p, message) => this.#pressure.send(p, message), identity);
    const perSecond = this.#deps.limits.maxSubscribesPerSecond;
    const state: PeerState = { rate: new TokenBucket(perSecond, 2 * perSecond) };
    this.#peers.set(peer, state);
    if (grant !== undefined) this.#armExpiry(peer, state, grant);
    return peer;
  }

  /** Ends a peer whose embed token ran out: an `error` (RTDASH_TOKEN_EXPIRED), then close code 4401. */
  expire(peer: Peer): void {
    if (peer.closed || peer.grant === undefined) return;
    const body = errorBody(expiredError(peer.grant));
    peer.send(errorMessage(body.code, body.message));
    this.#drop(peer, CLOSE.TOKEN_EXPIRED, 'token expired');
  }

  /** Ends every peer opened with the session `id` (signed out, expired, the user lost access): an `error`, then close code 4402. */
  endSession(id: string): void {
    for (const peer of [...this.#peers.keys()]) {
      if (peer.identity?.session?.id !== id) continue;
      const body = errorBody(new RtdashError('RTDASH_SESSION_ENDED', 'your session has ended (signed out, expired, or your access changed): sign in again'));
      peer.send(errorMessage(body.code, body.message));
      this.#drop(peer, CLOSE.SESSION_ENDED, 'session ended');
    }
  }

  /** The sessions the connected peers were opened with, once each (for the periodic check of each). */
  sessions(): Session[] {
    const found = new Map<string, Session>();
    for (const peer of this.#peers.keys()) if (peer.identity?.session !== undefined) found.set(peer.identity.session.id, peer.identity.session);
    return [...found.values()];
  }

  /** Forgets a client and everything it watched. */
  removePeer(peer: Peer): void {
    const state = this.#peers.get(peer);
    if (state === undefined) return;
    this.#peers.delete(peer);
    peer.end();
    if (state.expiry) clearTimeout(state.expiry);
    for (const view of peer.views.values()) this.#leave(peer, view);
    peer.views.clear();
    this.#pressure.forget(peer);
  }

  /**
   * Subscribes a peer to a dashboard with variable values, replacing its earlier subscription to
   * that dashboard, and sends a snapshot (or, when resuming, what it missed). Throws RtdashError on
   * an unknown dashboard, invalid variables or what the peer's embed token does not allow (see
   * EmbedAccess.admit), past the peer's subscribe rate (RTDASH_RATE_LIMITED) or the server's snapshot
   * rate (RTDASH_SERVER_BUSY); the peer's other subscriptions are untouched. An expired token closes the peer.
   * While the options of a query variable are read for the first time, the subscription waits for them and
   * undefined is returned; a refusal then comes as an `error` message.
   */
  subscribe(peer: Peer, request: SubscribeRequest): View | undefined {
    // The expiry timer may run late on a busy loop; a subscribe never outlives the token.
    if (peer.grant !== undefined && this.#deps.access.expired(peer.grant)) {
      this.expire(peer);
      throw expiredError(peer.grant);
    }
    this.#charge(peer);
    return this.#admitted(peer, request);
  }

  #admitted(peer: Peer, request: SubscribeRequest): View | undefined {
    let admitted: ReturnType<EmbedAccess['admit']>;
    try {
      admitted = this.#deps.access.admit(request.dashboard, peer.grant, this.#deps.dashboard, request.vars, false, peer.identity?.principal);
    } catch (err) {
      if (!(err instanceof OptionsPending)) throw err;
      void err.wait.then(() => {
        if (!this.#peers.has(peer)) return;
        try {
          this.#admitted(peer, request);
        } catch (later) {
          const body = errorBody(later);
          peer.send(errorMessage(body.code, body.message, request.dashboard));
        }
      });
      return undefined;
    }
    const { dashboard, variables } = admitted;
    const range = this.#deps.access.range(peer.grant, dashboard, request.range);
    const previous = peer.views.get(dashboard.id);
    if (previous === undefined && peer.views.size >= this.#deps.limits.maxSubscriptionsPerConnection) {
      throw new RtdashError('RTDASH_BAD_MESSAGE', `a connection may watch at most ${this.#deps.limits.maxSubscriptionsPerConnection} dashboards`);
    }
    if (!this.#snapshots.take()) {
      throw new RtdashError('RTDASH_SERVER_BUSY', 'the server is busy sending snapshots to new viewers; reconnect in a moment');
    }
    const view = this.#viewFor(dashboard, variables, range, peer.grant);
    // In a cluster, a job new here first learns who runs it and loads its state, so that a viewer resuming on
    // this instance gets exactly what it missed.
    const ready = previous === view ? undefined : view.whenReady(request.version === dashboard.version ? request.resume : undefined);
    if (ready === undefined) this.#enter(peer, view, request);
    else void ready.then(() => this.#enterIdle(peer, view, request, ENTER_IDLE_TRIES));
    return view;
  }

  /**
   * Enters once no update of the view's jobs is on its way to the cluster: one job can start publishing while
   * another is still loading, and a snapshot taken then would hold a state its next update repeats.
   */
  #enterIdle(peer: Peer, view: View, request: SubscribeRequest, tries: number): void {
    if (!this.#peers.has(peer)) {
      if (view.peers.size === 0 && this.#views.get(view.key) === view) {
        this.#views.delete(view.key);
        view.dispose();
      }
    } else if (tries > 0 && !view.idle) void view.whenIdle().then(() => this.#enterIdle(peer, view, request, tries - 1));
    else this.#enter(peer, view, request);
  }

  /** Moves a peer into a view and sends it the view's snapshot, or what it missed. */
  #enter(peer: Peer, view: View, request: SubscribeRequest): void {
    const dashboard = view.dashboard;
    const previous = peer.views.get(dashboard.id);
    if (previous !== view) {
      // Updates gathered before this peer joined are already in the snapshot it gets now.
      this.#flushView(view);
      view.join(peer);
      peer.views.set(dashboard.id, view);
      if (previous) this.#leave(peer, previous);
    }
    const resumable = request.resume !== undefined && request.version === dashboard.version;
    const resumes = this.#deps.metrics.hot.resumes;
    // A resume the dashboard's new version makes impossible gives every widget its whole state again.
    if (request.resume !== undefined && !resumable) resumes.snapshot += view.jobs.size;
    peer.send(resumable ? view.catchUp(request.resume!, resumes) : view.snapshot(request.resume ? 'reload' : 'subscribe'));
    const alerts = this.#deps.alertsMessage?.(dashboard.id);
    if (alerts !== undefined) peer.send(alerts);
  }

  /**
   * Settles once the options of the query variables a subscription needs have been read (a refusal is left
   * for `subscribe` to throw): transports that answer a refusal with an HTTP status await it first.
   */
  async ready(dashboardId: string, grant: Grant | undefined, vars: unknown, principal?: Principal): Promise<void> {
    await this.#deps.access.admitReady(dashboardId, grant, this.#deps.dashboard, vars, principal).catch(() => undefined);
  }

  /** Sends a message to every peer watching the dashboard, whatever their variable values (its alerts changed). */
  publish(dashboardId: string, message: Outgoing): void {
    for (const view of this.#views.values()) if (view.dashboard.id === dashboardId) for (const peer of view.peers) peer.send(message);
  }

  /** Ends a peer's subscription to a dashboard. */
  unsubscribe(peer: Peer, dashboardId: string): void {
    this.#charge(peer);
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
        readmit(this.#rooms, peer, old, dashboard, true);
      }
    }
  }

  /** The options of a query variable of dashboard `id` changed: its viewers get them, on values still valid. */
  #optionsChanged(id: string): void {
    const dashboard = this.#deps.dashboard(id);
    if (dashboard === undefined) return;
    for (const view of [...this.#views.values()]) {
      if (view.dashboard.id !== id || view.dashboard.version !== dashboard.version || view.peers.size === 0) continue;
      const changed = view.refreshDefinition();
      for (const peer of [...view.peers]) readmit(this.#rooms, peer, view, dashboard, changed);
    }
  }

  /**
   * Sends every gathered update now. With several views to send, the writes go out in the order the peers
   * connected, not view by view: sockets opened one after another sit near each other in the kernel's memory, and
   * a pass that writes to them in that order is cheaper than one that strides across them (docs/benchmarks.md,
   * "One pass per tick"). When most peers get something, the pass walks the peers (kept in connection order);
   * when few do, it sorts their sends instead.
   */
  flush(): void {
    this.#flushTimer.flushing();
    if (this.#dirty.size === 1) {
      for (const view of this.#dirty) this.#flushView(view);
      this.#dirty.clear();
      return;
    }
    const batches = new Map<View, Batch>();
    let sends = 0;
    for (const view of this.#dirty) {
      const batch = view.takeBatch();
      if (batch === undefined) continue;
      batches.set(view, batch);
      sends += view.peers.size;
    }
    this.#dirty.clear();
    if (sends * 2 >= this.#peers.size) {
      for (const peer of this.#peers.keys()) {
        for (const view of peer.views.values()) {
          const batch = batches.get(view);
          if (batch !== undefined) this.#pressure.deliverTo(peer, batch);
        }
      }
      return;
    }
    const pairs: { peer: Peer; batch: Batch }[] = [];
    for (const [view, batch] of batches) for (const peer of view.peers) pairs.push({ peer, batch });
    pairs.sort((a, b) => a.peer.id - b.peer.id);
    for (const { peer, batch } of pairs) this.#pressure.deliverTo(peer, batch);
  }

  /** Closes every peer with `code` (1001 at shutdown) and stops the hub's timers. */
  close(code: number, reason: string): void {
    this.flush();
    for (const peer of [...this.#peers.keys()]) this.#drop(peer, code, reason);
    this.#pressure.close();
  }

  /** Closes a peer's transport and forgets the peer. */
  #drop(peer: Peer, code: number, reason: string): void {
    peer.transport.close(code, reason);
    this.removePeer(peer);
  }

  /** Takes one of the peer's subscribes for this second, or refuses the message. */
  #charge(peer: Peer): void {
    const state = this.#peers.get(peer);
    // A peer the hub let go of (closed, still sending during its close handshake) may join nothing.
    if (state === undefined) throw new RtdashError('RTDASH_BAD_MESSAGE', 'the connection is closing');
    if (!state.rate.take()) {
      throw new RtdashError('RTDASH_RATE_LIMITED', `too many subscribe and unsubscribe messages: at most ${this.#deps.limits.maxSubscribesPerSecond} a second on one connection; this one was ignored`);
    }
  }

  #armExpiry(peer: Peer, state: PeerState, grant: Grant): void {
    const left = Math.max(0, grant.expiresAt - Date.now());
    state.expiry = setTimeout(() => (this.#deps.access.expired(grant) ? this.expire(peer) : this.#armExpiry(peer, state, grant)), Math.min(left, MAX_TIMER_MS));
  }

  /** The view of (dashboard, values, range) as `grant` narrows the time settings its definition shows; made when there is none. */
  #viewFor(dashboard: Dashboard, variables: Record<string, string>, range: RangeSpec | undefined, grant: Grant | undefined): View {
    const time = this.#deps.access.timeFor(grant, dashboard);
    // Viewers whose tokens narrow the picker differently see different definitions: each gets its own view (the jobs stay shared).
    const narrowed = time === undefined ? '' : `|${encodeURIComponent(JSON.stringify(time))}`;
    const ranged = range === undefined ? '' : `#${encodeURIComponent(range.from)}|${encodeURIComponent(range.to)}${narrowed}`;
    const key = `${dashboard.id}@${dashboard.version}?${variablesKey(variables)}${ranged}`;
    let view = this.#views.get(key);
    if (view === undefined) {
      view = new View(key, dashboard, variables, this.#deps.scheduler, (v, urgent) => this.#markDirty(v, urgent), range, this.#deps.options, time);
      this.#views.set(key, view);
    }
    return view;
  }

  #leave(peer: Peer, view: View): void {
    const empty = view.leave(peer);
    this.#pressure.leave(peer, view);
    if (empty && this.#views.get(view.key) === view) {
      this.#views.delete(view.key);
      this.#dirty.delete(view);
      view.dispose();
    }
  }

  #markDirty(view: View, urgent: boolean): void {
    this.#dirty.add(view);
    this.#flushTimer.request(urgent);
  }

  #flushView(view: View): void {
    const batch = view.takeBatch();
    if (batch !== undefined) this.#pressure.deliver(batch, view.peers);
  }
}
