/**
 * One connection per server (and embed token) per page, shared by every element on it. It watches
 * dashboards for the elements, keeps each one's state (DashboardState), and stays up by itself: on a drop it
 * retries at once, then with growing waits and jitter, and resumes from the last sequence numbers, so panels
 * never go blank. A server too busy to take the page (at its snapshot rate) is tried again over the same
 * transport, after waits that start at a second or two and grow. When WebSocket is refused (a proxy that blocks
 * upgrades) or missing (a browser or a policy without it) it falls back to Server-Sent Events, then to long
 * polling. A refusal for good (origin not
 * allowed, token expired) stops it and says why. Other variable values or another time range the server refuses
 * leave the dashboard on the values and range it had, data and all; a time range refused from the start is left
 * out, so the dashboard shows its default range; values the embed token fixes otherwise, asked for from the
 * start, are left out, so the dashboard shows on the token's values, with the refusal told beside it. What a
 * refusal does to one dashboard's subscription is decided in subscription.ts; the messages are in protocol.ts.
 */
import { backoffDelay, busyDelay } from './backoff.js';
import { fixedVars } from './embed-vars.js';
import { CODES, PROTOCOL_VERSION, isMessage, subscribeMessage, unsubscribeMessage, type Refusal, type ServerMessage } from './protocol.js';
import { leaveOutFixed, leaveOutRange, newSubscription, rollBack, takeSnapshot, tellRefused, unexplainedRefusal, type Subscription } from './subscription.js';
import { dashboardLink, webSocketLink, type Link, type LinkEnd } from './transports.js';
import type { RangeRequest } from './types.js';
import type { ConnectionStatus, DashboardWatcher, Transport, Watch } from './watch.js';

export type { ConnectionState, ConnectionStatus, DashboardWatcher, Transport, Watch } from './watch.js';

/** The ways to reach the stream, in the order they are tried. */
const LADDER: Transport[] = ['websocket', 'sse', 'poll'];


/** The base URL of the server that served this bundle, the default for elements without a `server`. */
export function bundleServer(): string {
  return new URL(import.meta.url).href.replace(/\/(chunks\/[^/]+|rt-dashboard\.js)(\?.*)?$/, '');
}

/** The page's connection to one server with one token. */
export class RtConnection extends EventTarget {
  readonly server: string;
  readonly token: string | undefined;
  /** The variables the token fixes. */
  readonly #fixed: Record<string, string>;
  #subs = new Map<string, Subscription>();
  #status: ConnectionStatus = { state: 'connecting', transport: 'websocket', attempt: 0 };
  #ws: Link | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  /** The transport the current attempt uses; a reconnect starts from the one that last worked. */
  #transport: Transport = 'websocket';
  #worked: Transport = 'websocket';
  #open = false;

  constructor(server: string, token?: string) {
    super();
    this.server = server.replace(/\/+$/, '');
    this.token = token || undefined;
    this.#fixed = fixedVars(this.token);
  }

