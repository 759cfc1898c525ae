import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { bundleServer, connectionFor, type RtConnection, type Watch } from '../client/connection.js';
import type { DashboardState } from '../client/dashboard-state.js';
import { fixedVars } from '../client/embed-vars.js';
import { publicVars, type ThemeName } from '../client/theme.js';
import { durationMs, sameRange, zoomRange } from '../client/time-range.js';
import type { AlertActor, RangeRequest, VariableDefinition, WidgetDefinition } from '../client/types.js';
import type { RtWidgetElement } from '../client/widget-element.js';
import { rangeInForce, rangePicker } from './range-picker.js';
import { variablePicker } from './variable-picker.js';
import styles from './rt-dashboard.styles.js';

/** The detail of `rt-vars-change`. */
export interface VarsChangeDetail {
  vars: Record<string, string>;
}

/** The detail of `rt-range-change`: the time range now asked for, as expressions (`now-6h`, epoch ms). */
export type RangeChangeDetail = RangeRequest;

/** Whether two sets of variable values are the same. */
function sameVars(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
}

/** Reads `region=eu&host=a` into variable values. */
export function parseVars(text: string | null | undefined): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text ?? ''));
}

/**
 * @summary A whole live dashboard: its title, its variable pickers, its time-range picker (on a dashboard with a
 * time range), the connection state, and its widgets laid out on the dashboard's grid (stacked in one column on
 * narrow screens). Dragging across a time chart zooms the whole dashboard to that absolute range, which stands
 * still until "Back to live" returns to the live range before it. With an embed token that fixes the range, the
 * picker shows it disabled and charts do not zoom; with one that bounds it, the picker offers only the choices
 * within the bound, and a zoom or "Back to live" never asks for more.
 *
 * @event rt-vars-change - A viewer picked other variable values; `detail.vars` holds them all.
 * @event rt-range-change - A viewer picked a time range, zoomed, or went back to live; `detail.from` and `detail.to` hold the range (as for the `from` and `to` attributes).
 * @event rt-snapshot - The dashboard's definition arrived or changed; `detail.definition` holds it.
 *
 * @csspart base - The whole dashboard.
 * @csspart header - The row with the title, the pickers and the status.
 * @csspart title - The dashboard's title.
 * @csspart variables - The variable pickers.
 * @csspart variable-error - Beside a query variable's picker: its options could not be read last time (the code; the message in its title).
 * @csspart range - The time-range picker and the "Back to live" button (on a dashboard with a time range).
 * @csspart live - The "Back to live" button, shown while the range is absolute (after a zoom, or from the address).
 * @csspart grid - The grid of panels.
 * @csspart panel - Each widget's panel (also `panel-TYPE`, such as `panel-stat`).
 * @csspart message - A refusal or error that stops the dashboard, in words.
 * @csspart notice - Variable values or a time range the server refused, in words, beside the status; the dashboard goes on with the values and range before (or, for values the embed token fixes otherwise, with the token's; for a range refused from the start, with the dashboard's default).
 *
 * @cssproperty --rt-bg - The background behind the panels.
 * @cssproperty --rt-panel-bg - The panels' background.
 * @cssproperty --rt-border - Panel borders.
 * @cssproperty --rt-radius - Panel corners.
 * @cssproperty --rt-gap - Space between and inside panels.
 * @cssproperty --rt-row-height - The height of one grid row (a widget's `size.h` counts rows).
 */
export default class RtDashboard extends LitElement {
  static override styles = styles;

  /** The rtdash server, such as `https://dash.example.com`; defaults to the server that served the bundle. */
  @property() accessor server: string | undefined = undefined;
  /** The id of the dashboard to show. */
  @property() accessor dashboard = '';
  /** An embed token (`rtdash token create`), for dashboards that require one. */
  @property() accessor token: string | undefined = undefined;
  /** Variable values as a query string: `region=eu&host=web-1`. Viewers can change them with the pickers. */
  @property() accessor vars = '';
  /**
   * The start of the time range, on a dashboard with one: `now-6h` (relative: live, it slides with the clock), an
   * ISO-8601 time or epoch ms (with an absolute `to` too, the range stands still). Without it, the dashboard's default.
   */
  @property() accessor from: string | undefined = undefined;
  /** The end of the time range: `now`, `now-1h`, an ISO-8601 time or epoch ms; without it, the default range's end (`now`). */
  @property() accessor to: string | undefined = undefined;
  /** `light` or `dark`; without it the dashboard follows the reader's system (`prefers-color-scheme`). */
  @property({ reflect: true }) accessor theme: ThemeName | undefined = undefined;

