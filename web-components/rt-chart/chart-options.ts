/**
 * The ApexCharts options of a live chart. Everything that makes a redraw cost more than it shows is off: animations,
 * markers, data labels and the toolbar. Zooming is off too (it would fight the window that moves with the clock),
 * except under a dashboard's time range: there a drag across the time axis asks for that range (`onZoom`).
 */
import type ApexCharts from 'apexcharts';
import { formatTick, formatTime, formatValue, uses12HourClock } from '../client/format.js';
import type { ChartData } from './chart-data.js';
import type { Palette } from './chart-theme.js';

/** The chart types `<rt-chart>` draws. */
export type { ChartKind } from '../../core/widget-types.js';
import type { ChartKind } from '../../core/widget-types.js';

/** What the options depend on besides the data. */
export interface OptionInputs {
  kind: ChartKind;
  palette: Palette;
  unit?: string | undefined;
  locale?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
  /**
   * Whether the pointer is over the chart. ApexCharts rebuilds its tooltip and crosshair on every redraw, which
   * costs about a quarter of a live chart's redraw; they are built only while someone can see them.
   */
  pointer?: boolean | undefined;
  /** Called with the times (epoch ms) a viewer dragged across on a time axis; without it the chart does not zoom. */
  onZoom?: ((min: number, max: number) => void) | undefined;
}

/** The options that change with every update: the series and where the axis is. */
export function dataOptions(data: ChartData): ApexCharts.ApexOptions {
  return {
    series: data.series as ApexAxisChartSeries,
    xaxis: data.axis === 'datetime' ? { min: data.window?.min, max: data.window?.max } : { categories: data.categories },
  };
}

/** Every option, for the first draw and when the theme, unit or locale changes. */
export function chartOptions(data: ChartData, { kind, palette, unit, locale, min, max, pointer = false, onZoom }: OptionInputs): ApexCharts.ApexOptions {
  const zoom = onZoom !== undefined && data.axis === 'datetime';
  // A label formatter would turn off ApexCharts' time scale (ticks on round minutes and hours), so the ticks take
  // format strings instead, on the reader's clock.
  const [hm, hms] = uses12HourClock(locale) ? ['h:mm TT', 'h:mm:ss TT'] : ['HH:mm', 'HH:mm:ss'];
  const labelStyle = { colors: palette.muted, fontSize: '11px', fontFamily: palette.font };
  return {
    ...dataOptions(data),
    chart: {
      type: kind,
      height: '100%',
      width: '100%',
      parentHeightOffset: 0,
      background: 'transparent',
      foreColor: palette.muted,
      fontFamily: palette.font,
      animations: { enabled: false },
      toolbar: { show: false, autoSelected: 'zoom' },
      zoom: { enabled: zoom, type: 'x', autoScaleYaxis: false },
      selection: { enabled: false },
      ...(zoom && {
        events: {
          zoomed: (_chart: unknown, { xaxis }: { xaxis: { min?: number; max?: number } }) => {
            if (typeof xaxis.min === 'number' && typeof xaxis.max === 'number') onZoom?.(xaxis.min, xaxis.max);
          },
        },
      }),
      // The panel's size is what changes (the grid, a rotated phone); the chart watches its own box for that.
      redrawOnParentResize: true,
      redrawOnWindowResize: false,
    },
    colors: palette.series,
    stroke: { width: kind === 'bar' ? 0 : 2, curve: 'straight', lineCap: 'round' },
    fill:
      kind === 'area'
        ? { type: 'gradient', gradient: { shade: palette.dark ? 'dark' : 'light', type: 'vertical', shadeIntensity: 0, opacityFrom: 0.32, opacityTo: 0.02, stops: [0, 100] } }
        : { type: 'solid', opacity: 1 },
    dataLabels: { enabled: false },
    markers: { size: 0, strokeWidth: 0, hover: { size: 4 } },
    plotOptions: { bar: { columnWidth: '58%', borderRadius: 3, borderRadiusApplication: 'end' } },
    states: { active: { filter: { type: 'none' } } },
    grid: {
      borderColor: palette.border,
      strokeDashArray: 0,
      xaxis: { lines: { show: false } },
      yaxis: { lines: { show: true } },
      padding: { top: -4, right: 8, bottom: 0, left: 4 },
    },
    xaxis: {
      type: data.axis,
      ...dataOptions(data).xaxis,
      labels: {
        style: labelStyle,
        rotate: 0,
        hideOverlappingLabels: true,
        trim: true,
        ...(data.axis === 'datetime'
          ? { datetimeUTC: false, datetimeFormatter: { year: 'yyyy', month: "MMM 'yy", day: 'dd MMM', hour: hm, minute: hm, second: hms } }
          : {}),
      },
      axisBorder: { show: true, color: palette.border },
      axisTicks: { show: false },
      crosshairs: { show: pointer, stroke: { color: palette.border, dashArray: 0 } },
      tooltip: { enabled: false },
    },
    yaxis: {
      min,
      max,
      tickAmount: 4,
      forceNiceScale: true,
      labels: { style: labelStyle, formatter: (value: number) => formatTick(value, unit, locale) },
    },
    legend: {
      show: data.series.length > 1,
      position: 'top',
      horizontalAlign: 'left',
      fontSize: '12px',
      fontFamily: palette.font,
      labels: { colors: palette.text },
      markers: { size: 4, strokeWidth: 0, offsetX: -2 },
      itemMargin: { horizontal: 8, vertical: 0 },
      offsetY: 0,
    },
    tooltip: {
      enabled: pointer,
      theme: palette.dark ? 'dark' : 'light',
      shared: kind !== 'bar',
      intersect: false,
      style: { fontFamily: palette.font, fontSize: '12px' },
      x: data.axis === 'datetime' ? { formatter: (value: number) => formatTime(value, locale) } : {},
      y: { formatter: (value: number) => formatValue(value, unit, locale) },
    },
    noData: { text: 'No data', style: { color: palette.muted, fontSize: '13px', fontFamily: palette.font } },
  };
}