  /** The current status. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Starts watching `dashboard` with `vars` (and a time `range`, else its default); the first watch opens the connection. */
  watch(dashboard: string, vars: Record<string, string>, watcher: DashboardWatcher, range?: RangeRequest): Watch {
    let sub = this.#subs.get(dashboard);
    if (sub === undefined) {
      sub = newSubscription(dashboard, vars, range);
      this.#subs.set(dashboard, sub);
      if (this.#subs.size === 1 && this.#status.state !== 'refused') this.#attempt();
      else this.#subscribe(sub);
    } else if (sub.state.definition !== undefined) {
      const known = sub;
      queueMicrotask(() => known.watchers.has(watcher) && watcher.snapshot?.(known.state));
    }
    sub.watchers.add(watcher);
    const owned = sub;
    return {
      state: sub.state,
      get vars() {
        return owned.vars;
      },
      setVars: (next) => {
        owned.vars = next;
        owned.leftOut = undefined;
        // New values get a fresh snapshot, not a resume; until it comes the panels keep what they show.
        owned.changing = owned.state.definition !== undefined;
        owned.changingRange = false;
        this.#subscribe(owned);
      },
      get range() {
        return owned.range;
      },
      setRange: (next) => {
        owned.range = next;
        owned.leftOut = undefined;
        owned.changing = owned.state.definition !== undefined;
        owned.changingRange = owned.changing;
        this.#subscribe(owned);
      },
      close: () => this.#unwatch(owned, watcher),
    };
  }

  #unwatch(sub: Subscription, watcher: DashboardWatcher): void {
    sub.watchers.delete(watcher);
    if (sub.watchers.size > 0) return;
    this.#subs.delete(sub.dashboard);
    this.#dropLink(sub);
    this.#ws?.send?.(unsubscribeMessage(sub.dashboard));
    if (this.#subs.size === 0) this.#shutdown();
  }

  #shutdown(): void {
    clearTimeout(this.#retry);
    this.#ws?.close();
    this.#ws = undefined;
    this.#open = false;
    for (const sub of this.#subs.values()) this.#dropLink(sub);
    // It stays in the pool, idle: status listeners keep their reference, and the next watch reopens it.
    this.#transport = this.#worked;
    this.#status = { ...this.#status, attempt: 0 };
  }

  /** Closes a dashboard's SSE or poll links on purpose: their end is then no failure to act on. */
  #dropLink(sub: Subscription, which: 'link' | 'previous' | 'both' = 'both'): void {
    for (const key of which === 'both' ? (['link', 'previous'] as const) : [which]) {
      const link = sub[key];
      sub[key] = undefined;
      link?.close();
    }
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.dispatchEvent(new CustomEvent<ConnectionStatus>('status', { detail: status }));
  }

  /** Starts an attempt on the current transport. */
  #attempt(): void {
    clearTimeout(this.#retry);
    this.#open = false;
    const attempt = this.#status.attempt;
    this.#setStatus({ state: attempt === 0 ? 'connecting' : 'reconnecting', transport: this.#transport, attempt });
    if (this.#transport === 'websocket') {
      const url = `${this.server.replace(/^http/, 'ws')}/ws${this.token ? `?token=${encodeURIComponent(this.token)}` : ''}`;
      this.#ws = webSocketLink(url, {
        open: () => {
          this.#opened();
          for (const sub of this.#subs.values()) this.#subscribe(sub);
        },
        message: (msg) => this.#onMessage(msg),
        end: (info) => {
          this.#ws = undefined;
          this.#ended(info);
        },
      });
    } else {
      for (const sub of this.#subs.values()) this.#subscribe(sub);
    }
  }

  /** The transport got through; the attempt succeeds only once the server serves a subscription (#served). */
  #opened(): void {
    if (this.#open) return;
    this.#open = true;
    this.#worked = this.#transport;
  }

  /**
   * The server answered a subscription over the open transport (a snapshot, a catch-up, or an error about that
   * dashboard): the connection is live, and only now does the next drop start the back-off over. A server that
   * opens the transport but is too busy to subscribe leaves the count of failed attempts growing.
   */
  #served(): void {
    if (!this.#open || this.#status.state === 'open') return;
    this.#setStatus({ state: 'open', transport: this.#transport, attempt: 0 });
  }

  /** Subscribes (or resumes) one dashboard over the current transport. */
  #subscribe(sub: Subscription): void {
    const { state } = sub;
    const resuming = state.version !== undefined && !sub.changing;
    if (this.#transport === 'websocket') {
      this.#ws?.send?.(subscribeMessage(sub.dashboard, sub.vars, sub.range, resuming ? { version: state.version!, positions: state.positions() } : undefined));
      return;
    }
    // The server drops a view nobody watches, history and all: the old stream stays until the new one is open.
    if (sub.changing && sub.previous === undefined) {
      sub.previous = sub.link;
      sub.link = undefined;
    } else this.#dropLink(sub, sub.changing ? 'link' : 'both');
    const events = {
      open: () => {
        if (sub.link === link) this.#dropLink(sub, 'previous');
        this.#opened();
      },
      message: (msg: ServerMessage) => this.#onMessage(msg),
      end: (info: LinkEnd) => {
        if (sub.previous === link) sub.previous = undefined; // the new values' link decides what comes next
        if (sub.link !== link) return; // closed on purpose, or replaced by a newer link
        sub.link = undefined;
        // An event stream cannot read why it was refused (an HTTP status): a change that never opened counts as refused.
        if (sub.changing && !info.opened && !info.refusal && !info.busy) this.#changeRefused(sub, info.dashboardError ?? unexplainedRefusal(sub));
        else if (info.dashboardError) {
          if (!this.#leaveOutFixed(sub, info.dashboardError) && !this.#leaveOutRange(sub, info.dashboardError)) for (const w of sub.watchers) w.error?.(info.dashboardError);
        }
        // Values the token fixes otherwise are refused for sure: ask again without them before blaming the transport.
        else if (info.opened || info.refusal || info.busy || !this.#leaveOutFixed(sub)) this.#ended(info);
      },
    };
    const cursor = resuming ? state.cursor() : undefined;
    const link = dashboardLink(this.#transport, { server: this.server, dashboard: sub.dashboard, vars: sub.vars, range: sub.range, token: this.token, cursor }, events);
    sub.link = link;
  }

  /** A link ended: refused for good, or try the next transport, or back off and start again (the same transport, when busy). */
  #ended(info: LinkEnd): void {
    if (this.#subs.size === 0) return;
    for (const sub of this.#subs.values()) this.#dropLink(sub);
    this.#ws?.close();
    this.#ws = undefined;
    if (info.refusal) {
      clearTimeout(this.#retry);
      this.#setStatus({ state: 'refused', transport: this.#transport, attempt: this.#status.attempt, message: info.refusal.message });
      return;
    }
    const wasOpen = this.#open;
    this.#open = false;
    const next = LADDER[LADDER.indexOf(this.#transport) + 1];
    if (!wasOpen && !info.opened && !info.busy && next !== undefined) {
      // This transport never got through: try the next one at once.
      this.#transport = next;
      this.#attempt();
      return;
    }
    // Back off, then start from the transport that last worked (from the top after a full failed round). A busy
    // server got answered over this transport, so it stays; the longer busy waits spread the pages coming back.
    const attempt = this.#status.attempt + 1;
    if (!info.busy) this.#transport = wasOpen || info.opened ? this.#worked : 'websocket';
    const delay = info.busy ? busyDelay(attempt) : backoffDelay(attempt);
    this.#setStatus({ state: 'reconnecting', transport: this.#transport, attempt, retryAt: Date.now() + delay, ...(info.busy && { busy: true }) });
    this.#retry = setTimeout(() => this.#attempt(), delay);
  }

  /**
   * The server refused the values of a `setVars` or the range of a `setRange`: back to the values and range the
   * data is for. Over a WebSocket the server kept the old subscription, so resuming costs only a catch-up; over
   * SSE or polling the old link is still streaming (or, if it ended meanwhile, opens again and resumes). The
   * panels keep their data all along, and watchers are told why.
   */
  #changeRefused(sub: Subscription, problem: Refusal): void {
    rollBack(sub);
    if (sub.previous === undefined) this.#subscribe(sub);
    else [sub.link, sub.previous] = [sub.previous, undefined];
    tellRefused(sub, problem);
  }

  /** A first subscription refused for its range: subscribes again with the dashboard's default (subscription.ts). False when that is not the case. */
  #leaveOutRange(sub: Subscription, problem: Refusal): boolean {
    if (!leaveOutRange(sub, problem)) return false;
    this.#subscribe(sub);
    return true;
  }

  /** A first subscription refused for values the token fixes otherwise: subscribes again without them (subscription.ts). False when that is not the case. */
  #leaveOutFixed(sub: Subscription, problem?: Refusal): boolean {
    if (!leaveOutFixed(sub, this.#fixed, problem)) return false;
    this.#subscribe(sub);
    return true;
  }

  #onMessage(msg: ServerMessage): void {
    const { dashboard } = msg as { dashboard?: unknown };
    const sub = typeof dashboard === 'string' ? this.#subs.get(dashboard) : undefined;
    if (isMessage(msg, 'hello')) {
      // A page with an older or newer rt-dashboard.js than the server's would misread its updates: say so.
      if (msg.protocol !== PROTOCOL_VERSION) {
        const problem = { code: CODES.PROTOCOL_MISMATCH, message: `this page's rt-dashboard.js speaks protocol ${PROTOCOL_VERSION} and the server ${String(msg.protocol)}: load the script from the server again` };
        for (const s of this.#subs.values()) for (const w of s.watchers) w.error?.(problem);
      }
      return;
    }
    if (isMessage(msg, 'error')) {
      const problem = { code: String(msg.code), message: String(msg.message) };
      if (sub?.changing) return this.#changeRefused(sub, problem);
      if (sub !== undefined && (this.#leaveOutFixed(sub, problem) || this.#leaveOutRange(sub, problem))) return;
      if (sub !== undefined) this.#served();
      const targets = sub ? [sub] : [...this.#subs.values()];
      for (const s of targets) for (const w of s.watchers) w.error?.(problem);
      return;
    }
    if (sub === undefined) return;
    if (msg.type === 'snapshot' || msg.type === 'update') this.#served();
    if (isMessage(msg, 'snapshot')) takeSnapshot(sub, msg);
    else if (isMessage(msg, 'alerts')) {
      sub.state.applyAlerts(msg);
      for (const w of sub.watchers) w.alerts?.(sub.state);
    } else if (isMessage(msg, 'update')) {
      const ids = sub.state.applyUpdate(msg);
      if (ids.length > 0) for (const w of sub.watchers) w.widgets?.(sub.state, ids);
    }
  }
}

const pool = new Map<string, RtConnection>();
const poolKey = (server: string, token: string | undefined): string => `${server.replace(/\/+$/, '')}\n${token ?? ''}`;

/** The page's connection to `server` with `token`, made on first use and shared by every element after. */
export function connectionFor(server: string, token?: string): RtConnection {
  const key = poolKey(server, token);
  let connection = pool.get(key);
  if (connection === undefined) {
    connection = new RtConnection(server, token);
    pool.set(key, connection);
  }
  return connection;
}
