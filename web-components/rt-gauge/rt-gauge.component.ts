import { html, nothing, svg } from 'lit';
import { ifDefined } from 'lit/directives/if-defined.js';
import { styleMap } from 'lit/directives/style-map.js';
import { cssColor, formatTick, formatValue, thresholdColor } from '../client/format.js';
import { lastNumber, valueFields } from '../client/frame.js';
import { RtWidgetElement } from '../client/widget-element.js';
import styles from './rt-gauge.styles.js';

/** The arc's geometry in SVG units: a 240° sweep open at the bottom, leaving room for the min and max labels. */
const CX = 100;
const CY = 96;
const R = 74;
const BAND_R = R + 13;
const START = 150;
const SWEEP = 240;

const point = (angle: number, r: number) => {
  const rad = (angle * Math.PI) / 180;
  return `${(CX + r * Math.cos(rad)).toFixed(2)},${(CY + r * Math.sin(rad)).toFixed(2)}`;
};

/** The SVG path of the arc from fraction `from` to `to` (0 to 1) of the sweep, at radius `r`. */
function arc(from: number, to: number, r: number): string {
  const [a0, a1] = [START + from * SWEEP, START + to * SWEEP];
  return `M${point(a0, r)}A${r},${r} 0 ${a1 - a0 > 180 ? 1 : 0} 1 ${point(a1, r)}`;
}

/**
 * @summary The latest value on an arc from `min` to `max` (0 and 100 unless the widget says), with the threshold
 * bands drawn around the arc and the value formatted by the widget's unit. Exposed to assistive technology as a
 * `meter`.
 *
 * @csspart base - The widget's panel.
 * @csspart header - The row with the title and the status.
 * @csspart heading - The title.
 * @csspart status - The waiting, error or stale line (also `error` or `stale`).
 * @csspart body - Everything below the header.
 * @csspart meter - The SVG gauge (role `meter`).
 * @csspart value - The figure in the middle of the arc.
 *
 * @cssproperty --rt-gauge-track - The colour of the empty arc (default: the theme's border colour).
 * @cssproperty --rt-gauge-thickness - The thickness of the arc in SVG units out of 200 (default 14).
 * @cssproperty --rt-accent - The arc's colour when no threshold applies.
 * @cssproperty --rt-muted - The min and max labels.
 */
export default class RtGauge extends RtWidgetElement {
  static override styles = styles;

  protected override renderData() {
    const definition = this.definition;
    const value = lastNumber(valueFields(definition, this.state?.frame)[0]);
    const [min, max] = [definition?.min ?? 0, definition?.max ?? 100];
    const span = max - min;
    const fraction = value === null || span <= 0 ? 0 : Math.min(1, Math.max(0, (value - min) / span));
    const unit = definition?.unit;
    const text = formatValue(value, unit, this.locale);
    const color = thresholdColor(definition?.thresholds, value);
    // The figure shrinks as it grows longer, so that "€1.23M" still fits inside the arc.
    const size = Math.min(30, 170 / Math.max(4, text.length));
    return html`<svg
      part="meter"
      class="meter"
      viewBox="0 6 200 164"
      role="meter"
      aria-label=${this.heading || 'Gauge'}
      aria-valuemin=${min}
      aria-valuemax=${max}
      aria-valuenow=${ifDefined(value === null ? undefined : Math.min(max, Math.max(min, value)))}
      aria-valuetext=${value === null ? 'no value' : text}
      style=${styleMap({ '--_value-color': color })}
    >
      ${this.#bands(min, span)}
      <path class="track" d=${arc(0, 1, R)} />
      ${value === null ? nothing : svg`<path class="fill" d=${arc(0, 1, R)} pathLength="100" stroke-dasharray="${(fraction * 100).toFixed(2)} 200" />`}
      <text part="value" class="value" x=${CX} y=${CY + size * 0.35} font-size=${size.toFixed(1)}>${text}</text>
      <text class="limit" x=${point(START, R).split(',')[0]} y="166">${formatTick(min, unit, this.locale)}</text>
      <text class="limit" x=${point(START + SWEEP, R).split(',')[0]} y="166">${formatTick(max, unit, this.locale)}</text>
    </svg>`;
  }

  /** The threshold bands: each colour from its value up to the next threshold's (or the max), clipped to the range. */
  #bands(min: number, span: number) {
    const thresholds = this.definition?.thresholds ?? [];
    if (span <= 0) return nothing;
    const at = (v: number) => Math.min(1, Math.max(0, (v - min) / span));
    return thresholds.map((t, i) => {
      const [from, to] = [at(t.value), at(thresholds[i + 1]?.value ?? min + span)];
      return to > from ? svg`<path class="band" d=${arc(from, to, BAND_R)} style=${styleMap({ stroke: cssColor(t.color) })} />` : nothing;
    });
  }
}
