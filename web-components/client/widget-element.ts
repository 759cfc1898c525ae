/**
 * What every widget element shares: it takes a widget's `definition` and its `state` (as the stream tells
 * them), renders at most once per animation frame (and not at all while the tab is hidden, catching up with
 * the latest state when it returns), and shows plainly when its data is late ("stale" and its age) or its
 * source failed (the error, over the last good data, which stays on screen).
 */
import { LitElement, html, nothing, type PropertyValues, type TemplateResult } from 'lit';
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

/** The base class of the widget elements; a subclass implements `renderData()`. */
export abstract class RtWidgetElement extends LitElement {
  /** The widget as the dashboard defines it (title, type, columns, unit…). */
  @property({ attribute: false }) accessor definition: WidgetDefinition | undefined = undefined;
  /** The widget's data and health, as the stream last told them. */
  @property({ attribute: false }) accessor state: WidgetState | undefined = undefined;
  /** Overrides the definition's title. */
  @property() accessor label: string | undefined = undefined;

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
      // Only re-render when the answer to "is it stale, and how old" may have changed.
      if (this.definition?.intervalMs !== undefined && this.state !== undefined) this.now = Date.now();
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

  /** The widget's title. */
  protected get heading(): string {
    return this.label ?? this.definition?.title ?? '';
  }

  /** Whether the data is late. */
  protected get stale(): boolean {
    return isStale(this.definition, this.state, this.now);
  }

  /** The data part of the widget (the frame drawn as a chart, a figure, a table…). */
  protected abstract renderData(): TemplateResult | typeof nothing;

  /** The status line: waiting for the first data, the source's error, or how late the data is. */
  protected renderStatus(): TemplateResult | typeof nothing {
    const current = this.state;
    if (this.problem !== undefined) return html`<div part="status error" class="status error" role="alert">${this.problem}</div>`;
    if (current === undefined || current.status === 'pending') return html`<div part="status" class="status pending" role="status">Waiting for data…</div>`;
    if (current.status === 'error' && current.error !== undefined) {
      return html`<div part="status error" class="status error" role="alert" title=${current.error.code}>${current.error.message}</div>`;
    }
    if (this.stale && current.lastGoodAt !== null) {
      return html`<div part="status stale" class="status stale" role="status">stale · ${formatAge(this.now - current.lastGoodAt)} old</div>`;
    }
    return nothing;
  }
}
