import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type ApexCharts from 'apexcharts';
import { formatValue } from '../client/format.js';
import { RtWidgetElement } from '../client/widget-element.js';
import type { DashboardRange } from '../client/types.js';
import { chartData, type ChartData } from './chart-data.js';
import { chartOptions, dataOptions, type ChartKind } from './chart-options.js';
import { readPalette, ThemeWatch, type Palette } from './chart-theme.js';
import styles from './rt-chart.styles.js';
import { cancelDraw, scheduleDraw } from '../client/draw-queue.js';
import { tuneApexCharts } from './apexcharts-tuning.js';
import { drawInPlace } from './in-place.js';
import { chartKind } from '../../core/widget-types.js';

/** ApexCharts, fetched the first time a chart is on the page: it weighs several times the rest of the bundle. */
let library: Promise<typeof ApexCharts> | undefined;
const loadApexCharts = () =>
  (library ??= import('apexcharts').then(
    (module) => module.default,
    (error: unknown) => {
      library = undefined; // let a later chart try again
      throw error;
    },
  ));

const KIND_NAMES: Record<ChartKind, string> = { line: 'line chart', area: 'area chart', bar: 'bar chart' };

/**
 * @summary A live line, area or bar chart of the widget's `y` columns against its `x` column, drawn by ApexCharts
 * (loaded on first use). On a time axis the chart shows a fixed window that moves with the clock: the widget's kept
 * age, else its kept points times its interval, else the span of its data; only the points inside it are drawn.
 * Colours come from the theme and follow it when it changes. The plot is an image to assistive technology, named
 * by the title, the chart type and the latest values. Under a dashboard's time range (`range`, set by
 * `<rt-dashboard>`) the time axis spans that range instead, and with `zoomable` a drag across it asks for the
 * range dragged over.
 *
 * @event rt-zoom - A viewer dragged across the time axis of a `zoomable` chart; `detail.fromMs` and `detail.toMs` hold the times (epoch ms, never past the server's now).
 *
 * @csspart base - The widget's panel.
 * @csspart header - The row with the title and the status.
 * @csspart heading - The title.
 * @csspart status - The waiting, error or stale line (also `error` or `stale`).
 * @csspart body - Everything below the header.
 * @csspart plot - The box ApexCharts draws in (role `img`).
 *
 * @cssproperty --rt-chart-min-height - The plot's least height, when nothing above gives the widget a height (default 180px).
 * @cssproperty --rt-series-1 - The first series' colour (and so on to `--rt-series-6`).
 * @cssproperty --rt-border - Grid lines.
 * @cssproperty --rt-muted - Axis labels.
 */
export default class RtChart extends RtWidgetElement {
  static override styles = styles;

  /** `line`, `area` or `bar`; overrides the widget's own type. */
  @property({ reflect: true }) accessor type: ChartKind | undefined = undefined;
  /** The dashboard's time range, when it has one: the time axis spans it (`<rt-dashboard>` sets it). */
  @property({ attribute: false }) accessor range: Pick<DashboardRange, 'fromMs' | 'toMs' | 'live'> | undefined = undefined;
  /** Whether a drag across the time axis zooms, firing `rt-zoom` (`<rt-dashboard>` sets it under a time range). */
  @property({ type: Boolean }) accessor zoomable = false;

  /** Why there is no chart (ApexCharts failed to load), in words. */
  @state() private accessor chartProblem: string | undefined = undefined;

  #chart: ApexCharts | undefined;
  #loading = false;
  /** What the chart was built for: a change of type or axis kind builds it anew rather than morphing it. */
  #shape = '';
  #palette: Palette | undefined;
  #data: ChartData | undefined;
  /** The server's clock minus ours, so that the window ends at the server's "now". */
  #skew = 0;
  #drawnAt = 0;
  #redraw: 'none' | 'data' | 'all' = 'none';
  /** Whether the pointer is over the plot: the tooltip is built only then (see chart-options.ts). */
  #pointer = false;
  /** Where the pointer last was over the plot (client coordinates), to show the tooltip there once it is built. */
  #pointerAt: { x: number; y: number } | undefined;
  /** Whether a button is down on the plot: a redraw then would drop ApexCharts' drag, so redraws wait for the release. */
  #pressed = false;
  readonly #theme = new ThemeWatch(this, () => this.#themeMayHaveChanged());

  /** The ApexCharts instance once the chart is drawn, for what these properties do not cover. */
  get chart(): ApexCharts | undefined {
    return this.#chart;
  }

