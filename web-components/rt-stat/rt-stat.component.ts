import { html, nothing, svg } from 'lit';
import { property } from 'lit/decorators.js';
import { styleMap } from 'lit/directives/style-map.js';
import { formatChange, formatRatio, formatValue, thresholdColor } from '../client/format.js';
import { firstNumberIndex, lastNumberIndex, numberAt, valueFields, xField } from '../client/frame.js';
import type { Field } from '../client/types.js';
import { RtWidgetElement, formatAge } from '../client/widget-element.js';
import { SPARK_HEIGHT, SPARK_WIDTH, sparkPaths } from './sparkline.js';
import styles from './rt-stat.styles.js';

/** What the trend compares the latest value with. */
export type TrendBase = 'previous' | 'window';

/**
 * @summary The latest value of a series, big and formatted by the widget's unit, coloured by its thresholds, with
 * its trend (an arrow and the change) and a sparkline of the kept values.
 *
 * The value is the last number of the widget's first `y` column (else of its first number column). Threshold
 * colours named `green`, `orange`/`yellow`/`amber`, `red` and `blue` take the theme's ok, warn, error and accent
 * colours, so they stay legible in both themes; any other CSS colour is used as written.
 *
 * @csspart base - The widget's panel.
 * @csspart header - The row with the title and the status.
 * @csspart heading - The title.
 * @csspart status - The waiting, error or stale line (also `error` or `stale`).
 * @csspart body - Everything below the header.
 * @csspart value - The big figure (a polite live region).
 * @csspart trend - The arrow and the change; `data-direction` is `up`, `down` or `flat`.
 * @csspart sparkline - The SVG line of the kept values.
 *
 * @cssproperty --rt-stat-value-size - The size of the figure (default: grows with the panel's width, 1.75rem to 2.75rem).
 * @cssproperty --rt-stat-sparkline-height - The height of the sparkline (default 40px).
 * @cssproperty --rt-panel-bg - The panel's background.
 * @cssproperty --rt-text - The figure's colour when no threshold applies.
 * @cssproperty --rt-muted - The trend's colour.
 * @cssproperty --rt-accent - The sparkline's colour when no threshold applies.
 */
export default class RtStat extends RtWidgetElement {
  static override styles = styles;

  /** What the trend compares with: `previous` (the value before the latest) or `window` (the oldest kept value). */
  @property({ reflect: true }) accessor trend: TrendBase = 'previous';

  protected override renderData() {
    const frame = this.state?.frame;
    const field = valueFields(this.definition, frame)[0];
    const times = xField(this.definition, frame);
    const latest = lastNumberIndex(field);
    const value = numberAt(field, latest);
    const color = thresholdColor(this.definition?.thresholds, value);
    return html`<div class="figure">
        <div part="value" class="value" aria-live="polite" aria-atomic="true" style=${styleMap({ color })}>
          ${formatValue(value, this.definition?.unit, this.locale)}
        </div>
        ${this.#trend(field, times, latest)}
      </div>
      ${field === undefined ? nothing : this.#sparkline(field, times?.type === 'time' ? times : undefined, color)}`;
  }

  #trend(field: Field | undefined, times: Field | undefined, latest: number) {
    const baseRow = this.trend === 'window' ? firstNumberIndex(field) : lastNumberIndex(field, latest - 1);
    if (latest < 0 || baseRow < 0 || baseRow >= latest) return nothing;
    const [now, then] = [numberAt(field, latest)!, numberAt(field, baseRow)!];
    const delta = now - then;
    const direction = delta > 0 ? 'up' : delta < 0 ? 'down' : 'flat';
    const unit = this.definition?.unit;
    // A relative change of a percentage ("+10 % of 2.8 %") reads as noise; the change in points says it.
    const ratio = then !== 0 && unit !== 'percent' && delta !== 0 ? ` (${formatRatio(delta / Math.abs(then), this.locale)})` : '';
    const since = numberAt(times, baseRow);
    const base = this.trend === 'window' ? (since !== null && times?.type === 'time' ? `vs ${formatAge(numberAt(times, latest)! - since)} ago` : 'vs start') : 'vs previous';
    return html`<div part="trend" class="trend" data-direction=${direction}>
      <svg class="arrow" viewBox="0 0 12 12" aria-hidden="true">
        ${direction === 'flat' ? svg`<path d="M2 6h8" />` : svg`<path d=${direction === 'up' ? 'M6 10V2M2.5 5.5 6 2l3.5 3.5' : 'M6 2v8M2.5 6.5 6 10l3.5-3.5'} />`}
      </svg>
      <span class="visually-hidden">${direction === 'flat' ? 'unchanged' : direction},</span>
      <span class="change">${formatChange(delta, unit, this.locale)}${ratio}</span>
      <span class="base">${base}</span>
    </div>`;
  }

  #sparkline(field: Field, times: Field | undefined, color: string | undefined) {
    const { line, area } = sparkPaths(field, times);
    if (line === '') return nothing;
    return html`<svg part="sparkline" class="sparkline" viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}" preserveAspectRatio="none" aria-hidden="true" style=${styleMap({ color })}>
      <defs>
        <linearGradient id="fill" x1="0" y1="0" x2="0" y2="1">
          <stop offset="0" stop-color="currentColor" stop-opacity="0.22" />
          <stop offset="1" stop-color="currentColor" stop-opacity="0" />
        </linearGradient>
      </defs>
      <path class="area" d=${area} fill="url(#fill)" />
      <path class="line" d=${line} />
    </svg>`;
  }
}
