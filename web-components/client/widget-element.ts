/**
 * What every widget element shares: it takes a widget's `definition` and its `state` (as the stream tells
 * them), renders at most once per animation frame (and not at all while the tab is hidden, catching up with
 * the latest state when it returns), and shows plainly when its data is late ("stale" and its age) or its
 * source failed (the error, over the last good data, which stays on screen).
 */
import { LitElement, css, html, nothing, type CSSResult, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { WidgetDefinition, WidgetState } from './types.js';
import { WidgetSource } from './widget-source.js';

/** How many intervals may pass without news before a widget's data counts as stale (the server confirms unchanged data every 3). */
const STALE_AFTER_INTERVALS = 4;
/** Slack on top, for a slow query or a reconnect. */
const STALE_GRACE_MS = 2000;

/** Whether data last known good at `lastGoodAt` is late for a widget that runs every `intervalMs`. */
export function isStale(definition: WidgetDefinition | undefined, current: WidgetState | undefined, now: number): boolean {
  if (definition?.intervalMs === undefined || current === undefined || current.status === 'pending') return false;
  if (current.lastGoodAt === null) return false;
  return now - current.lastGoodAt > STALE_AFTER_INTERVALS * definition.intervalMs + STALE_GRACE_MS;
}

/** "12 s", "4 min", "2 h": how old data is, for the stale badge. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/**
 * The panel every widget draws (include after `themeStyles`): the card, its heading, the status line or stale
 * badge, and a body that takes the rest of the height the dashboard grid gives the widget.
 */
export const widgetStyles: CSSResult = css`
  :host {
    display: block;
    height: 100%;
    min-width: 0;
    box-sizing: border-box;
  }
  .panel {
    box-sizing: border-box;
    height: 100%;
    min-width: 0;
    display: flex;
    flex-direction: column;
    gap: 8px;
    padding: var(--_gap) calc(var(--_gap) + 4px);
    background: var(--_panel-bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
    line-height: 1.4;
  }
  :host([plain]) .panel {
    padding: 0;
    border: 0;
    border-radius: 0;
    background: none;
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 8px;
    min-width: 0;
  }
  .heading {
    flex: 1 1 0;
    min-width: 0;
    margin: 0;
    font-size: 0.9rem;
    font-weight: 600;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .status {
    font-size: 0.75rem;
  }
  .status.pending {
    flex-basis: 100%;
    color: var(--_muted);
  }
  .status.error {
    flex-basis: 100%;
    padding: 4px 8px;
    border-radius: 4px;
    color: var(--_error);
    background: color-mix(in srgb, var(--_error) 10%, transparent);
    overflow-wrap: anywhere;
  }
  .status.error .code {
    opacity: 0.7;
  }
  .status.stale {
    padding: 0 8px;
    border: 1px solid currentColor;
    border-radius: 999px;
    color: var(--_warn);
    font-weight: 600;
    white-space: nowrap;
  }
  .body {
    position: relative;
    flex: 1 1 auto;
    min-height: 0;
    min-width: 0;
    display: flex;
    flex-direction: column;
  }
  /* Old or failed data stays readable but steps back, so the badge or the error line is what catches the eye. */
  .panel[data-status='stale'] .body,
  .panel[data-status='error'] .body {
    opacity: 0.72;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/** The base class of the widget elements; a subclass implements `renderData()`. */
export abstract class RtWidgetElement extends LitElement {
  /** The widget as the dashboard defines it (title, type, columns, unit…). */
  @property({ attribute: false }) accessor definition: WidgetDefinition | undefined = undefined;
  /** The widget's data and health, as the stream last told them. */
  @property({ attribute: false }) accessor state: WidgetState | undefined = undefined;
  /** Overrides the definition's title. */
  @property() accessor label: string | undefined = undefined;
  /** The BCP 47 locale numbers and times are written in (default: the browser's). */
  @property() accessor locale: string | undefined = undefined;
  /** Draws no card of its own, for a page that frames the widget itself (set by itself inside `<rt-dashboard>`'s panels). */
  @property({ type: Boolean, reflect: true }) accessor plain = false;

  // Standalone use (outside <rt-dashboard>): where to stream the widget from.
  /** The rtdash server, when the element stands alone; defaults to the server that served the bundle. */
  @property() accessor server: string | undefined = undefined;
  /** The dashboard the widget belongs to, when the element stands alone. */
  @property() accessor dashboard: string | undefined = undefined;
  /** The widget's id in that dashboard, when the element stands alone. */
  @property() accessor widget: string | undefined = undefined;
  /** Variable values as a query string (`region=eu`), when the element stands alone. */
  @property() accessor vars: string | undefined = undefined;
  /** An embed token, when the element stands alone and the dashboard requires one. */
  @property() accessor token: string | undefined = undefined;
  /** Why a standalone widget has nothing to show (the server refused it), in words. */
  @state() accessor problem: string | undefined = undefined;

  /** The clock the stale badge reads; moved on every second while the widget is on the page. */
  @state() protected accessor now = Date.now();
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    new WidgetSource(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#clock = setInterval(() => {
      if (this.ticking) this.now = Date.now();
    }, 1000);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearInterval(this.#clock);
  }

  /**
   * Renders in the next animation frame rather than the next microtask: however many updates arrive within
   * one frame, the element draws once, and a hidden tab (where frames stop) does no work until it returns.
   */
  protected override async scheduleUpdate(): Promise<void> {
    await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
    super.scheduleUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('state')) this.now = Date.now();
  }

  /** Whether the clock should move `now` on: by default only when the answer to "is it stale, and how old" may change. */
  protected get ticking(): boolean {
    return this.definition?.intervalMs !== undefined && this.state !== undefined;
  }

  /** The widget's title. */
  protected get heading(): string {
    return this.label ?? this.definition?.title ?? '';
  }

  /** Whether the data is late. */
  protected get stale(): boolean {
    return isStale(this.definition, this.state, this.now);
  }

  /** `ok`, `pending`, `error` or `stale`: set on the panel as `data-status`, for styles. */
  protected get health(): 'ok' | 'pending' | 'error' | 'stale' {
    const current = this.state;
    if (current === undefined || current.status === 'pending') return 'pending';
    if (current.status === 'error') return 'error';
    return this.stale ? 'stale' : 'ok';
  }

  /** The panel: the title as a heading, the status, and the data (see `widgetStyles`). */
  protected override render(): TemplateResult {
    const heading = this.heading;
    return html`<div part="base" class="panel" data-status=${this.health}>
      <div part="header" class="header">
        ${heading === '' ? nothing : html`<h2 part="heading" class="heading" title=${this.definition?.description ?? heading}>${heading}</h2>`}
        ${this.renderStatus()}
      </div>
      <div part="body" class="body">${this.renderData()}</div>
    </div>`;
  }

  /** The data part of the widget (the frame drawn as a chart, a figure, a table…). */
  protected abstract renderData(): TemplateResult | typeof nothing;

  /** The status line: waiting for the first data, the source's error, or how late the data is. */
  protected renderStatus(): TemplateResult | typeof nothing {
    const current = this.state;
    if (this.problem !== undefined) return html`<div part="status error" class="status error" role="alert">${this.problem}</div>`;
    if (current === undefined || current.status === 'pending') return html`<div part="status" class="status pending" role="status">Waiting for data…</div>`;
    if (current.status === 'error' && current.error !== undefined) {
      // The server sends a plain sentence; the code is what a viewer can quote to the operator, who has the details.
      return html`<div part="status error" class="status error" role="alert" title=${current.error.code}>${current.error.message}<span class="code"> · ${current.error.code}</span></div>`;
    }
    if (this.stale && current.lastGoodAt !== null) {
      return html`<div part="status stale" class="status stale" role="status">stale · ${formatAge(this.now - current.lastGoodAt)} old</div>`;
    }
    return nothing;
  }
}
