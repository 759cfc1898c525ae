/**
 * Lets a widget element stand alone on a page: given `server`, `dashboard` and `widget` (and optionally
 * `vars` and `token`), it watches that dashboard over the page's shared connection and feeds the element
 * its widget's definition and state. Inside `<rt-dashboard>` none of these are set, and this does nothing.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { bundleServer, connectionFor, type RtConnection, type Watch } from './connection.js';
import { describeStatus } from '../rt-status/rt-status.component.js';
import type { DashboardState } from './dashboard-state.js';
import type { DashboardRange, WidgetDefinition, WidgetState } from './types.js';

/** What a standalone widget element has. */
export interface StandaloneWidget extends ReactiveControllerHost {
  server: string | undefined;
  dashboard: string | undefined;
  widget: string | undefined;
  vars: string | undefined;
  token: string | undefined;
  definition: WidgetDefinition | undefined;
  state: WidgetState | undefined;
  /** The dashboard's time range, for an element that draws a range widget over it (`<rt-chart>`). */
  range?: DashboardRange | undefined;
  /** The server refused the dashboard or widget, in words (shown by the element). */
  problem: string | undefined;
  readonly isConnected: boolean;
}

/** Watches the widget's dashboard while the element is on the page. */
export class WidgetSource implements ReactiveController {
  readonly #host: StandaloneWidget;
  #watch: Watch | undefined;
  #connection: RtConnection | undefined;
  /** Whether the problem shown is the connection's refusal (cleared when it reconnects). */
  #refused = false;
  #key = '';
  /** The key without the variable values: while it stays, a change of `vars` is a `setVars` on the same watch. */
  #place = '';

  constructor(host: StandaloneWidget) {
    this.#host = host;
    host.addController(this);
  }

  hostUpdate(): void {
    const { server, dashboard, widget, vars, token } = this.#host;
    const key = dashboard && widget && this.#host.isConnected ? [server, dashboard, token, vars].join('\n') : '';
    if (key === this.#key) return;
    const place = [server, dashboard, token].join('\n');
    this.#key = key;
    if (key && this.#watch !== undefined && place === this.#place) {
      // Other values for the same dashboard: its data stays on screen until theirs comes (or the server refuses them).
      this.#watch.setVars(Object.fromEntries(new URLSearchParams(vars ?? '')));
      return;
    }
    this.#stop();
    this.#place = place;
    if (!key) return;
    const connection = connectionFor(server ?? bundleServer(), token);
    this.#connection = connection;
    connection.addEventListener('status', this.#onStatus);
    const show = (view: DashboardState): void => {
      const def = view.definition?.widgets.find((w) => w.id === this.#host.widget);
      if (def === undefined) {
        this.#host.problem = `dashboard "${dashboard}" has no widget "${this.#host.widget}"`;
        return;
      }
      if (!this.#refused) this.#host.problem = undefined; // a refusal stands until the connection is back
      this.#host.definition = def;
      // A range widget's data is the dashboard's default range (a standalone element asks for no other).
      if (def.range === true) this.#host.range = view.range;
      this.#host.state = view.widgets.get(def.id);
    };
    this.#watch = connection.watch(dashboard!, Object.fromEntries(new URLSearchParams(vars ?? '')), {
      snapshot: show,
      widgets: (view, ids) => {
        if (ids.includes(this.#host.widget!)) this.#host.state = view.widgets.get(this.#host.widget!);
      },
      error: (problem) => {
        this.#host.problem = problem.message;
      },
      // The data of the values before goes on; the refusal shows in the status line until other values are taken.
      varsRefused: (_view, problem) => {
        this.#host.problem = problem.message;
      },
    });
    this.#onStatus();
  }

  /** The server refused the page (a site not in `server.origins`, an expired token): the element says why. */
  #onStatus = (): void => {
    const status = this.#connection?.status;
    if (status?.state === 'refused') {
      this.#refused = true;
      this.#host.problem = describeStatus(status);
    } else if (this.#refused) {
      this.#refused = false;
      this.#host.problem = undefined;
    }
  };

  hostDisconnected(): void {
    this.#stop();
    this.#key = '';
  }

  #stop(): void {
    this.#watch?.close();
    this.#watch = undefined;
    this.#connection?.removeEventListener('status', this.#onStatus);
    this.#connection = undefined;
    if (this.#refused) {
      this.#refused = false;
      this.#host.problem = undefined;
    }
  }
}
