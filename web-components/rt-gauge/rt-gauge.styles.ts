import { css } from 'lit';
import { themeStyles } from '../client/theme.js';
import { widgetStyles } from '../client/widget-element.js';

export default [
  themeStyles,
  widgetStyles,
  css`
    .body {
      align-items: center;
      justify-content: center;
      container-type: inline-size;
    }
    .meter {
      display: block;
      width: 100%;
      height: 100%;
      min-height: 72px;
      max-height: 260px;
      overflow: visible;
    }
    path {
      fill: none;
      stroke-linecap: round;
    }
    .track {
      stroke: var(--rt-gauge-track, var(--_border));
      stroke-width: var(--rt-gauge-thickness, 14);
    }
    .fill {
      stroke: var(--_value-color, var(--_accent));
      stroke-width: var(--rt-gauge-thickness, 14);
      transition: stroke-dasharray 0.4s ease-out;
    }
    .band {
      stroke-width: 4;
      stroke-linecap: butt;
    }
    text {
      fill: var(--_text);
      text-anchor: middle;
      font-variant-numeric: tabular-nums;
    }
    .value {
      font-weight: 650;
      letter-spacing: -0.02em;
    }
    .limit {
      fill: var(--_muted);
      font-size: 12px;
    }
    /* The SVG scales with the panel: in a small one the ends' labels would shrink past reading, and the bands say enough. */
    @container (max-width: 200px) {
      .limit {
        display: none;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .fill {
        transition: none;
      }
    }
  `,
];
