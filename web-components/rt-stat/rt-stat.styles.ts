import { css } from 'lit';
import { themeStyles } from '../client/theme.js';
import { widgetStyles } from '../client/widget-element.js';

export default [
  themeStyles,
  widgetStyles,
  css`
    .body {
      container-type: inline-size;
      justify-content: space-between;
      gap: 6px;
    }
    .figure {
      display: flex;
      flex-direction: column;
      gap: 2px;
      min-width: 0;
    }
    .value {
      font-size: var(--rt-stat-value-size, clamp(1.75rem, 13cqi, 2.75rem));
      font-weight: 650;
      line-height: 1.1;
      letter-spacing: -0.02em;
      font-variant-numeric: tabular-nums;
      white-space: nowrap;
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .trend {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      column-gap: 6px;
      font-size: 0.8rem;
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
      min-width: 0;
    }
    .trend .change {
      color: var(--_text);
      font-weight: 550;
    }
    .arrow {
      width: 0.75rem;
      height: 0.75rem;
      flex: none;
      fill: none;
      stroke: currentColor;
      stroke-width: 1.6;
      stroke-linecap: round;
      stroke-linejoin: round;
    }
    .trend[data-direction='up'] .arrow,
    .trend[data-direction='down'] .arrow {
      color: var(--_text);
    }
    .sparkline {
      display: block;
      width: 100%;
      height: var(--rt-stat-sparkline-height, 40px);
      flex: 0 1 auto;
      min-height: 16px;
      color: var(--_accent);
      overflow: visible;
    }
    .sparkline .line {
      fill: none;
      stroke: currentColor;
      stroke-width: 1.75;
      stroke-linejoin: round;
      stroke-linecap: round;
      vector-effect: non-scaling-stroke;
    }
  `,
];
