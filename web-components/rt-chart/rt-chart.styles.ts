import { css } from 'lit';
import { themeStyles } from '../client/theme.js';
import { widgetStyles } from '../client/widget-element.js';

export default [
  themeStyles,
  widgetStyles,
  css`
    .plot {
      position: relative;
      flex: 1 1 auto;
      min-height: var(--rt-chart-min-height, 180px);
      min-width: 0;
    }
    /* Out of the flow, so that what ApexCharts draws never feeds back into the height it reads. */
    .apex {
      position: absolute;
      inset: 0;
      /* What ApexCharts redraws never changes the layout outside the plot: the browser need not look. */
      contain: strict;
    }
    .problem {
      margin: 0;
      font-size: 0.75rem;
      color: var(--_error);
    }
    /* ApexCharts' tooltip and legend, in the theme's font and colours. */
    .apexcharts-tooltip {
      border-radius: 6px !important;
      box-shadow: 0 4px 16px rgb(0 0 0 / 0.18) !important;
    }
    .apexcharts-tooltip.apexcharts-theme-light {
      background: var(--_panel-bg) !important;
      border-color: var(--_border) !important;
      color: var(--_text);
    }
    .apexcharts-tooltip.apexcharts-theme-light .apexcharts-tooltip-title {
      background: color-mix(in srgb, var(--_border) 40%, var(--_panel-bg)) !important;
      border-color: var(--_border) !important;
    }
    .apexcharts-tooltip.apexcharts-theme-dark {
      background: color-mix(in srgb, var(--_panel-bg) 85%, #000) !important;
      border: 1px solid var(--_border);
      color: var(--_text);
    }
    .apexcharts-tooltip.apexcharts-theme-dark .apexcharts-tooltip-title {
      background: transparent !important;
      border-color: var(--_border) !important;
    }
    .apexcharts-legend-text {
      color: var(--_text) !important;
    }
  `,
];