  /** The chart type drawn: the `type` attribute, else the widget's type when it is a chart type, else `line`. */
  get kind(): ChartKind {
    const type = this.type ?? this.definition?.type;
    return chartKind(type) ?? 'line';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#theme.start();
    document.fonts?.addEventListener('loadingdone', this.#fontsLoaded);
    // Fetch the library while the widget still waits for its data, so the first data draws at once.
    loadApexCharts().catch(() => undefined);
    if (this.hasUpdated) this.requestUpdate(); // rebuild the chart dropped when the element left the page
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#theme.stop();
    document.fonts?.removeEventListener('loadingdone', this.#fontsLoaded);
    cancelDraw(this);
    this.#chart?.destroy();
    this.#chart = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('state') && this.state !== undefined) this.#skew = this.state.at - Date.now();
    if (changed.has('definition') || changed.has('type') || changed.has('locale') || changed.has('zoomable')) this.#redraw = 'all';
    if (changed.has('state') || changed.has('definition') || changed.has('type') || changed.has('range') || this.#windowDue()) {
      this.#data = chartData(this.definition, this.state?.frame, Date.now() + this.#skew, this.range);
      if (this.#redraw === 'none') this.#redraw = 'data';
    }
  }

  /**
   * Whether the window should move on although no data came: the clock ticks every second, but moving by less than
   * a two-hundredth of the window, or more often than the data arrives, changes nothing a reader could see.
   */
  #windowDue(): boolean {
    const window = this.#data?.window;
    if (this.#chart === undefined || window === undefined || this.range?.live === false) return false; // an absolute range stands still
    return Date.now() - this.#drawnAt >= Math.max(1000, this.definition?.intervalMs ?? 0, (window.max - window.min) / 200);
  }

  protected override renderData() {
    return html`<div part="plot" class="plot" role="img" aria-label=${this.#accessibleName()} @pointerenter=${this.#pointerMoved} @pointermove=${this.#pointerMoved} @pointerleave=${this.#pointerMoved} @pointerdown=${this.#pointerPressed}>
        <div class="apex"></div>
      </div>
      ${this.chartProblem === undefined ? nothing : html`<p class="problem">${this.chartProblem}</p>`}`;
  }

  /** "Revenue per minute, line chart, latest €1,580" (with each series' name when there are several). */
  #accessibleName(): string {
    const latest = this.#data?.latest ?? [];
    const unit = this.definition?.unit;
    const values = latest.length === 1 ? formatValue(latest[0]![1], unit, this.locale) : latest.map(([name, v]) => `${name} ${formatValue(v, unit, this.locale)}`).join(', ');
    return [this.heading, KIND_NAMES[this.kind], values === '' ? 'no data' : `latest ${values}`].filter((part) => part !== '').join(', ');
  }

  /** Whether the state has columns to draw (not while waiting for a first result, or after an error before one). */
  get #hasColumns(): boolean {
    return (this.state?.frame.fields.length ?? 0) > 0;
  }

  protected override updated(changed: PropertyValues<this>): void {
    super.updated(changed);
    if (!this.isConnected || this.#data === undefined) return;
    // Without columns (waiting for the first data, or a reload) there is no axis to speak of: the chart stays as it
    // is, and a redraw asked for meanwhile (a new definition, after a variable changed) waits for data to draw. But
    // an error before any data (the query fails for a newly picked variable value) leaves nothing of the old data.
    if (!this.#hasColumns) {
      if (this.state?.status === 'error' && this.#chart !== undefined) {
        cancelDraw(this);
        this.#chart.destroy();
        this.#chart = undefined;
      }
      return;
    }
    const shape = `${this.kind}|${this.#data.axis}`;
    if (this.#chart !== undefined && shape !== this.#shape) {
      this.#chart.destroy();
      this.#chart = undefined;
    }
    if (this.#chart === undefined) {
      void this.#create();
      return;
    }
    if (this.#redraw === 'none') return;
    // Drawn from the shared queue, so a dashboard's charts spread over frames instead of making one long one.
    scheduleDraw(this, () => {
      if (this.#chart === undefined || this.#data === undefined || this.#redraw === 'none' || !this.#hasColumns || this.#pressed) return;
      // Most live updates only move the points and the time labels: done in place (see in-place.ts), unless the
      // tooltip is up, which reads what ApexCharts computed for its last full draw.
      if (this.#redraw === 'data' && !this.#pointer && drawInPlace(this.#chart, this.#data)) {
        this.#redraw = 'none';
        this.#drawnAt = Date.now();
        return;
      }
      const options = this.#redraw === 'all' ? this.#allOptions(this.#data) : dataOptions(this.#data);
      const underPointer = this.#pointer;
      this.#redraw = 'none';
      this.#drawnAt = Date.now();
      // The fast path of ApexCharts 4 (see docs/elements.md): one redraw that moves the axis and replaces the data,
      // keeps series hidden from the legend hidden, and keeps no copy of what it no longer shows.
      this.#chart
        .updateOptions(options, false, false, false)
        .then(() => {
          if (underPointer) this.#showTooltipAtPointer();
        })
        .catch((error: unknown) => this.#fail(error));
    });
  }

  async #create(): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    let Chart: typeof ApexCharts;
    try {
      Chart = await loadApexCharts();
    } catch (error) {
      this.#fail(error);
      return;
    } finally {
      this.#loading = false;
    }
    const host = this.renderRoot.querySelector<HTMLElement>('.apex');
    if (!this.isConnected || this.#chart !== undefined || host === null || this.#data === undefined) return;
    this.chartProblem = undefined;
    this.#palette ??= readPalette(this);
    this.#shape = `${this.kind}|${this.#data.axis}`;
    // A chart destroyed while one of its redraws was under way (the element left the page) can leave its SVG behind.
    host.replaceChildren();
    this.#chart = new Chart(host, this.#allOptions(this.#data));
    this.#redraw = 'none';
    this.#drawnAt = Date.now();
    const chart = this.#chart;
    chart.render().then(() => tuneApexCharts(chart), (error: unknown) => this.#fail(error));
  }

  #allOptions(data: ChartData) {
    const definition = this.definition;
    this.#palette ??= readPalette(this);
    const onZoom = this.zoomable ? this.#zoomed : undefined;
    return chartOptions(data, { kind: this.kind, palette: this.#palette, unit: definition?.unit, locale: this.locale, min: definition?.min, max: definition?.max, pointer: this.#pointer, onZoom });
  }

  /** A viewer dragged across the time axis: the range asked for ends no later than the server's now. */
  #zoomed = (min: number, max: number): void => {
    const fromMs = Math.floor(min);
    const toMs = Math.min(Math.ceil(max), Date.now() + this.#skew);
    if (toMs - fromMs < 1000) return; // a click, or a sliver no bucket could show
    this.dispatchEvent(new CustomEvent('rt-zoom', { detail: { fromMs, toMs }, bubbles: true, composed: true }));
  };

  /** The pointer came over the plot, moved over it or left it: redraw with the tooltip on or off as it comes or goes. */
  #pointerMoved = (event: PointerEvent): void => {
    this.#pointerAt = { x: event.clientX, y: event.clientY };
    const over = event.type !== 'pointerleave';
    if (over === this.#pointer) return;
    this.#pointer = over;
    this.#redraw = 'all';
    this.requestUpdate();
  };

  /** A button went down on the plot (a drag to zoom may start): redraws wait until it is released anywhere. */
  #pointerPressed = (): void => {
    if (!this.zoomable) return;
    this.#pressed = true;
    const released = (): void => {
      window.removeEventListener('pointerup', released, true);
      window.removeEventListener('pointercancel', released, true);
      this.#pressed = false;
      this.requestUpdate(); // draw what came meanwhile
    };
    window.addEventListener('pointerup', released, true);
    window.addEventListener('pointercancel', released, true);
  };

  /**
   * The chart was just redrawn under a pointer that may not move again (it came to rest, or new data arrived):
   * ApexCharts shows its tooltip on a mouse move, so one is replayed where the pointer is.
   */
  #showTooltipAtPointer(): void {
    const at = this.#pointerAt;
    if (!this.#pointer || at === undefined) return;
    const target = (this.renderRoot as ShadowRoot).elementFromPoint(at.x, at.y);
    target?.dispatchEvent(new MouseEvent('mousemove', { clientX: at.x, clientY: at.y, bubbles: true, composed: true }));
  }

  /**
   * Web fonts came in: labels measure differently now, so the axes are laid out anew by a full redraw (an update in
   * place keeps the layout it finds).
   */
  #fontsLoaded = (): void => {
    if (this.#chart === undefined) return;
    this.#redraw = 'all';
    this.requestUpdate();
  };

  #themeMayHaveChanged(): void {
    const palette = readPalette(this);
    if (JSON.stringify(palette) === JSON.stringify(this.#palette)) return;
    this.#palette = palette;
    this.#redraw = 'all';
    this.requestUpdate();
  }

  #fail(error: unknown): void {
    this.chartProblem = `The chart could not be drawn: ${error instanceof Error ? error.message : String(error)}`;
  }
}