  @state() private accessor view: DashboardState | undefined = undefined;
  @state() private accessor problem: string | undefined = undefined;
  /** Why the server refused the variable values asked for last (the dashboard stays on the ones before). */
  @state() private accessor notice: string | undefined = undefined;
  @state() private accessor connection: RtConnection | undefined = undefined;
  /** The signed-in editor or admin of the server's own page, who may act on alerts (none elsewhere: a page on another site is anonymous). */
  @state() private accessor actor: AlertActor | undefined = undefined;
  #watch: Watch | undefined;
  #watching = '';
  #panels = new Map<string, RtWidgetElement>();
  /** The live range in force before a zoom, for "Back to live". */
  #liveRange: RangeRequest | undefined;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.#watching === '' && this.hasUpdated) this.requestUpdate(); // re-watch when moved back onto a page
  }

  /** The dashboard's definition once it has arrived. */
  get definition() {
    return this.view?.definition;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const key = `${this.server ?? ''}\n${this.token ?? ''}\n${this.dashboard}`;
    if (this.isConnected && this.dashboard && key !== this.#watching) this.#rewatch(key);
    else if (this.#watch !== undefined) {
      const vars = parseVars(this.vars);
      // Going back to the values (or range) in force after a refusal asks the server for nothing.
      if (changed.has('vars') && changed.get('vars') !== undefined && !sameVars(vars, this.#watch.vars)) {
        this.notice = undefined;
        this.#watch.setVars(vars);
      }
      if ((changed.has('from') || changed.has('to')) && !sameRange(this.#askedRange(), this.#watch.range)) {
        this.notice = undefined;
        this.#watch.setRange(this.#askedRange());
      }
    }
    if (changed.has('theme')) this.style.cssText = this.theme === 'light' || this.theme === 'dark' ? publicVars(this.theme) : '';
  }

  /** The range the attributes ask for: `from` to `to` (or to the default's end), or undefined for the dashboard's default. */
  #askedRange(): RangeRequest | undefined {
    return this.from ? { from: this.from, to: this.to || (this.view?.definition?.time?.default.to ?? 'now') } : undefined;
  }

  #rewatch(key: string): void {
    this.#unwatch();
    this.#watching = key;
    this.problem = undefined;
    this.notice = undefined;
    const server = this.server ?? bundleServer();
    this.connection = connectionFor(server, this.token);
    this.actor = undefined;
    void whoActs(server).then((actor) => {
      if (this.#watching === key) this.actor = actor;
    });
    this.#watch = this.connection.watch(this.dashboard, parseVars(this.vars), {
      snapshot: (view) => {
        this.problem = undefined;
        this.view = view;
        this.requestUpdate();
        this.dispatchEvent(new CustomEvent('rt-snapshot', { detail: { definition: view.definition }, bubbles: true, composed: true }));
      },
      widgets: (view, ids) => {
        for (const id of ids) {
          const panel = this.#panels.get(id);
          if (panel !== undefined) panel.state = view.widgets.get(id);
        }
      },
      alerts: (view) => {
        for (const el of this.renderRoot.querySelectorAll<HTMLElement & { alerts?: unknown }>('rt-alerts')) el.alerts = view.alerts;
      },
      error: (problem) => {
        this.problem = problem.message;
      },
      varsRefused: (view, problem) => {
        this.notice = problem.message;
        this.vars = new URLSearchParams(view.vars).toString();
        // The pickers show what the viewer chose; unchanged values would not make the template write them back.
        for (const el of this.renderRoot.querySelectorAll<HTMLSelectElement | HTMLInputElement>('[part="variables"] [name]')) {
          el.value = view.vars[el.name] ?? el.value;
        }
      },
      rangeRefused: (view, problem) => {
        this.notice = problem.message;
        const kept = this.#watch?.range;
        this.from = kept?.from;
        this.to = kept?.to;
        const time = view.definition?.time;
        const select = this.renderRoot.querySelector<HTMLSelectElement>('[part="range"] select');
        if (select !== null && time !== undefined) {
          const inForce = rangeInForce(time, view.range);
          select.value = `${inForce.from}|${inForce.to}`;
        }
      },
    }, this.#askedRange());
    this.connection.addEventListener('status', this.#onStatus);
  }

  readonly #onStatus = (): void => this.requestUpdate();

  #unwatch(): void {
    this.#watch?.close();
    this.connection?.removeEventListener('status', this.#onStatus);
    this.#watch = undefined;
    this.#watching = '';
  }

  protected override updated(): void {
    // Widget updates go straight to their panels, without re-rendering the dashboard.
    this.#panels.clear();
    for (const el of this.renderRoot.querySelectorAll<RtWidgetElement>('[data-widget]')) this.#panels.set(el.dataset.widget!, el);
  }

  #pick(name: string, value: string): void {
    const vars: Record<string, string> = { ...(this.view?.vars ?? parseVars(this.vars)), [name]: value };
    // A query variable that depends on the one picked gets its value anew from the server (its default or first
    // option): its old value may not be one of its new options.
    const definitions = this.view?.definition?.variables ?? [];
    const dropped = new Set([name]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const v of definitions) {
        if (dropped.has(v.name) || !(v.parents ?? []).some((p) => dropped.has(p))) continue;
        dropped.add(v.name);
        delete vars[v.name];
        grew = true;
      }
    }
    this.vars = new URLSearchParams(vars).toString();
    this.dispatchEvent(new CustomEvent<VarsChangeDetail>('rt-vars-change', { detail: { vars }, bubbles: true, composed: true }));
  }

  /** Asks for `range` (a pick, a zoom, back to live) and tells the page, which may put it in its address. */
  #pickRange(range: RangeRequest): void {
    this.from = range.from;
    this.to = range.to;
    this.dispatchEvent(new CustomEvent<RangeChangeDetail>('rt-range-change', { detail: { ...range }, bubbles: true, composed: true }));
  }

  /** A chart was dragged across: the whole dashboard shows that absolute range, remembering the live one for later. */
  #onZoom = (event: CustomEvent<{ fromMs: number; toMs: number }>): void => {
    const range = this.view?.range;
    const time = this.view?.definition?.time;
    if (time === undefined || time.fixed) return;
    if (range?.live) this.#liveRange = { from: String(range.from), to: String(range.to) };
    this.#pickRange(zoomRange(event.detail.fromMs, event.detail.toMs, durationMs(time.max)));
  };

  #backToLive = (): void => {
    const time = this.view?.definition?.time;
    const live = this.#liveRange ?? time?.default;
    this.#liveRange = undefined;
    if (live !== undefined) this.#pickRange(live);
  };

  #picker(v: VariableDefinition) {
    const fixed = fixedVars(this.token)[v.name];
    return variablePicker(v, fixed, fixed ?? this.view?.vars[v.name] ?? v.default ?? '', (value) => this.#pick(v.name, value));
  }

  #panel(w: WidgetDefinition) {
    const style = `--_w:${Math.max(1, w.size.w)};--_h:${Math.max(1, w.size.h)}`;
    const current = this.view?.widgets.get(w.id);
    const common = (body: unknown) => html`<section part="panel panel-${w.type}" style=${style} aria-label=${w.title}>${body}</section>`;
    // A range widget's axis spans the dashboard's range, and a drag across it zooms. Other charts stay live on their
    // own window, but under an absolute range (which the server runs once) their data ends at its end: they span it too.
    const time = this.view?.definition?.time;
    const ranged = w.range === true && time !== undefined;
    const span = ranged || this.view?.range?.live === false ? this.view?.range : undefined;
    switch (w.type) {
      case 'line':
      case 'area':
      case 'bar':
        return common(html`<rt-chart plain data-widget=${w.id} .definition=${w} .state=${current} .range=${span} ?zoomable=${ranged && !time.fixed} @rt-zoom=${this.#onZoom}></rt-chart>`);
      case 'stat':
        return common(html`<rt-stat plain data-widget=${w.id} .definition=${w} .state=${current}></rt-stat>`);
      case 'gauge':
        return common(html`<rt-gauge plain data-widget=${w.id} .definition=${w} .state=${current}></rt-gauge>`);
      case 'table':
        return common(html`<rt-table plain data-widget=${w.id} .definition=${w} .state=${current}></rt-table>`);
      case 'alerts':
        return common(html`<rt-alerts plain .definition=${w} .alerts=${this.view?.alerts ?? []} .actor=${this.actor}></rt-alerts>`);
      case 'text':
        return common(html`<h2>${w.title}</h2><rt-text .content=${w.content ?? ''}></rt-text>`);
    }
  }

  override render() {
    const def = this.view?.definition;
    const refused = this.connection?.status.state === 'refused' ? this.connection.status.message : undefined;
    const message = refused ?? this.problem;
    return html`<div part="base">
      <header part="header">
        <h1 part="title">${def?.title ?? this.dashboard}</h1>
        ${def && def.variables.length > 0 ? html`<div part="variables">${def.variables.map((v) => this.#picker(v))}</div>` : nothing}
        ${def?.time ? rangePicker({ time: def.time, range: this.view?.range, pick: (range) => this.#pickRange(range), backToLive: this.#backToLive }) : nothing}
        ${message ? nothing : html`<rt-status .connection=${this.connection} .fixedRange=${this.view?.range?.live === false}></rt-status>`}
        ${message || !this.notice ? nothing : html`<p part="notice" role="alert">${this.notice}</p>`}
      </header>
      ${message ? html`<div part="message" role="alert">${message}</div>` : nothing}
      ${def
        ? html`<div part="grid" style="--_columns:${def.layout.columns}">${repeat(def.widgets, (w) => w.id, (w) => this.#panel(w))}</div>`
        : message
          ? nothing
          : html`<p class="loading">Loading…</p>`}
    </div>`;
  }
}

/** The signed-in viewer of `server` who may act on alerts (an editor or an admin), from `GET /api/me`; undefined otherwise. */
async function whoActs(server: string): Promise<AlertActor | undefined> {
  try {
    const res = await fetch(`${server}/api/me`, { credentials: 'same-origin' });
    if (!res.ok) return undefined;
    const me = (await res.json()) as { signedIn?: boolean; name?: string; role?: AlertActor['role']; csrf?: string };
    if (me.signedIn !== true || me.csrf === undefined || me.name === undefined || (me.role !== 'editor' && me.role !== 'admin')) return undefined;
    return { name: me.name, role: me.role, csrf: me.csrf, server };
  } catch {
    return undefined;
  }
}
